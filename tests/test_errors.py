"""The error family's deferral branch: a platform that stops for the cycle (a spent budget, an
unreachable host) defers the rest of its repos, and the error itself says why, as stored."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.errors import Deferred, PlatformError, RateLimited, Unreachable

UNREACHABLE = "github unreachable: ConnectError 3 times in a row"


def test_a_spent_budget_and_an_unreachable_host_both_defer() -> None:
    for error in (RateLimited("github rate limit spent"), Unreachable(UNREACHABLE)):
        assert isinstance(error, Deferred) and isinstance(error, PlatformError)


def test_an_unreachable_host_is_not_a_spent_budget() -> None:
    assert not isinstance(Unreachable(UNREACHABLE), RateLimited)


def test_a_spent_budget_defers_as_rate_limit_spent_whatever_its_message() -> None:
    reset = datetime(2026, 11, 27, 4, tzinfo=UTC)
    for message in ("github rate limit spent until 2026-11-27 04:00:00Z", "gitee is throttling us"):
        assert RateLimited(message, reset).deferral == "rate limit spent"


def test_an_unreachable_host_defers_with_its_own_message() -> None:
    assert Unreachable(UNREACHABLE).deferral == UNREACHABLE
