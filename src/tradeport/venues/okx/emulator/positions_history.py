"""`GET /api/v5/account/positions-history` (docs-v5 "Get positions history"; ccxt's
fetch_positions_history): one row per swap position that was closed in part or in full
over the last 3 months, newest update first.

A position's life runs from the fill that opens it to the fill that brings it back to
zero (`type` 2 "close all"); one still open after a partial close shows `type` 1. Rows
are replayed from the account's fills of each instrument and position side: the average
open and close prices, the largest size held (`openMaxPos`) and the size closed
(`closeTotalPos`), in contracts; `pnl` the price difference of what was closed, `fee`
every fee of the position's fills (negative, OKX's sign), `realizedPnl = pnl + fee` (no
funding or liquidation here). `pnlRatio` is the realised PnL over the margin of the
closed size at the current leverage [?].
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import EngineFill
from tradeport.venues.okx.emulator.calls import Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import no_instrument
from tradeport.venues.okx.emulator.ids import uly
from tradeport.venues.okx.emulator.payloads import POS_SIDES, position_id

QUARTER_MS = 92 * 24 * 3_600_000
_ZERO = Decimal(0)


@dataclass(slots=True)
class Life:
    """One position from its opening fill to now or to its return to zero."""

    inst: str
    position_side: str
    long: bool
    created_ms: int
    updated_ms: int = 0
    size: Decimal = _ZERO  # base units, unsigned
    max_size: Decimal = _ZERO
    open_qty: Decimal = _ZERO
    open_value: Decimal = _ZERO
    close_qty: Decimal = _ZERO
    close_value: Decimal = _ZERO
    pnl: Decimal = _ZERO
    fees: Decimal = _ZERO  # charged, positive


def lives(fills: Iterable[EngineFill]) -> list[Life]:
    """The positions of one instrument and position side that closed some of their
    size, oldest first, from its fills (oldest first)."""
    found: list[Life] = []
    life: Life | None = None
    for fill in fills:
        buys = fill.side == "BUY"
        qty, fee = fill.qty, fill.fee
        if life is not None and life.long != buys:  # this fill closes
            closed = min(qty, life.size)
            entry = life.open_value / life.open_qty
            life.close_qty += closed
            life.close_value += closed * fill.price
            life.pnl += (fill.price - entry) * closed * (1 if life.long else -1)
            life.fees += fee * closed / qty
            life.size -= closed
            life.updated_ms = fill.ts_ms
            qty, fee = qty - closed, fee * (qty - closed) / qty
            if life.size == 0:
                life = None
            if qty == 0:
                continue
        if life is None:
            # net mode: the fill's side says which way; hedge mode: the leg does
            is_long = buys if fill.position_side == "BOTH" else fill.position_side == "LONG"
            life = Life(fill.symbol, fill.position_side, is_long, fill.ts_ms)
            found.append(life)
        life.size += qty
        life.max_size = max(life.max_size, life.size)
        life.open_qty += qty
        life.open_value += qty * fill.price
        life.fees += fee
    return [x for x in found if x.close_qty > 0]


class PositionsHistory:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {"GET /api/v5/account/positions-history": Route(self.history, signed=True)}

    def history(self, call: Call) -> list[object]:
        params = call.params
        inst_type = params.text("instType")
        inst = params.text("instId")
        engine = self.ctx.swap
        if inst is not None and inst not in engine.instruments:
            raise no_instrument()
        if inst_type not in (None, "SWAP"):
            return []
        limit = params.integer("limit", 100, low=1, high=100) or 100
        after, before = params.integer("after"), params.integer("before")
        wanted_mode, wanted_type = params.text("mgnMode"), params.text("type")
        wanted_pos = params.text("posId")
        account = call.account_id
        rows: list[dict[str, object]] = []
        for name in engine.instruments if inst is None else (inst,):
            fills = engine.fills(account, name, limit=None)
            for side in sorted({f.position_side for f in fills}):
                for life in lives(f for f in fills if f.position_side == side):
                    row = self._row(account, life)
                    if (
                        life.updated_ms >= call.now_ms - QUARTER_MS
                        and wanted_mode in (None, row["mgnMode"])
                        and wanted_type in (None, row["type"])
                        and wanted_pos in (None, row["posId"])
                        and (after is None or life.updated_ms < after)
                        and (before is None or life.updated_ms > before)
                    ):
                        rows.append(row)
        rows.sort(key=lambda r: int(str(r["uTime"])), reverse=True)
        return list(rows[:limit])

    def _row(self, account: str, life: Life) -> dict[str, object]:
        engine = self.ctx.swap
        terms = self.ctx.sizing.terms(life.inst)
        pos_side = POS_SIDES[life.position_side]
        lever = engine.leverage(account, life.inst)
        open_px = life.open_value / life.open_qty
        realized = life.pnl - life.fees
        margin = life.close_qty * open_px / lever
        return {
            "instType": "SWAP",
            "instId": life.inst,
            "mgnMode": self.ctx.order_info.margin_mode(account, life.inst, pos_side),
            "type": "2" if life.size == 0 else "1",
            "cTime": str(life.created_ms),
            "uTime": str(life.updated_ms),
            "openAvgPx": plain(open_px),
            "nonSettleAvgPx": plain(open_px),
            "closeAvgPx": plain(life.close_value / life.close_qty),
            "posId": position_id(account, life.inst, life.position_side),
            "openMaxPos": plain(terms.to_venue(life.max_size)),
            "closeTotalPos": plain(terms.to_venue(life.close_qty)),
            "realizedPnl": plain(realized),
            "settledPnl": "",
            "pnlRatio": plain((realized / margin).quantize(Decimal("1e-8"))) if margin else "0",
            "fee": plain(-life.fees),
            "fundingFee": "0",
            "liqPenalty": "0",
            "pnl": plain(life.pnl),
            "posSide": pos_side,
            "lever": str(lever),
            "direction": "long" if life.long else "short",
            "triggerPx": "",
            "uly": uly(life.inst),
            "ccy": engine.instruments[life.inst].quote,
        }
