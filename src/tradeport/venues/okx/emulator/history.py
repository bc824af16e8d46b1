"""Public history and open interest (PROTOCOLS.md §3.3): `/api/v5/market/history-trades`
(older trades, paged by trade id or time), `/api/v5/public/funding-rate-history` (past
settlements) and `/api/v5/public/open-interest`.

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
