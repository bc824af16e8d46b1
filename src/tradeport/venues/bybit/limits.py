"""Bybit's per-endpoint rate-limit headers, observed (PROTOCOLS.md §4.6).

Every private answer carries `X-Bapi-Limit` (this endpoint's limit per second for the
account), `X-Bapi-Limit-Status` (what is left of it) and `X-Bapi-Limit-Reset-Timestamp`
(when the window frees a place if it is exhausted, else the current time). The
limiter adopts the first two through the venue.yaml rules (`limit_header`,
`remaining_header`); this module keeps the last reading of each endpoint for
`rate_limit_usage()` and turns the reset time into how long to stop after a 10006.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

LIMIT_HEADER = "X-Bapi-Limit"
STATUS_HEADER = "X-Bapi-Limit-Status"
RESET_HEADER = "X-Bapi-Limit-Reset-Timestamp"

# A 10006 without a usable reset time: the window is one rolling second (§4.6).
DEFAULT_WAIT_S = 1.0

log = logging.getLogger("tradeport.venues.bybit.limits")


@dataclass(frozen=True, slots=True)
class EndpointUsage:
    """The venue's last word on one endpoint's per-account budget."""

    endpoint: str
    limit: int
    remaining: int
    reset_ms: int  # venue time (epoch ms) at which a place frees up when exhausted
    seen_ms: int  # venue time of the answer that carried it

    @property
    def used(self) -> int:
        return max(0, self.limit - self.remaining)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None and isinstance(headers, dict):  # a plain dict may not fold case
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _int(endpoint: str, name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        log.warning("%s: ignoring unreadable %s header %r", endpoint, name, value)
        return None


def read_usage(endpoint: str, headers: Mapping[str, str], now_ms: int) -> EndpointUsage | None:
    """The limit headers of one answer, or None when it carries none (public data)."""
    limit = _int(endpoint, LIMIT_HEADER, _header(headers, LIMIT_HEADER))
    remaining = _int(endpoint, STATUS_HEADER, _header(headers, STATUS_HEADER))
    if limit is None or remaining is None:
        return None
    reset = _int(endpoint, RESET_HEADER, _header(headers, RESET_HEADER))
    return EndpointUsage(
        endpoint=endpoint,
        limit=limit,
        remaining=remaining,
        reset_ms=reset if reset is not None else now_ms,
        seen_ms=now_ms,
    )


class LimitWatch:
    """The last usage reading per endpoint key ("POST /v5/order/create")."""

    def __init__(self, venue: str) -> None:
        self.venue = venue
        self._usage: dict[str, EndpointUsage] = {}

    def observe(
        self, endpoint: str, headers: Mapping[str, str], now_ms: int
    ) -> EndpointUsage | None:
        usage = read_usage(endpoint, headers, now_ms)
        if usage is not None:
            self._usage[endpoint] = usage
            log.debug(
                "%s %s: %d/%d used, resets at %d",
                self.venue,
                endpoint,
                usage.used,
                usage.limit,
                usage.reset_ms,
            )
        return usage

    def usage(self) -> dict[str, EndpointUsage]:
        return dict(self._usage)

    def wait_seconds(self, usage: EndpointUsage | None, now_ms: int) -> float:
        """How long an exhausted endpoint stays closed: until its reset time, or the
        length of the window when the answer gave no time still ahead."""
        if usage is None or usage.reset_ms <= now_ms:
            return DEFAULT_WAIT_S
        return (usage.reset_ms - now_ms) / 1000.0
