"""Bybit's two request budgets (PROTOCOLS.md §4.6; rate-limit.mdx).

- Per IP: 600 requests in a rolling 5 s window across the REST host; past it the gateway
  answers HTTP 403 "access too frequent". Bybit then bans the IP for at least 10
  minutes; the emulator bans it only until the window has room again (or for `ban_ms`
  when given), so a test that trips the limit does not stall for ten minutes.
- Per UID and endpoint: a rolling 1 s window, the limit from `UID_LIMITS` (order entry
  10/s linear, 20/s spot; queries 50/s). Past it the answer is retCode 10006. Every
  private answer carries `X-Bapi-Limit`, `X-Bapi-Limit-Status` (what is left) and
  `X-Bapi-Limit-Reset-Timestamp` (when the window frees a place if exhausted, else now).
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeport.emulator.host.limits import RollingWindows
from tradeport.venues.bybit.emulator.errors import ip_limited, too_many_visits

SECOND_MS = 1000

LIMIT_HEADER = "X-Bapi-Limit"
STATUS_HEADER = "X-Bapi-Limit-Status"
RESET_HEADER = "X-Bapi-Limit-Reset-Timestamp"


@dataclass(frozen=True)
class UidLimit:
    """Requests per second for one endpoint: `linear` also covers calls without a
    category; `order_entry` limits follow the emulator's `order_limit` override."""

    linear: int
    spot: int
    order_entry: bool = False

    def of(self, category: str | None) -> int:
        return self.spot if category == "spot" else self.linear


# rate-limit.mdx, UTA 2.0 Pro columns (inverse/linear share one figure).
UID_LIMITS: dict[str, UidLimit] = {
    "POST /v5/order/create": UidLimit(10, 20, order_entry=True),
    "POST /v5/order/amend": UidLimit(10, 10, order_entry=True),
    "POST /v5/order/cancel": UidLimit(10, 20, order_entry=True),
    "POST /v5/order/cancel-all": UidLimit(10, 20, order_entry=True),
    "POST /v5/order/create-batch": UidLimit(10, 20, order_entry=True),
    "POST /v5/order/amend-batch": UidLimit(10, 10, order_entry=True),
    "POST /v5/order/cancel-batch": UidLimit(10, 20, order_entry=True),
    "GET /v5/order/realtime": UidLimit(50, 50),
    "GET /v5/order/history": UidLimit(50, 50),
    "GET /v5/execution/list": UidLimit(50, 50),
    "GET /v5/position/list": UidLimit(50, 50),
    "POST /v5/position/set-leverage": UidLimit(10, 10),
    "POST /v5/position/switch-mode": UidLimit(10, 10),
    "GET /v5/account/wallet-balance": UidLimit(50, 50),
    "GET /v5/account/info": UidLimit(50, 50),
    "GET /v5/account/fee-rate": UidLimit(5, 5),
    "GET /v5/asset/coin/query-info": UidLimit(5, 5),
    "GET /v5/user/query-api": UidLimit(10, 10),
}
DEFAULT_UID_LIMIT = UidLimit(10, 10)


class IpLimiter:
    def __init__(self, limit: int, window_ms: int, ban_ms: int | None = None) -> None:
        if limit < 1 or window_ms < 1:
            raise ValueError("the IP limit and its window must be positive")
        self.limit = limit
        self.window_ms = window_ms
        self.ban_ms = ban_ms
        self._hits: RollingWindows[str] = RollingWindows()
        self._banned_until: dict[str, int] = {}

    def charge(self, ip: str, now_ms: int) -> None:
        """Count one request; raises the 403 when the IP is over budget or banned."""
        if now_ms < self._banned_until.get(ip, 0):
            raise ip_limited()
        hits = self._hits.window(ip, now_ms, self.window_ms)
        if len(hits) >= self.limit:
            free_at = hits[0] + self.window_ms
            self._banned_until[ip] = now_ms + self.ban_ms if self.ban_ms is not None else free_at
            raise ip_limited()
        hits.append(now_ms)


class UidLimiter:
    """Rolling one-second windows per (uid, endpoint, category); `window_ms` stretches
    the window (tests use long ones so that counts never depend on speed)."""

    def __init__(self, order_limit: int | None = None, window_ms: int = SECOND_MS) -> None:
        if window_ms < 1:
            raise ValueError(f"the UID limit window must be positive, not {window_ms} ms")
        self.order_limit = order_limit
        self.window_ms = window_ms
        self._hits: RollingWindows[tuple[int, str, str]] = RollingWindows()

    def limit_of(self, endpoint: str, category: str | None) -> int:
        rule = UID_LIMITS.get(endpoint, DEFAULT_UID_LIMIT)
        if rule.order_entry and self.order_limit is not None:
            return self.order_limit
        return rule.of(category)

    def charge(self, uid: int, endpoint: str, category: str | None, now_ms: int) -> dict[str, str]:
        """Count one call and return the limit headers; raises 10006 (with the headers)
        when this second's budget is spent."""
        limit = self.limit_of(endpoint, category)
        # spot and the derivatives categories have separate limits, so separate windows
        key = (uid, endpoint, "spot" if category == "spot" else "")
        hits = self._hits.window(key, now_ms, self.window_ms)
        if len(hits) >= limit:
            raise too_many_visits(_headers(limit, 0, hits[0] + self.window_ms))
        hits.append(now_ms)
        remaining = limit - len(hits)
        reset = hits[0] + self.window_ms if remaining == 0 else now_ms
        return _headers(limit, remaining, reset)


def _headers(limit: int, remaining: int, reset_ms: int) -> dict[str, str]:
    return {LIMIT_HEADER: str(limit), STATUS_HEADER: str(remaining), RESET_HEADER: str(reset_ms)}
