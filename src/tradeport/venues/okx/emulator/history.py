"""Public history and open interest (PROTOCOLS.md §3.3): `/api/v5/market/history-trades`
(older trades, paged by trade id or time), `/api/v5/public/funding-rate-history` (past
settlements), `/api/v5/public/open-interest` and the trading-statistics series
`/api/v5/rubik/stat/contracts/open-interest-history` (ccxt's fetch_open_interest_history).

The engine keeps no open-interest history: the history answers one row, today's open
interest stamped with the start of the current `period`, when that falls between
`begin` and `end` (periods counted in UTC [?]).

Trades reach back as far as the engine's tape keeps them (5,000 per instrument). The
funding model is every emulator's (`emulator/funding.py`): a flat rate settled every
8 hours, so each past settlement shows that rate, realized as announced.
"""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import PublicTrade
from tradeport.emulator.funding import FUNDING_INTERVAL_MS, FUNDING_RATE
from tradeport.venues.okx.emulator.calls import Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.market import MarketData

ALL_KEPT = 1_000_000  # more trades than any tape keeps: "all of them"
HISTORY_LIMIT = (100, 100)  # (default, maximum) of history-trades and funding history


class History:
    def __init__(self, ctx: OkxContext, market: MarketData) -> None:
        self.ctx = ctx
        self.market = market

    def routes(self) -> dict[str, Route]:
        return {
            "GET /api/v5/market/history-trades": Route(self.history_trades),
            "GET /api/v5/public/funding-rate-history": Route(self.funding_rate_history),
            "GET /api/v5/public/open-interest": Route(self.open_interest),
            "GET /api/v5/rubik/stat/contracts/open-interest-history": Route(
                self.open_interest_history
            ),
        }

    def history_trades(self, call: Call) -> list[object]:
        """Newest first. `type` 1 (default) pages by trade id, 2 by time: `after` asks
        for older rows than it, `before` for newer ones."""
        params = call.params
        inst = params.require("instId")
        _, engine = self.market.listed(inst)
        by_time = params.choice("type", ("1", "2"), "1") == "2"
        default, high = HISTORY_LIMIT
        limit = params.integer("limit", default, low=1, high=high) or default
        after, before = params.integer("after"), params.integer("before")

        def key(t: PublicTrade) -> int:
            return t.ts_ms if by_time else t.trade_id

        rows = list(reversed(engine.recent_trades(inst, ALL_KEPT)))
        if after is not None:
            rows = [t for t in rows if key(t) < after]
        if before is not None:
            rows = [t for t in rows if key(t) > before]
        return [self.market.trade_row(inst, t) for t in rows[:limit]]

    def funding_rate_history(self, call: Call) -> list[object]:
        """Settlements newest first; `after` / `before` are times (older / newer than)."""
        params = call.params
        inst = params.require("instId")
        inst_type, _ = self.market.listed(inst)
        if inst_type != "SWAP":
            raise params.invalid("instId")
        default, high = HISTORY_LIMIT
        limit = params.integer("limit", default, low=1, high=high) or default
        after, before = params.integer("after"), params.integer("before")
        newest = call.now_ms - call.now_ms % FUNDING_INTERVAL_MS
        if after is not None:
            newest = min(newest, after - 1 - (after - 1) % FUNDING_INTERVAL_MS)
        rows: list[object] = []
        settled = newest
        while len(rows) < limit and settled > 0 and (before is None or settled > before):
            rate = plain(FUNDING_RATE)
            rows.append(
                {
                    "instType": "SWAP",
                    "instId": inst,
                    "formulaType": "noRate",
                    "fundingRate": rate,
                    "realizedRate": rate,
                    "fundingTime": str(settled),
                    "method": "current_period",
                }
            )
            settled -= FUNDING_INTERVAL_MS
        return rows

    def open_interest(self, call: Call) -> list[object]:
        params = call.params
        inst_type = params.choice("instType", ("SWAP", "FUTURES", "OPTION"))
        inst = params.text("instId")
        if inst_type != "SWAP":
            return []
        engine = self.ctx.swap
        insts = list(engine.instruments) if inst is None else [inst]
        if inst is not None:
            self.market.listed(inst)
        rows: list[object] = []
        for i in insts:
            base = engine.open_interest(i)
            mark = engine.mark_price(i)
            rows.append(
                {
                    "instType": "SWAP",
                    "instId": i,
                    "oi": plain(self.ctx.sizing.to_venue(i, base)),
                    "oiCcy": plain(base),
                    "oiUsd": plain((base * mark).quantize(Decimal("0.01"))),
                    "ts": str(call.now_ms),
                }
            )
        return rows

    def open_interest_history(self, call: Call) -> list[object]:
        """Rows `[ts, oi (contracts), oiCcy (base coin), oiUsd]`, newest first (docs-v5
        "Get contract open interest history")."""
        params = call.params
        inst = params.require("instId")
        inst_type, engine = self.market.listed(inst)
        if inst_type != "SWAP":
            raise params.invalid("instId")
        period = OI_PERIODS_MS[params.choice("period", tuple(OI_PERIODS_MS), "5m")]
        params.integer("limit", 100, low=1, high=100)
        begin, end = params.integer("begin"), params.integer("end")
        stamp = call.now_ms - call.now_ms % period
        if (begin is not None and stamp < begin) or (end is not None and stamp > end):
            return []
        base = engine.open_interest(inst)
        usd = (base * engine.mark_price(inst)).quantize(Decimal("0.01"))
        oi = self.ctx.sizing.to_venue(inst, base)
        return [[str(stamp), plain(oi), plain(base), plain(usd)]]


_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS
# the `period` values of the open-interest history, as lengths (the months as 30 days [?])
OI_PERIODS_MS = {
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1H": _HOUR_MS,
    "2H": 2 * _HOUR_MS,
    "4H": 4 * _HOUR_MS,
    "6H": 6 * _HOUR_MS,
    "12H": 12 * _HOUR_MS,
    "1D": _DAY_MS,
    "2D": 2 * _DAY_MS,
    "3D": 3 * _DAY_MS,
    "5D": 5 * _DAY_MS,
    "1W": 7 * _DAY_MS,
    "1M": 30 * _DAY_MS,
    "3M": 90 * _DAY_MS,
}
