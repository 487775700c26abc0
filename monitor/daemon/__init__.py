"""The daemon: the service (schedule, reload, signals, heartbeat), its jobs and triggers,
the single-instance lock and the Prometheus collector."""
