"""Order entry: `POST /api/v5/trade/order`, `/batch-orders`, `/cancel-order`,
`/cancel-batch-orders`, `/amend-order` (PROTOCOLS.md §3.3, §3.7).

Each order's outcome is its data item (`sCode`, `sMsg`); one failed order makes the
top-level `code "1"`, a batch with some failures `code "2"`. OKX acknowledges an
accepted order with its ids only; what happened next (filled, canceled because a
post_only would take, …) is read from `/trade/order` or the `orders` channel, so orders
an engine cancels on arrival are still acknowledged.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping
from decimal import Decimal

from tradeport.emulator.engine import Engine, EngineOrder, OrderRequest, Reject
from tradeport.emulator.orders import EXPIRE_BOTH, EXPIRE_MAKER, EXPIRE_TAKER
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.symbols import SymbolSpec, on_step
from tradeport.venues.okx.emulator.calls import Answer, Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import (
    ALL_FAILED,
    PARTIAL,
    ItemError,
    OkxApiError,
    invalid,
)
from tradeport.venues.okx.emulator.ids import InstType, inst_id, inst_type_of, parse_order_id
from tradeport.venues.okx.emulator.order_info import OrderTerms
from tradeport.venues.okx.emulator.params import Params
from tradeport.venues.okx.emulator.payloads import order_ack
from tradeport.venues.okx.emulator.rejects import NO_POSITION, SAME_DIRECTION, rejected

BATCH_MAX = 20
MAX_PENDING_PER_INSTRUMENT = 500
SIDES = {"buy": "BUY", "sell": "SELL"}
# ordType -> (engine type, time in force); optimal_limit_ioc and the algo types are not
# modelled: refusing them beats ignoring them
ORD_TYPES: dict[str, tuple[str, str]] = {
    "market": ("MARKET", "GTC"),
    "limit": ("LIMIT", "GTC"),
    "post_only": ("LIMIT", "GTX"),
    "fok": ("LIMIT", "FOK"),
    "ioc": ("LIMIT", "IOC"),
}
POS_SIDES = {"long": "LONG", "short": "SHORT", "net": "BOTH"}
# stpMode (place order): OKX cancels the resting order by default ("cancel_maker")
STP_MODES = {
    "cancel_maker": EXPIRE_MAKER,
    "cancel_taker": EXPIRE_TAKER,
    "cancel_both": EXPIRE_BOTH,
}
DEFAULT_STP = EXPIRE_MAKER
_CLIENT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_TAG = re.compile(r"^[A-Za-z0-9]{1,16}$")
_NOT_CANCELABLE = (
    "51400",
    "Order cancellation failed as the order has been filled, canceled or does not exist.",
)
_NOT_AMENDABLE = (
    "51503",
    "Order modification failed as the order has been filled, canceled or does not exist.",
)


def outcome(items: list[object]) -> Answer:
    """The top-level code of a trade answer from its items' `sCode`s."""
    failed = sum(1 for i in items if isinstance(i, dict) and i.get("sCode") != "0")
    if failed == 0:
        return Answer(items)
    if failed == len(items):
        return Answer(items, "1", ALL_FAILED)
    return Answer(items, "2", PARTIAL)


class Trading:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx
        self._specs: Mapping[str, SymbolSpec] = ChainMap(
            follow(ctx.spot_symbols, lambda s: (inst_id(s, "SPOT"), s)),
            follow(ctx.swap_symbols, lambda s: (inst_id(s, "SWAP"), s)),
        )

    def routes(self) -> dict[str, Route]:
        return {
            "POST /api/v5/trade/order": Route(self.place, signed=True, trade=True),
            "POST /api/v5/trade/batch-orders": Route(self.batch_place, signed=True, trade=True),
            "POST /api/v5/trade/cancel-order": Route(self.cancel, signed=True, trade=True),
            "POST /api/v5/trade/cancel-batch-orders": Route(
                self.batch_cancel, signed=True, trade=True
            ),
            "POST /api/v5/trade/amend-order": Route(self.amend, signed=True, trade=True),
            "POST /api/v5/trade/amend-batch-orders": Route(
                self.batch_amend, signed=True, trade=True
            ),
        }

    # -- request shapes ----------------------------------------------------------------
    @staticmethod
    def _one(call: Call) -> Params:
        if not isinstance(call.body, dict):
            raise invalid("body")
        return Params.from_object(call.body, item=True)

    @staticmethod
    def _many(call: Call) -> list[Params]:
        if not isinstance(call.body, list) or not call.body:
            raise invalid("body")
        if len(call.body) > BATCH_MAX:
            raise OkxApiError("50025", f"Parameter orders count exceeds the limit {BATCH_MAX}.")
        if not all(isinstance(i, dict) for i in call.body):
            raise invalid("body")
        return [Params.from_object(i, item=True) for i in call.body]

    def _each(self, items: list[Params], call: Call, action: str) -> Answer:
        handler = {"place": self._place, "cancel": self._cancel, "amend": self._amend}[action]
        rows: list[object] = []
        for params in items:
            try:
                rows.append(handler(params, call))
            except ItemError as exc:
                rows.append(self._failure(params, exc, call.now_ms, action))
        return outcome(rows)

    @staticmethod
    def _failure(params: Params, exc: ItemError, now_ms: int, action: str) -> dict[str, object]:
        row: dict[str, object] = {
            "clOrdId": params.text("clOrdId") or "",
            "ordId": params.text("ordId") or "",
        }
        if action == "place":
            row["tag"] = params.text("tag") or ""
        if action == "amend":
            row["reqId"] = params.text("reqId") or ""
        row.update({"ts": str(now_ms), "sCode": exc.s_code, "sMsg": exc.s_msg})
        return row

    # -- endpoints ---------------------------------------------------------------------
    def place(self, call: Call) -> Answer:
        return self._each([self._one(call)], call, "place")

    def batch_place(self, call: Call) -> Answer:
        return self._each(self._many(call), call, "place")

    def cancel(self, call: Call) -> Answer:
        return self._each([self._one(call)], call, "cancel")

    def batch_cancel(self, call: Call) -> Answer:
        return self._each(self._many(call), call, "cancel")

    def amend(self, call: Call) -> Answer:
        return self._each([self._one(call)], call, "amend")

    def batch_amend(self, call: Call) -> Answer:
        return self._each(self._many(call), call, "amend")

    # -- helpers -----------------------------------------------------------------------
    def _instrument(self, params: Params) -> tuple[str, InstType, Engine, SymbolSpec]:
        inst = params.require("instId")
        spec = self._specs.get(inst)
        if spec is None:
            raise ItemError("51001", "Instrument ID or Spread ID doesn't exist.")
        inst_type = inst_type_of(inst)
        return inst, inst_type, self.ctx.engine(inst_type), spec

    def _client_id(self, params: Params, account_id: str) -> str:
        given = params.text("clOrdId")
        if given is None:
            return self.ctx.order_info.next_client_id()
        if not _CLIENT_ID.match(given):
            raise params.invalid("clOrdId")
        # unique among the account's pending orders, whatever the instrument
        for engine in (self.ctx.spot, self.ctx.swap):
            if any(o.client_order_id == given for o in engine.open_orders(account_id)):
                raise ItemError("51016", "Client order ID already exists.")
        return given

    # -- place -------------------------------------------------------------------------
    def _place(self, params: Params, call: Call) -> dict[str, object]:
        account_id = call.account_id
        inst, inst_type, engine, spec = self._instrument(params)
        swap = inst_type == "SWAP"
        td_mode = params.choice("tdMode", ("cross", "isolated") if swap else ("cash",))
        side = SIDES[params.choice("side", tuple(SIDES))]
        ord_type = params.choice("ordType", tuple(ORD_TYPES))
        engine_type, tif = ORD_TYPES[ord_type]
        tag = params.text("tag") or ""
        if tag and not _TAG.match(tag):
            raise params.invalid("tag")
        sz = params.decimal("sz", required=True)
        assert sz is not None
        if sz <= 0:
            raise params.invalid("sz")
        client_id = self._client_id(params, account_id)
        if len(engine.open_orders(account_id, inst)) >= MAX_PENDING_PER_INSTRUMENT:
            raise ItemError(
                "51174",
                f"The number of {inst} pending orders reached the upper limit of "
                f"{MAX_PENDING_PER_INSTRUMENT} (orders).",
            )
        stp = STP_MODES[params.choice("stpMode", tuple(STP_MODES), "cancel_maker")]
        if stp == EXPIRE_BOTH and tif == "FOK":
            raise params.invalid("stpMode")  # "Cancel both does not support FOK"
        request = OrderRequest(symbol=inst, side=side, type=engine_type, qty=None, tif=tif, stp=stp)
        request.client_order_id = client_id
        tgt_ccy = ""
        if engine_type == "LIMIT":
            request.price = self._price(params, spec, side)
        if swap:
            request.qty = self._contracts(params, inst, sz, limit=engine_type == "LIMIT")
            self._position_rules(params, account_id, request)
        else:
            tgt_ccy = self._spot_size(params, spec, request, sz)
        try:
            order, _fills = engine.place(account_id, request)
        except Reject as exc:
            short = spec.quote if swap or side == "BUY" else spec.base
            raise rejected(exc, short, engine, inst) from None
        terms = OrderTerms(td_mode=td_mode, ord_type=ord_type, tag=tag, tgt_ccy=tgt_ccy)
        self.ctx.order_info.record(inst_type, order.order_id, terms)
        if swap:
            self.ctx.order_info.set_margin_mode(
                account_id, inst, _pos_side_text(request.position_side), td_mode
            )
        return order_ack(order, inst_type, tag=tag, now_ms=call.now_ms)

    def _price(self, params: Params, spec: SymbolSpec, side: str) -> Decimal:
        price = params.decimal("px", required=True)
        assert price is not None
        if price <= 0 or not on_step(price, spec.tick_size):
            raise params.invalid("px")
        if (side == "BUY" and price > spec.max_price) or (
            side == "SELL" and price < spec.min_price
        ):
            raise ItemError(
                "51006",
                f"Order price is not within the price limit (max buy price: "
                f"{spec.max_price}; min sell price: {spec.min_price})",
            )
        return price

    def _contracts(self, params: Params, inst: str, sz: Decimal, *, limit: bool) -> Decimal:
        """A SWAP `sz` in contracts, checked against lotSz / minSz / max sizes, as the
        engine's base quantity."""
        terms = self.ctx.sizing.terms(inst)
        if not terms.is_lot_multiple(sz):
            raise ItemError("51121", "Order quantity must be a multiple of the lot size.")
        if sz < terms.min_sz:
            raise ItemError("51020", "Your order should meet or exceed the minimum order amount.")
        if sz > (terms.max_lmt_sz if limit else terms.max_mkt_sz):
            raise (
                ItemError("51202", "Market order amount exceeds the maximum amount.")
                if not limit
                else params.invalid("sz")
            )
        return terms.to_base(sz)

    def _spot_size(
        self, params: Params, spec: SymbolSpec, request: OrderRequest, sz: Decimal
    ) -> str:
        """Size a spot order; returns its `tgtCcy`. A market buy is sized in the quote
        currency unless `tgtCcy` is `base_ccy` (the docs: quote_ccy is the default for
        market buys, base_ccy for sells)."""
        if params.boolean("reduceOnly"):
            raise ItemError(
                "51139",
                "Reduce-only feature is unavailable for the spot transactions by simple account",
            )
        if request.type == "MARKET":
            default = "quote_ccy" if request.side == "BUY" else "base_ccy"
            tgt_ccy = params.choice("tgtCcy", ("base_ccy", "quote_ccy"), default)
            if tgt_ccy == "quote_ccy":
                if request.side == "SELL":
                    raise params.invalid("tgtCcy")
                if sz < spec.min_notional:
                    raise ItemError(
                        "51020", "Your order should meet or exceed the minimum order amount."
                    )
                request.quote_qty = sz
                return tgt_ccy
        else:
            # applies to market orders only; clients (ccxt) send it with limit orders too
            params.choice("tgtCcy", ("base_ccy", "quote_ccy"), "base_ccy")
            tgt_ccy = ""
        if not on_step(sz, spec.step_size):
            raise ItemError("51121", "Order quantity must be a multiple of the lot size.")
        if sz < spec.min_qty:
            raise ItemError("51020", "Your order should meet or exceed the minimum order amount.")
        if sz > (spec.max_qty if request.type == "LIMIT" else spec.market_max_qty):
            raise params.invalid("sz")
        request.qty = sz
        return tgt_ccy

    def _position_rules(self, params: Params, account_id: str, request: OrderRequest) -> None:
        """posSide and reduceOnly on SWAP: net mode takes `net` (or nothing), long/short
        mode `long` or `short`; a reduce-only order must close something."""
        hedge = self.ctx.swap.hedge_mode(account_id)
        pos_side = params.text("posSide")
        if hedge:
            if pos_side not in ("long", "short"):
                raise params.invalid("posSide")
        elif pos_side not in (None, "net"):
            raise params.invalid("posSide")
        request.position_side = POS_SIDES[pos_side or "net"]
        reduce_only = params.boolean("reduceOnly")
        if not reduce_only:
            return
        if hedge:
            closes = (request.position_side, request.side) in (("LONG", "SELL"), ("SHORT", "BUY"))
            if not closes:
                raise ItemError(*SAME_DIRECTION)
            return  # the leg says what the order does; the engine sizes the close
        held = next(
            (p.qty for p in self.ctx.swap.positions(account_id) if p.symbol == request.symbol),
            Decimal(0),
        )
        if held == 0:
            raise ItemError(*NO_POSITION)
        if (held > 0) == (request.side == "BUY"):
            raise ItemError(*SAME_DIRECTION)
        request.reduce_only = True

    # -- cancel / amend ----------------------------------------------------------------
    def _target(
        self, params: Params, call: Call, missing: tuple[str, str]
    ) -> tuple[InstType, Engine, EngineOrder]:
        inst, inst_type, engine, _ = self._instrument(params)
        ord_text, client_id = params.text("ordId"), params.text("clOrdId")
        if ord_text is None and client_id is None:
            raise ItemError("51003", "Either client order ID or order ID is required.")
        order_id = None
        if ord_text is not None:
            order_id = parse_order_id(inst_type, ord_text)
            if order_id is None:
                raise ItemError(*missing)
        order = engine.find_order(call.account_id, inst, order_id, None if order_id else client_id)
        if order is None or not order.is_open:
            raise ItemError(*missing)
        return inst_type, engine, order

    def _cancel(self, params: Params, call: Call) -> dict[str, object]:
        inst_type, engine, order = self._target(params, call, _NOT_CANCELABLE)
        try:
            engine.cancel(call.account_id, order.symbol, order.order_id)
        except Reject:
            raise ItemError(*_NOT_CANCELABLE) from None
        ack = order_ack(order, inst_type, tag="", now_ms=call.now_ms)
        del ack["tag"]
        ack["sMsg"] = ""
        return ack

    def _amend(self, params: Params, call: Call) -> dict[str, object]:
        inst_type, engine, order = self._target(params, call, _NOT_AMENDABLE)
        spec = self._specs[order.symbol]
        new_sz, new_px = params.decimal("newSz"), params.decimal("newPx")
        if new_sz is None and new_px is None:
            raise ItemError("50015", "Either parameter newSz or newPx is required")
        qty = None
        if new_sz is not None:
            terms = self.ctx.sizing.terms(order.symbol)
            if new_sz <= 0 or not terms.is_lot_multiple(new_sz):
                raise params.invalid("newSz")
            qty = terms.to_base(new_sz)
            if qty <= order.filled_qty:
                raise params.invalid("newSz")
        if new_px is not None and (new_px <= 0 or not on_step(new_px, spec.tick_size)):
            raise params.invalid("newPx")
        try:
            amended, _fills = engine.amend(
                call.account_id, order.symbol, order.order_id, qty=qty, price=new_px
            )
        except Reject as exc:
            if params.boolean("cxlOnFail"):
                engine.cancel(call.account_id, order.symbol, order.order_id)
            raise rejected(exc, spec.quote, engine, order.symbol) from None
        ack = order_ack(amended, inst_type, tag="", now_ms=call.now_ms)
        del ack["tag"]
        ack["reqId"] = params.text("reqId") or ""
        ack["sMsg"] = ""
        return ack


def _pos_side_text(position_side: str) -> str:
    return {"BOTH": "net", "LONG": "long", "SHORT": "short"}[position_side]
