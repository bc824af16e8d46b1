"""The BTCC emulator's handlers (PROTOCOLS.md §6.2, §6.3) [?]: login and keep-alive, the
product list, the account, positions (open, close by id, SL/TP) and pending orders of
every type (1 limit open, 2 stop open, 3 limit close, 4 stop loss, 5 take profit)."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import plain, significant_decimals
from tradeport.emulator.engine import Reject, RejectReason
from tradeport.emulator.host.rest import Route
from tradeport.emulator.symbols import SymbolSpec, on_step
from tradeport.venues.btcc.emulator import errors as e
from tradeport.venues.btcc.emulator import payloads
from tradeport.venues.btcc.emulator.calls import Call
from tradeport.venues.btcc.emulator.context import BtccContext, login_name
from tradeport.venues.btcc.emulator.params import Params
from tradeport.venues.btcc.emulator.positions import (
    BUY_DIRECTION,
    LIMIT_CLOSE,
    SELL_DIRECTION,
    STOP_LOSS,
    TAKE_PROFIT,
    BtccPosition,
    opposite,
)

DIRECTIONS = (str(BUY_DIRECTION), str(SELL_DIRECTION))
PENDING_TYPES = ("1", "2", "3", "4", "5")
CLOSING = (LIMIT_CLOSE, STOP_LOSS, TAKE_PROFIT)
MAX_PAGE_SIZE = 100
_REJECTS = {
    RejectReason.INSUFFICIENT_MARGIN: e.NOT_ENOUGH_MARGIN,
    RejectReason.INSUFFICIENT_BALANCE: e.NOT_ENOUGH_MARGIN,
    RejectReason.REDUCE_ONLY_REJECTED: e.VOLUME_ERROR,
    RejectReason.BAD_QUANTITY: e.VOLUME_ERROR,
    RejectReason.BAD_PRICE: e.PRICE_ERROR,
    RejectReason.NO_LIQUIDITY: e.NO_LIQUIDITY,
    RejectReason.UNKNOWN_SYMBOL: e.SYMBOL_NOT_EXIST,
    RejectReason.CLOSE_ONLY: e.SYMBOL_NOT_TRADING,
    RejectReason.NOT_LAUNCHED: e.SYMBOL_NOT_TRADING,
    RejectReason.DELISTED: e.SYMBOL_NOT_TRADING,
}


def refused(reject: Reject) -> e.BtccApiError:
    return e.BtccApiError(_REJECTS.get(reject.reason, e.PARAM_ERROR), reject.message.upper())


class Trading:
    def __init__(self, ctx: BtccContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route[Call]]:
        """Public (the product list), login, session calls and trade calls; the
        gateway tells them apart (gateway.py)."""
        return {
            "POST /v1/user/login": Route(self.login),
            "GET /v1/user/keepalive": Route(self.keepalive, signed=True),
            "GET /v1/config/symbollist": Route(self.symbol_list),
            "GET /v1/account/account": Route(self.account, signed=True),
            "GET /v1/account/positionlist": Route(self.position_list, signed=True),
            "GET /v1/account/pendinglist": Route(self.pending_list, signed=True),
            "POST /v1/account/openposition": Route(
                self.open_position, signed=True, order_entry=True
            ),
            "POST /v1/account/closeposition": Route(
                self.close_position, signed=True, order_entry=True
            ),
            "POST /v1/account/updateposition": Route(
                self.update_position, signed=True, order_entry=True
            ),
            "POST /v1/account/openpending": Route(self.open_pending, signed=True, order_entry=True),
            "POST /v1/account/cancelpending": Route(
                self.cancel_pending, signed=True, order_entry=True
            ),
        }

    # -- session -----------------------------------------------------------------------
    def login(self, call: Call) -> dict[str, object]:
        ref = call.account
        p = call.params
        user, password = p.require("user_name"), p.require("password")
        p.require("company_id")
        if user != login_name(ref) or password != ref.account.passphrase:
            raise e.login_failed()
        session = self.ctx.sessions.open(ref, ref.uid, call.now_ms)
        wallet = self.ctx.futures.wallet(ref.engine_id)
        return {
            "token": session.token,
            "account": {
                "id": ref.uid,
                "account_no": str(ref.uid),
                "account_groupid": 1,
                "userid": ref.uid,
                "balance": plain(wallet.balance),
            },
        }

    def keepalive(self, call: Call) -> dict[str, object]:
        return {}

    # -- products and account ----------------------------------------------------------
    def symbol_list(self, call: Call) -> dict[str, object]:
        # a product carries no status field (§6.3) [?]: the list can only leave out a
        # listing still to come; close-only, pre-launch and delisted products stay in it
        listed = self.ctx.listings.listed("futures", self.ctx.symbols)
        return {"symbols": [payloads.product(s) for s in listed]}

    def account(self, call: Call) -> dict[str, object]:
        wallet = self.ctx.futures.wallet(call.account_id)
        return {"account": payloads.account(call.trade_session.account_id, wallet)}

    def position_list(self, call: Call) -> dict[str, object]:
        p = call.params
        # the clients disagree on the page parameters' names (§6.3); both are read
        page = p.integer("pageNo", None, low=1) or p.integer("page_index", 1, low=1) or 1
        size = p.integer("pageSize", None, low=1, high=MAX_PAGE_SIZE)
        size = size or p.integer("page_size", MAX_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE) or 1
        rows = self.ctx.book.positions(call.account_id)
        shown = rows[(page - 1) * size : page * size]
        return {"positions": [self._position(pos) for pos in shown], "total": len(rows)}

    def pending_list(self, call: Call) -> dict[str, object]:
        rows = self.ctx.book.pendings(call.account_id)
        return {"pendings": [payloads.pending(r, self.ctx.spec_of(r.symbol)) for r in rows]}

    def _position(self, pos: BtccPosition) -> dict[str, object]:
        mark = self.ctx.futures.mark_price(pos.symbol)
        return payloads.position(pos, self.ctx.spec_of(pos.symbol), mark)

    # -- positions ---------------------------------------------------------------------
    def open_position(self, call: Call) -> dict[str, object]:
        p = call.params
        spec = self._spec(p.require("symbol"))
        direction = int(p.choice("direction", DIRECTIONS))
        volume = self._volume(p, spec, "request_volume")
        multiple = self._multiple(p, spec)
        refid = self._refid(call)
        # read before anything opens: a refusal must leave nothing behind
        stop_loss = p.decimal("stop_loss") or Decimal(0)
        take_profit = p.decimal("take_profit") or Decimal(0)
        try:
            pos = self.ctx.book.open(
                call.account_id, spec.symbol, direction, volume, multiple, refid
            )
        except Reject as reject:
            raise refused(reject) from None
        if pos is None:
            raise e.BtccApiError(e.NO_LIQUIDITY, "NO PRICE TO OPEN AT")
        pos.stop_loss, pos.take_profit = stop_loss, take_profit
        return {"position": self._position(pos)}

    def close_position(self, call: Call) -> dict[str, object]:
        p = call.params
        pos = self._own_position(call)
        spec = self.ctx.spec_of(pos.symbol)
        volume = self._volume(p, spec, "request_volume", at_most=pos.volume)
        try:
            done = self.ctx.book.close(pos, volume)
        except Reject as reject:
            raise refused(reject) from None
        return payloads.closed(done, spec, self.ctx.futures.mark_price(pos.symbol))

    def update_position(self, call: Call) -> dict[str, object]:
        p = call.params
        pos = self._own_position(call)
        stop_loss = p.decimal("stop_loss") or Decimal(0)
        take_profit = p.decimal("take_profit") or Decimal(0)
        pos.stop_loss, pos.take_profit = stop_loss, take_profit
        return {"position": self._position(pos)}

    def _own_position(self, call: Call) -> BtccPosition:
        position_id = call.params.integer("positionid", None, low=1)
        if position_id is None:
            raise e.missing("positionid")
        pos = self.ctx.book.position(call.account_id, position_id)
        if pos is None:
            raise e.position_not_found(position_id)
        return pos

    # -- pending orders ----------------------------------------------------------------
    def open_pending(self, call: Call) -> dict[str, object]:
        p = call.params
        kind = int(p.choice("type", PENDING_TYPES))
        direction = int(p.choice("direction", DIRECTIONS))
        position = None
        if kind in CLOSING:
            position = self._own_position(call)
            spec = self.ctx.spec_of(position.symbol)
            if direction != opposite(position.direction):
                raise e.invalid("direction", "must close the position")
            volume = self._volume(p, spec, "request_volume", at_most=position.volume)
            multiple = position.multiple
        else:
            spec = self._spec(p.require("symbol"))
            volume = self._volume(p, spec, "request_volume")
            multiple = self._multiple(p, spec)
        price = self._price(p, spec)
        refid = self._refid(call)
        try:
            pending = self.ctx.book.open_pending(
                call.account_id, spec.symbol, kind, direction, volume, price, multiple, refid,
                position,
            )  # fmt: skip
        except Reject as reject:
            raise refused(reject) from None
        return {"pending": payloads.pending(pending, spec)}

    def cancel_pending(self, call: Call) -> dict[str, object]:
        pending_id = call.params.integer("id", None, low=1)
        if pending_id is None:
            raise e.missing("id")
        pending = self.ctx.book.cancel_pending(call.account_id, pending_id)
        if pending is None:
            raise e.pending_not_found(pending_id)
        return {"pending": payloads.pending(pending, self.ctx.spec_of(pending.symbol))}

    # -- parameters --------------------------------------------------------------------
    def _spec(self, name: str) -> SymbolSpec:
        spec = self.ctx.spec(name)
        if spec is None:
            raise e.unknown_symbol(name)
        return spec

    @staticmethod
    def _volume(p: Params, spec: SymbolSpec, name: str, at_most: Decimal | None = None) -> Decimal:
        volume = p.decimal(name, required=True)
        assert volume is not None
        ceiling = spec.max_qty if at_most is None else min(spec.max_qty, at_most)
        if volume < spec.min_qty or volume > ceiling or not on_step(volume, spec.step_size):
            raise e.BtccApiError(
                e.VOLUME_ERROR,
                f"VOLUME ERROR: {volume} must be from {spec.min_qty} to {ceiling}"
                f" in steps of {spec.step_size}",
            )
        return volume

    @staticmethod
    def _price(p: Params, spec: SymbolSpec) -> Decimal:
        price = p.decimal("request_price", required=True)
        assert price is not None
        if price <= 0 or not on_step(price, spec.tick_size):
            raise e.BtccApiError(
                e.PRICE_ERROR,
                f"PRICE ERROR: {price}: {significant_decimals(spec.tick_size)} digits at most",
            )
        return price

    @staticmethod
    def _multiple(p: Params, spec: SymbolSpec) -> int:
        multiple = p.integer("multiple", None, low=1, high=spec.max_leverage)
        if multiple is None:
            raise e.missing("multiple")
        return multiple

    def _refid(self, call: Call) -> str:
        """A client reference; one that an open pending order carries is refused [?]."""
        refid = call.params.text("refid") or ""
        if refid and refid in self.ctx.book.open_refids(call.account_id):
            raise e.BtccApiError(e.REFID_EXISTS, f"REFID EXISTS: {refid}")
        return refid
