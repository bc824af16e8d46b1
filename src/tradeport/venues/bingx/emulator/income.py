"""The account's fee rates (`/user/commissionRate`) and income history
(`/user/income`), read off the engine's fee schedule and the fills it recorded."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.host.rest import Route
from tradeport.emulator.orders import EngineFill
from tradeport.emulator.tape import WEEK_MS
from tradeport.venues.bingx.emulator import payloads as p
from tradeport.venues.bingx.emulator.calls import Call
from tradeport.venues.bingx.emulator.context import BingxContext, wire_symbol
from tradeport.venues.bingx.emulator.errors import invalid, unknown_symbol
from tradeport.venues.bingx.emulator.market import PREFIX

# the venue's income types this engine produces: it charges no funding and moves no
# money in or out, so REALIZED_PNL and TRADING_FEE are the only ones with rows
INCOME_TYPES = ("REALIZED_PNL", "TRADING_FEE")


class Income:
    def __init__(self, ctx: BingxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route[Call]]:
        return {
            f"GET {PREFIX}/v2/user/commissionRate": Route(self.commission_rate, signed=True),
            f"GET {PREFIX}/v2/user/income": Route(self.income, signed=True),
        }

    def commission_rate(self, call: Call) -> object:
        maker, taker = self.ctx.swap.fees
        return {
            "commission": {
                "takerCommissionRate": float(taker),
                "makerCommissionRate": float(maker),
            }
        }

    def income(self, call: Call) -> object:
        """Realized pnl and trading fees of the account's fills, newest first [?]; the
        last 7 days unless a window is given; at most `limit` (100 by default, 1000 at
        most) rows. Other `incomeType`s the venue names have no rows here."""
        params = call.params
        wanted = params.text("symbol")
        engine_symbol = None
        if wanted is not None:
            spec = self.ctx.spec(wanted)
            if spec is None:
                raise unknown_symbol(wanted)
            engine_symbol = spec.symbol
        kind = params.text("incomeType")
        start = params.integer("startTime", low=0)
        end = params.integer("endTime", low=0)
        if start is not None and end is not None and start > end:
            raise invalid("startTime", "is after endTime")
        if start is None and end is None:
            start = call.now_ms - WEEK_MS
        limit = params.integer("limit", 100, low=1, high=1000) or 100
        names = {s.symbol: wire_symbol(s) for s in self.ctx.symbols}
        rows: list[dict[str, object]] = []
        for fill in self.ctx.swap.fills(call.account_id, engine_symbol, limit=None):
            if (start is not None and fill.ts_ms < start) or (end is not None and fill.ts_ms > end):
                continue
            for row in income_rows(fill, names[fill.symbol]):
                if kind is None or row["incomeType"] == kind:
                    rows.append(row)
        return rows[::-1][:limit]


def income_rows(fill: EngineFill, symbol: str) -> list[dict[str, object]]:
    """A fill's realized pnl and its fee (paid: negative), the zero amounts left out."""
    rows: list[dict[str, object]] = []
    amounts: tuple[Decimal, Decimal] = (fill.realized_pnl, -fill.fee)
    for n, (kind, amount) in enumerate(zip(INCOME_TYPES, amounts, strict=True)):
        if amount == 0:
            continue
        rows.append(
            {
                "symbol": symbol,
                "incomeType": kind,
                "income": p.s(amount),
                "asset": fill.fee_asset,
                "info": kind,
                "time": fill.ts_ms,
                # one transaction per fill and kind: unique and stable
                "tranId": str(fill.trade_id * 10 + n),
                "tradeId": str(fill.trade_id),
            }
        )
    return rows
