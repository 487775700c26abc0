"""The commands' orchestration: one module per user verb; no SQL, no HTTP."""
