"""OKX's request budgets, per 2 s (PROTOCOLS.md §3.3, §3.6; the docs' per-endpoint
"Rate Limit" and "Rate limit rule" lines).

Public endpoints count per IP (instruments per IP and instType); private ones per user
ID; order entry per user ID and instrument ID. Order entry, amend and cancel limits are
independent of each other. Past a budget the answer is HTTP 429 with code 50011 (OKX
documents no rate-limit headers). The window is a rolling 2 s (per-IP budgets: the
emulator's `weight_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradeport.emulator.host.limits import RollingWindows, interval_ms
from tradeport.venues.okx.emulator.errors import rate_limited

WINDOW_MS = 2000
Scope = Literal["ip", "ip_inst_type", "user", "user_inst"]


@dataclass(frozen=True)
class Rule:
    limit: int
    scope: Scope
    order_entry: bool = False  # follows the emulator's `order_limit` override


RULES: dict[str, Rule] = {
    "GET /api/v5/public/time": Rule(10, "ip"),
    "GET /api/v5/public/instruments": Rule(20, "ip_inst_type"),
    "GET /api/v5/public/mark-price": Rule(10, "ip"),
    "GET /api/v5/public/funding-rate": Rule(10, "ip"),
    "GET /api/v5/market/ticker": Rule(20, "ip"),
    "GET /api/v5/market/tickers": Rule(20, "ip"),
    "GET /api/v5/market/books": Rule(40, "ip"),
    "GET /api/v5/market/candles": Rule(40, "ip"),
    "GET /api/v5/market/history-candles": Rule(20, "ip"),
    "GET /api/v5/market/trades": Rule(100, "ip"),
    "GET /api/v5/market/history-trades": Rule(20, "ip"),
    "GET /api/v5/public/funding-rate-history": Rule(10, "ip"),
    "GET /api/v5/public/open-interest": Rule(20, "ip"),
    # "10 requests per 2 seconds", rule IP + instrument ID (counted per IP here)
    "GET /api/v5/rubik/stat/contracts/open-interest-history": Rule(10, "ip"),
    "GET /api/v5/public/price-limit": Rule(20, "ip"),
    "GET /api/v5/public/position-tiers": Rule(10, "ip"),
    "GET /api/v5/account/max-size": Rule(20, "user"),
    "GET /api/v5/account/bills": Rule(5, "user"),
    "GET /api/v5/account/bills-archive": Rule(5, "user"),  # [?] per 2 s
    "POST /api/v5/trade/close-position": Rule(20, "user"),
    "POST /api/v5/trade/order": Rule(60, "user_inst", order_entry=True),
    # counted per order: 300 orders per 2 s (a one-order batch counts as a place)
    "POST /api/v5/trade/batch-orders": Rule(300, "user_inst", order_entry=True),
    "POST /api/v5/trade/cancel-order": Rule(60, "user_inst", order_entry=True),
    "POST /api/v5/trade/cancel-batch-orders": Rule(300, "user_inst", order_entry=True),
    "POST /api/v5/trade/amend-order": Rule(60, "user_inst", order_entry=True),
    "POST /api/v5/trade/amend-batch-orders": Rule(300, "user_inst", order_entry=True),
    "GET /api/v5/trade/order": Rule(60, "user_inst"),
    "GET /api/v5/trade/orders-pending": Rule(60, "user"),
    "GET /api/v5/trade/orders-history": Rule(40, "user"),
    "GET /api/v5/trade/orders-history-archive": Rule(20, "user"),
    "GET /api/v5/trade/fills": Rule(60, "user"),
    "GET /api/v5/trade/fills-history": Rule(10, "user"),
    "GET /api/v5/account/balance": Rule(10, "user"),
    "GET /api/v5/account/positions": Rule(10, "user"),
    "GET /api/v5/account/positions-history": Rule(10, "user"),  # [?] as positions
    "GET /api/v5/account/config": Rule(5, "user"),
    "POST /api/v5/account/set-position-mode": Rule(5, "user"),
    "POST /api/v5/account/set-leverage": Rule(20, "user"),
    "GET /api/v5/account/leverage-info": Rule(20, "user"),
    "GET /api/v5/account/trade-fee": Rule(5, "user"),
    "GET /api/v5/asset/currencies": Rule(6, "user"),
}
DEFAULT_PUBLIC = Rule(20, "ip")
DEFAULT_PRIVATE = Rule(10, "user")


class RateLimiter:
    """Rolling 2 s windows per budget key. `weight_limit` replaces every per-IP limit,
    `order_limit` every order-entry limit."""

    def __init__(
        self,
        weight_limit: int | None = None,
        order_limit: int | None = None,
        weight_interval: tuple[int, str] = (2, "SECOND"),
    ) -> None:
        for name, value in (("weight_limit", weight_limit), ("order_limit", order_limit)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        self.ip_window_ms = interval_ms(weight_interval)
        self.weight_limit = weight_limit
        self.order_limit = order_limit
        self._hits: RollingWindows[tuple[str, ...]] = RollingWindows()

    def limit_of(self, endpoint: str, signed: bool) -> int:
        rule = self.rule(endpoint, signed)
        if rule.order_entry and self.order_limit is not None:
            return self.order_limit
        if rule.scope in ("ip", "ip_inst_type") and self.weight_limit is not None:
            return self.weight_limit
        return rule.limit

    @staticmethod
    def rule(endpoint: str, signed: bool) -> Rule:
        return RULES.get(endpoint, DEFAULT_PRIVATE if signed else DEFAULT_PUBLIC)

    def charge(
        self,
        endpoint: str,
        *,
        signed: bool,
        ip: str,
        uid: int | None,
        inst_type: str | None,
        inst_ids: list[str],
        now_ms: int,
    ) -> None:
        """Count one request (per-order endpoints: one per order, per instrument);
        raises 50011 when a budget is spent, counting nothing."""
        rule = self.rule(endpoint, signed)
        limit = self.limit_of(endpoint, signed)
        needs: dict[tuple[str, ...], int]
        if rule.scope == "ip":
            needs = {(endpoint, ip): 1}
        elif rule.scope == "ip_inst_type":
            needs = {(endpoint, ip, inst_type or ""): 1}
        elif rule.scope == "user":
            needs = {(endpoint, str(uid)): 1}
        else:
            needs = {}
            for inst in inst_ids or [""]:
                key = (endpoint, str(uid), inst)
                needs[key] = needs.get(key, 0) + 1
        window_ms = self.ip_window_ms if rule.scope in ("ip", "ip_inst_type") else WINDOW_MS
        windows = [(self._hits.window(key, now_ms, window_ms), n) for key, n in needs.items()]
        if any(len(hits) + n > limit for hits, n in windows):
            raise rate_limited()
        for hits, n in windows:
            hits.extend([now_ms] * n)
