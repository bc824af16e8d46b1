"""BingX's request budgets (PROTOCOLS.md §5.3, §5.6): per IP, the market group and the
account group over a rolling window; per account, orders per second. Every answer
reports what is left of the IP group's window (`X-RateLimit-Requests-Remain`) and
when the oldest request leaves it (`X-RateLimit-Requests-Expire`, ms). Over a budget
the request is refused with HTTP 429 and 100410."""

from __future__ import annotations

from tradeport.emulator.host.limits import RollingWindows
from tradeport.venues.bingx.emulator.errors import throttled

REMAIN_HEADER = "X-RateLimit-Requests-Remain"
EXPIRE_HEADER = "X-RateLimit-Requests-Expire"
ORDER_WINDOW_MS = 1000


class Budgets:
    def __init__(
        self, market_limit: int, account_limit: int, window_ms: int, order_limit: int
    ) -> None:
        self.limits = {"market": market_limit, "account": account_limit}
        self.window_ms = window_ms
        self.order_limit = order_limit
        self._ip: RollingWindows[tuple[str, str]] = RollingWindows()
        self._orders: RollingWindows[str] = RollingWindows()

    def charge_ip(self, group: str, remote: str, now_ms: int) -> dict[str, str]:
        """Count one request of `remote` in `group`; its headers, or 429 when over."""
        hits = self._ip.window((group, remote), now_ms, self.window_ms)
        limit = self.limits[group]
        if len(hits) >= limit:
            raise throttled(self._headers(0, hits[0] + self.window_ms - now_ms))
        hits.append(now_ms)
        return self._headers(limit - len(hits), hits[0] + self.window_ms - now_ms)

    def charge_order(self, account: str, now_ms: int, headers: dict[str, str]) -> None:
        hits = self._orders.window(account, now_ms, ORDER_WINDOW_MS)
        if len(hits) >= self.order_limit:
            raise throttled({**headers, EXPIRE_HEADER: str(hits[0] + ORDER_WINDOW_MS - now_ms)})
        hits.append(now_ms)

    @staticmethod
    def _headers(remain: int, expire_ms: int) -> dict[str, str]:
        return {REMAIN_HEADER: str(remain), EXPIRE_HEADER: str(max(0, expire_ms))}
