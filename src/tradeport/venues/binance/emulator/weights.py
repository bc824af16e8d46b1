"""Request weights and order-rate budgets (PROTOCOLS.md §1.3, §1.6, §2.3, §2.6).

Weights are a table per market keyed by "METHOD /path"; some depend on a parameter
(depth by `limit`, 24 h ticker by `symbol`/`symbols`...). Budgets are fixed windows
aligned to the epoch (a 1-minute window starts at each whole minute, §1.6): request
weight per client IP, order counts per account.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tradeport.emulator.host.decoding import decode_json
from tradeport.venues.binance.emulator.errors import BinanceApiError
from tradeport.venues.binance.emulator.params import Params

WeightRule = int | Callable[[Params], int]

INTERVAL_MS = {"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
# Requests refused with 429 that an IP may still send in the same window before it is
# banned with 418 (§1.6: "418 = IP auto-banned after continuing past 429s").
HAMMER_ALLOWANCE = 10
MAX_BAN_MS = 3 * 86_400_000  # bans escalate from 2 minutes up to 3 days (§2.6)


def _int_param(params: Params, name: str) -> int | None:
    raw = params.get(name)
    return int(raw) if raw is not None and raw.isdigit() else None


def _by_limit(default: int, tiers: list[tuple[int, int]], last: int) -> WeightRule:
    """Weight from the `limit` parameter: the first tier whose bound is >= limit."""

    def weigh(params: Params) -> int:
        limit = _int_param(params, "limit") or default
        return next((w for bound, w in tiers if limit <= bound), last)

    return weigh


def _by_symbol(one: int, every: int, list_tiers: list[tuple[int, int]] | None = None) -> WeightRule:
    """`one` with `symbol`, `every` without; a `symbols` list weighs by its length."""

    def weigh(params: Params) -> int:
        if params.get("symbol") is not None:
            return one
        raw = params.get("symbols")
        if raw is None:
            return every
        if list_tiers is None:
            return every
        try:
            count = len(decode_json(raw))
        except (ValueError, TypeError):
            return one
        return next((w for bound, w in list_tiers if count <= bound), every)

    return weigh


def _per_symbol(each: int, cap: int) -> WeightRule:
    """`each` per symbol of `symbols` (one for `symbol`), at most `cap` (the rolling
    window ticker, §1.3)."""

    def weigh(params: Params) -> int:
        raw = params.get("symbols")
        if raw is None:
            return each
        try:
            count = len(decode_json(raw))
        except (ValueError, TypeError):
            return each
        return min(cap, each * max(1, count))

    return weigh


def _if_param(name: str, present: int, absent: int) -> WeightRule:
    def weigh(params: Params) -> int:
        return present if params.get(name) is not None else absent

    return weigh


# Spot, 2026-07 docs snapshot (§1.3).
SPOT_WEIGHTS: dict[str, WeightRule] = {
    "GET /api/v3/ping": 1,
    "GET /api/v3/time": 1,
    "GET /api/v3/exchangeInfo": 20,
    "GET /api/v3/depth": _by_limit(100, [(100, 5), (500, 25), (1000, 50)], 250),
    "GET /api/v3/trades": 25,
    "GET /api/v3/klines": 2,
    "GET /api/v3/ticker/24hr": _by_symbol(2, 80, [(20, 2), (100, 40)]),
    "GET /api/v3/ticker/price": _by_symbol(2, 4),
    "GET /api/v3/ticker/bookTicker": _by_symbol(2, 4),
    "GET /api/v3/avgPrice": 2,
    "GET /api/v3/aggTrades": 4,
    "GET /api/v3/historicalTrades": 25,
    "GET /api/v3/uiKlines": 2,
    "GET /api/v3/ticker": _per_symbol(4, 200),
    "POST /api/v3/order": 1,
    "POST /api/v3/order/test": _if_param("computeCommissionRates", 20, 1),
    "DELETE /api/v3/order": 1,
    "POST /api/v3/order/cancelReplace": 1,
    "GET /api/v3/order": 4,
    "GET /api/v3/openOrders": _if_param("symbol", 6, 80),
    "DELETE /api/v3/openOrders": 1,
    "GET /api/v3/allOrders": 20,
    "GET /api/v3/account": 20,
    "GET /api/v3/myTrades": _if_param("orderId", 5, 20),
    "GET /sapi/v1/margin/allPairs": 1,
    "GET /sapi/v1/margin/isolated/allPairs": 10,
    "GET /sapi/v1/capital/config/getall": 10,
    "GET /sapi/v1/asset/tradeFee": 1,
    "GET /api/v3/rateLimit/order": 40,
    "GET /api/v3/account/commission": 20,
}

# USDⓈ-M, SDK 18.0.1 docstrings (§2.3). New orders cost no IP weight, only order counts.
FUTURES_WEIGHTS: dict[str, WeightRule] = {
    "GET /fapi/v1/ping": 1,
    "GET /fapi/v1/time": 1,
    "GET /fapi/v1/exchangeInfo": 1,
    "GET /fapi/v1/depth": _by_limit(500, [(50, 2), (100, 5), (500, 10)], 20),
    "GET /fapi/v1/trades": 5,
    "GET /fapi/v1/klines": _by_limit(500, [(99, 1), (499, 2), (1000, 5)], 10),
    "GET /fapi/v1/continuousKlines": _by_limit(500, [(99, 1), (499, 2), (1000, 5)], 10),
    "GET /fapi/v1/indexPriceKlines": _by_limit(500, [(99, 1), (499, 2), (1000, 5)], 10),
    "GET /fapi/v1/markPriceKlines": _by_limit(500, [(99, 1), (499, 2), (1000, 5)], 10),
    # shares fundingRate's own 500 per 5 minutes IP limit, not the weight [?]
    "GET /fapi/v1/fundingInfo": 0,
    "GET /fapi/v1/rateLimit/order": 1,
    "GET /fapi/v1/ticker/24hr": _by_symbol(1, 40),
    "GET /fapi/v1/ticker/price": _by_symbol(1, 2),
    "GET /fapi/v2/ticker/price": _by_symbol(1, 2),
    "GET /fapi/v1/ticker/bookTicker": _by_symbol(2, 5),
    "GET /fapi/v1/premiumIndex": 1,
    "GET /fapi/v1/aggTrades": 20,
    "GET /fapi/v1/historicalTrades": 20,
    "GET /fapi/v1/fundingRate": 1,
    "GET /fapi/v1/openInterest": 1,
    "GET /dapi/v1/exchangeInfo": 1,
    "POST /fapi/v1/order": 0,
    "DELETE /fapi/v1/order": 1,
    "GET /fapi/v1/order": 1,
    "GET /fapi/v1/openOrders": _if_param("symbol", 1, 40),
    "GET /fapi/v1/openOrder": 1,
    "DELETE /fapi/v1/allOpenOrders": 1,
    "GET /fapi/v1/allOrders": 5,
    "GET /fapi/v2/balance": 5,
    "GET /fapi/v3/balance": 5,
    "GET /fapi/v2/account": 5,
    "GET /fapi/v3/account": 5,
    "GET /fapi/v2/positionRisk": 5,
    "GET /fapi/v3/positionRisk": 5,
    "POST /fapi/v1/leverage": 1,
    "GET /fapi/v1/leverageBracket": 1,
    "POST /fapi/v1/marginType": 1,
    "GET /fapi/v1/positionSide/dual": 30,
    "POST /fapi/v1/positionSide/dual": 1,
    "GET /fapi/v1/userTrades": 5,
    "PUT /fapi/v1/order": 1,
    "POST /fapi/v1/batchOrders": 5,
    "PUT /fapi/v1/batchOrders": 5,
    "DELETE /fapi/v1/batchOrders": 1,
    "GET /fapi/v1/commissionRate": 20,
    "GET /fapi/v1/income": 30,
    "GET /fapi/v1/symbolConfig": 5,
    "GET /fapi/v1/accountConfig": 5,
    "GET /fapi/v1/multiAssetsMargin": 30,
    "POST /fapi/v1/multiAssetsMargin": 1,
    # the /futures/data statistics have their own IP limit (1000 per 5 minutes) [?]
    "GET /futures/data/openInterestHist": 0,
}


def weight_of(table: Mapping[str, WeightRule], endpoint: str, params: Params) -> int:
    rule = table.get(endpoint, 1)
    return rule if isinstance(rule, int) else rule(params)


@dataclass(frozen=True)
class Budget:
    """One `exchangeInfo.rateLimits` entry."""

    kind: str  # REQUEST_WEIGHT | ORDERS
    interval_num: int
    interval: str  # SECOND | MINUTE | HOUR | DAY
    limit: int

    def __post_init__(self) -> None:
        if self.interval not in INTERVAL_MS:
            raise ValueError(f"interval must be one of {sorted(INTERVAL_MS)}, not {self.interval}")
        if self.interval_num < 1 or self.limit < 1:
            raise ValueError("interval_num and limit must be positive")

    @property
    def window_ms(self) -> int:
        return self.interval_num * INTERVAL_MS[self.interval]

    @property
    def suffix(self) -> str:
        """`1M`, `10S`, `1D`: the ending of the X-MBX-* header names (§1.6)."""
        return f"{self.interval_num}{self.interval[0]}"

    def describe(self) -> dict[str, object]:
        return {
            "rateLimitType": self.kind,
            "interval": self.interval,
            "intervalNum": self.interval_num,
            "limit": self.limit,
        }


def _retry_after(ms: int) -> str:
    return str(max(1, math.ceil(ms / 1000)))


@dataclass
class _IpState:
    window_start: int = -1
    used: int = 0
    refused: int = 0
    banned_until: int = 0
    bans: int = 0


@dataclass
class WeightLimiter:
    """REQUEST_WEIGHT per IP: 429 past the budget, 418 (ban) when an IP keeps going."""

    budget: Budget
    _ips: dict[str, _IpState] = field(default_factory=dict)

    @property
    def header(self) -> str:
        return f"X-MBX-USED-WEIGHT-{self.budget.suffix}"

    def used(self, ip: str, now_ms: int) -> int:
        state = self._ips.get(ip)
        if state is None or state.window_start != self._window(now_ms):
            return 0
        return state.used

    def _window(self, now_ms: int) -> int:
        return now_ms - now_ms % self.budget.window_ms

    def charge(self, ip: str, weight: int, now_ms: int) -> int:
        """Add `weight` for `ip`; returns the window's used weight or raises 429/418."""
        state = self._ips.setdefault(ip, _IpState())
        if now_ms < state.banned_until:
            raise self._banned(state, now_ms)
        window = self._window(now_ms)
        if state.window_start != window:
            state.window_start, state.used, state.refused = window, 0, 0
        state.used += weight
        if state.used <= self.budget.limit:
            return state.used
        state.refused += 1
        if state.refused > HAMMER_ALLOWANCE:
            state.bans += 1
            # the first ban lasts two windows (2 minutes for the 1-minute budget), then doubles
            ban = min(2 * self.budget.window_ms * 2 ** (state.bans - 1), MAX_BAN_MS)
            state.banned_until = now_ms + ban
            raise self._banned(state, now_ms)
        b = self.budget
        raise BinanceApiError(
            -1003,
            f"Too much request weight used; current limit is {b.limit} request weight per "
            f"{b.interval_num} {b.interval}. Please use WebSocket Streams for live updates "
            "to avoid polling the API.",
            status=429,
            headers={
                "Retry-After": _retry_after(window + b.window_ms - now_ms),
                self.header: str(state.used),
            },
        )

    def _banned(self, state: _IpState, now_ms: int) -> BinanceApiError:
        return BinanceApiError(
            -1003,
            f"Way too much request weight used; IP banned until {state.banned_until}. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            status=418,
            headers={
                "Retry-After": _retry_after(state.banned_until - now_ms),
                self.header: str(state.used),
            },
        )


@dataclass
class OrderLimiter:
    """ORDERS budgets per account (§1.6: X-MBX-ORDER-COUNT-10S / -1D spot, -10S / -1M
    USDⓈ-M); only accepted orders are counted."""

    budgets: tuple[Budget, ...]
    _counts: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    def _current(self, account: str, index: int, now_ms: int) -> tuple[int, int]:
        budget = self.budgets[index]
        window = now_ms - now_ms % budget.window_ms
        start, count = self._counts.get((account, index), (window, 0))
        return (window, 0) if start != window else (start, count)

    def check(self, account: str, now_ms: int) -> None:
        for i, budget in enumerate(self.budgets):
            window, count = self._current(account, i, now_ms)
            if count + 1 > budget.limit:
                raise BinanceApiError(
                    -1015,
                    f"Too many new orders; current limit is {budget.limit} orders per "
                    f"{budget.interval_num} {budget.interval}.",
                    status=429,
                    headers={
                        "Retry-After": _retry_after(window + budget.window_ms - now_ms),
                        **self.headers(account, now_ms),
                    },
                )

    def count(self, account: str, now_ms: int) -> dict[str, str]:
        for i in range(len(self.budgets)):
            window, count = self._current(account, i, now_ms)
            self._counts[(account, i)] = (window, count + 1)
        return self.headers(account, now_ms)

    def usage(self, account: str, now_ms: int) -> list[dict[str, object]]:
        """Each budget with the account's count in its current window (spot
        `GET /api/v3/rateLimit/order`)."""
        return [
            {**b.describe(), "count": self._current(account, i, now_ms)[1]}
            for i, b in enumerate(self.budgets)
        ]

    def headers(self, account: str, now_ms: int) -> dict[str, str]:
        return {
            f"X-MBX-ORDER-COUNT-{b.suffix}": str(self._current(account, i, now_ms)[1])
            for i, b in enumerate(self.budgets)
        }
