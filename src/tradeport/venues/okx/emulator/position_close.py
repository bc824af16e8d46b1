"""`POST /api/v5/trade/close-position` (PROTOCOLS.md §3.3): close a SWAP position in
full at the market, as one reduce-only market order. `autoCxl` true first cancels the
instrument's pending orders on that position side (OKX otherwise refuses to close while
close orders are pending; the engine's reduce-only orders simply expire with nothing
left to reduce, so the emulator does not refuse)."""

from __future__ import annotations

from tradeport.emulator.engine import OrderRequest, Reject
from tradeport.venues.okx.emulator.calls import Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import OkxApiError, no_instrument
from tradeport.venues.okx.emulator.ids import inst_type_of
from tradeport.venues.okx.emulator.order_info import OrderTerms
from tradeport.venues.okx.emulator.rejects import rejected

POS_SIDES = {"long": "LONG", "short": "SHORT", "net": "BOTH"}


class PositionClose:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {"POST /api/v5/trade/close-position": Route(self.close, signed=True, trade=True)}

    def close(self, call: Call) -> list[object]:
        params = call.params
        account = call.account_id
        engine = self.ctx.swap
        inst = params.require("instId")
        if inst_type_of(inst) != "SWAP" or inst not in engine.instruments:
            raise no_instrument()
        mgn_mode = params.choice("mgnMode", ("cross", "isolated"))
        hedge = engine.hedge_mode(account)
        pos_side = params.text("posSide")
        if (hedge and pos_side not in ("long", "short")) or (
            not hedge and pos_side not in (None, "net")
        ):
            raise params.invalid("posSide")
        side_key = POS_SIDES[pos_side or "net"]
        held = next(
            (
                p
                for p in engine.positions(account)
                if (p.symbol, p.position_side) == (inst, side_key)
            ),
            None,
        )
        if held is None:
            raise OkxApiError("51023", "Position does not exist.")
        if params.boolean("autoCxl"):
            for order in engine.open_orders(account, inst):
                if order.position_side == side_key:
                    engine.cancel(account, inst, order.order_id)
        closing_long = held.qty > 0 if side_key == "BOTH" else side_key == "LONG"
        client_id = params.text("clOrdId") or ""
        tag = params.text("tag") or ""
        request = OrderRequest(
            symbol=inst,
            side="SELL" if closing_long else "BUY",
            type="MARKET",
            qty=abs(held.qty),
            client_order_id=client_id,
            reduce_only=not hedge,
            position_side=side_key,
        )
        try:
            order, _fills = engine.place(account, request)
        except Reject as exc:
            refused = rejected(exc, engine.instruments[inst].quote, engine, inst)
            raise OkxApiError(refused.s_code, refused.s_msg) from None
        terms = OrderTerms(td_mode=mgn_mode, ord_type="market", tag=tag)
        self.ctx.order_info.record("SWAP", order.order_id, terms)
        return [{"instId": inst, "posSide": pos_side or "net", "clOrdId": client_id, "tag": tag}]
