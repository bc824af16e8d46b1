"""BTCC perpetual futures REST client (PROTOCOLS.md §6) [?]: the session, the products,
and the position model behind the unified order methods.

How a call is signed and answered is `dialect.py`; the session (login, keep-alive,
renewal) is `session.py`; how an order maps on positions and pending orders is
`orders.py`. The venue keeps no order history that the sources describe: a pending
order is read back from the pending list, a market order (filled at once) from what
the venue answered when it was sent.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import msgspec

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import (
    AccountSnapshot,
    AssetType,
    Balance,
    Instrument,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from tradeport.model.errors import (
    BadParameter,
    DuplicateClientOrderId,
    NotSupported,
    OrderFilled,
    OrderNotFound,
    UnknownSymbol,
)
from tradeport.venues.base import OrderRequest, closes
from tradeport.venues.btcc import messages as m
from tradeport.venues.btcc import orders, parse
from tradeport.venues.btcc.auth import DEFAULT_SIGN_RULE, find_sign_rule
from tradeport.venues.btcc.dialect import BtccDialect
from tradeport.venues.btcc.ids import pending_order_id, split_order_id
from tradeport.venues.btcc.session import KEEPALIVE_S, SessionKeeper
from tradeport.venues.btcc.symbols import SymbolTable
from tradeport.venues.kit import arguments
from tradeport.venues.kit.account import margin_account
from tradeport.venues.kit.rest_client import RestClient

T = TypeVar("T")
log = logging.getLogger("tradeport.venues.btcc")
PAGE_SIZE = 100
MAX_PAGES = 100
DEFAULT_LEVERAGE = 10  # what a position opens with until set_leverage says otherwise [?]


class BtccRest(RestClient):
    """The BTCC client's REST half."""

    dialect: BtccDialect
    client_order_id_pattern = orders.CLIENT_ID
    client_order_id_rule = orders.CLIENT_ID_RULE
    # the venue lists pending orders and open positions, no order history: a market
    # open whose position has closed, or a filled or cancelled pending order, is no
    # longer found by its client id (`refid`)
    finds_closed_orders = False
    # the order types there are (no post-only, §6.3)
    order_types = orders.ORDER_TYPES
    # the requests behind a unified method where they are not its own venue.yaml path:
    # an order opens a pending order (limit, first) or a position, or closes positions;
    # a lookup reads the pending list and the positions; leverage is no request at all
    method_endpoints: ClassVar[dict[str, tuple[str, ...]]] = {
        "make_order": ("open_pending", "open_position", "close_position"),
        "cancel_order": ("cancel_pending",),
        "query_order": ("get_open_orders", "get_position"),
        "set_leverage": (),
    }

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        user_name: str = "",
        password: str = "",
        sign_rule: str = DEFAULT_SIGN_RULE,
        keepalive_s: float = KEEPALIVE_S,
        default_leverage: int = DEFAULT_LEVERAGE,
        **options: Any,
    ) -> None:
        """`user_name` / `password`: the login's (email or phone, and password) beside
        the API key and secret. `sign_rule`: which reading of the MD5 sign rule to use
        (auth.py: sorted, sorted_encoded, appended, appended_encoded). `keepalive_s`:
        seconds between keep-alives (the venue asks for one every 20 s).
        `default_leverage`: the `multiple` a position opens with until `set_leverage`
        sets one for its symbol. The other options are RestClient's."""
        if asset_type is not AssetType.SWAP:
            raise NotSupported(f"BTCC has no {asset_type.value} market here")
        self.asset_type: AssetType = asset_type
        self.key = "BTCC___SWAP"
        self._rule = find_sign_rule(sign_rule)
        self.user_name = arguments.text("user_name", user_name) if user_name else ""
        self._password = password
        self.default_leverage = arguments.count("default_leverage", default_leverage)
        keepalive_s = arguments.seconds("keepalive_s", keepalive_s)
        super().__init__(config, **options)
        self.symbols = SymbolTable()
        # the leverage each symbol's next position opens with (a per-symbol default the
        # client applies: BTCC sets leverage per position)
        self.leverage: dict[str, int] = {}
        # market orders as the venue answered them (it lists no order history)
        self._filled: dict[str, Order] = {}
        self._by_client_id: dict[str, str] = {}
        self.readiness.require("user", "trade", "position")
        self.session = SessionKeeper(
            self.rest,
            self.dialect,
            self.readiness,
            venue=self.key,
            keepalive_s=keepalive_s,
            on_login=self._reconcile,
        )

    def make_dialect(self) -> BtccDialect:
        login_path = self.config.rest_paths["login"].split(" ", 1)[1]
        products = self.config.rest_paths["get_exchange_info"].split(" ", 1)[1]
        credentials = {
            "api_key": self.api_key,
            "secret": self._secret,
            "user_name": self.user_name,
            "password": self._password,
        }
        return BtccDialect(credentials, self._rule, login_path=login_path, public_paths=(products,))

    async def _close_transport(self) -> None:
        await self.session.close()
        await super()._close_transport()

    async def _call(
        self, name: str, params: dict[str, Any], type_: type[T], *, mutation: bool = False
    ) -> T:
        raw = await self.session.call(name, params, mutation=mutation)
        return self.rest.decode(name, raw, type_, strict=False)

    # -- session readiness -------------------------------------------------------------
    async def login(self) -> None:
        """Log in now (any call logs in first when needed) and synchronise positions
        and pending orders."""
        await self.session.ensure()
        await self._reconcile()

    async def _reconcile(self) -> None:
        """After a (new) session: the positions and pending orders as the venue holds
        them, and the components an order waits for marked up."""
        await self.instruments()
        positions, pendings = await asyncio.gather(self._positions(), self._pendings())
        for row in pendings:
            self._pending_order(row)  # learns its client id
        self.readiness.set_up("position")
        self.readiness.set_up("trade")
        log.info(
            "%s: %d positions and %d pending orders at the venue",
            self.key,
            len(positions),
            sum(1 for row in pendings if row.status == 1),
        )

    async def _ready(self) -> None:
        if not (self.readiness.is_up("trade") and self.readiness.is_up("position")):
            await self.login()
        await super()._ready()

    # -- products ----------------------------------------------------------------------
    async def get_exchange_info(self) -> list[Instrument]:
        raw = await self.rest.call("get_exchange_info", {})
        rows = self.rest.decode("get_exchange_info", raw, m.ProductList, strict=False).symbols
        instruments = []
        for row in rows:
            inst = parse.parse_product(row)
            self.symbols.add_product(inst.symbol, row.name)
            instruments.append(inst)
        self._store_instruments(instruments)
        return instruments

    def from_venue_symbol(self, venue_symbol: str) -> str:
        return self.symbols.symbol_of_product(venue_symbol)

    async def _product(self, symbol: str) -> str:
        await self.instruments()
        return self.symbols.product(symbol)

    # -- positions and pending orders --------------------------------------------------
    async def _positions(self) -> list[m.PositionRow]:
        rows: list[m.PositionRow] = []
        for page in range(1, MAX_PAGES + 1):
            params = {"pageNo": page, "pageSize": PAGE_SIZE}
            answer = await self._call("get_position", params, m.PositionList)
            rows.extend(answer.positions)
            if len(answer.positions) < PAGE_SIZE:
                return rows
        raise NotSupported(f"more than {MAX_PAGES * PAGE_SIZE} positions")

    async def _pendings(self) -> list[m.PendingRow]:
        answer = await self._call("get_open_orders", {}, m.PendingList)
        return answer.pendings

    async def btcc_positions(self, symbol: str | None = None) -> list[m.PositionRow]:
        """The venue's positions with their ids (for `close_position`), oldest first."""
        product = await self._product(symbol) if symbol else None
        rows = await self._positions()
        return sorted((r for r in rows if product in (None, r.symbol)), key=lambda r: r.id)

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        """One Position per venue position (each has its own id and leverage)."""
        rows = await self.btcc_positions(symbol)
        return [parse.parse_position(r, self.from_venue_symbol(r.symbol)) for r in rows if r.volume]

    async def close_position(
        self, position_id: int, volume: Decimal | str | float, client_order_id: str | None = None
    ) -> m.CloseAnswer:
        """Close `volume` of position `position_id` at market (BTCC's own close)."""
        self.check_trading_allowed("close_position")
        params: dict[str, Any] = {
            "positionid": arguments.count("position_id", position_id),
            "request_volume": str(arguments.amount("volume", volume)),
            "refid": client_order_id,
        }
        return await self._call("close_position", params, m.CloseAnswer, mutation=True)

    async def update_position(
        self,
        position_id: int,
        stop_loss: Decimal | str | float = 0,
        take_profit: Decimal | str | float = 0,
    ) -> m.PositionRow:
        """Set the stop loss and take profit prices of a position (0: none)."""
        self.check_trading_allowed("update_position")
        params: dict[str, Any] = {
            "positionid": arguments.count("position_id", position_id),
            "stop_loss": _price_or_none("stop_loss", stop_loss),
            "take_profit": _price_or_none("take_profit", take_profit),
        }
        answer = await self._call("update_position", params, m.PositionAnswer, mutation=True)
        return answer.position

    async def open_pending(
        self,
        symbol: str,
        pending_type: int,
        side: str,
        volume: Decimal | str | float,
        price: Decimal | str | float,
        *,
        position_id: int | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """A pending order of BTCC's own type: 1 limit open, 2 stop open (opens at
        market once `price` trades), 3 limit close, 4 stop loss, 5 take profit (close
        `volume` of position `position_id` at market once `price` trades). `side` is
        the order's ("buy" / "sell"; a close goes against its position). An open takes
        the symbol's leverage (`set_leverage`)."""
        self.check_trading_allowed("open_pending")
        kind = orders.pending_type(pending_type)
        inst = await self.instrument(symbol)
        params: dict[str, Any] = {
            "symbol": inst.venue_symbol,
            "type": kind,
            "direction": parse.DIRECTIONS[arguments.choice("side", side, Side)],
            "request_volume": str(arguments.amount("volume", volume)),
            "request_price": str(arguments.amount("price", price)),
            "refid": None if client_order_id is None else self._client_order_id(client_order_id),
        }
        if kind in parse.CLOSING_TYPES:
            if position_id is None:
                raise BadParameter(f"pending type {kind} closes a position: give position_id")
            params["positionid"] = arguments.count("position_id", position_id)
        else:
            params["multiple"] = self.leverage.get(symbol, self.default_leverage)
        answer = await self._call("open_pending", params, m.PendingAnswer, mutation=True)
        return self._pending_order(answer.pending)

    # -- the order flow ----------------------------------------------------------------
    async def _order_params(self, req: OrderRequest, inst: Instrument, cid: str) -> dict[str, Any]:
        orders.check_kind(req, self.key)
        if cid in self._by_client_id:
            raise DuplicateClientOrderId(
                f"client order id {cid} is order {self._by_client_id[cid]} already",
                venue=self.key,
            )
        if not closes(req):
            leverage = self.leverage.get(req.symbol, self.default_leverage)
            name, params = orders.open_call(req, inst, leverage, cid)
            return {name: params}
        positions = orders.closable(await self._positions(), req.side, inst.venue_symbol)
        if not positions:
            raise orders.no_position(req, self.key)
        if req.price is not None and req.type is not OrderType.MARKET:
            name, params = orders.limit_close_call(req, positions, cid)
            return {name: params}
        return {"close_position": orders.close_plan(positions, req.qty)}

    async def _send_order(self, params: dict[str, Any]) -> bytes:
        ((name, fields),) = params.items()
        if name != "close_position":
            return await self.session.call(name, fields, mutation=True)
        answers = []
        for position_id, volume in fields:
            call = {"positionid": position_id, "request_volume": str(volume)}
            raw = await self.session.call(name, call, mutation=True)
            answers.append(self.rest.decode(name, raw, m.CloseAnswer, strict=False))
        return msgspec.json.encode(answers)

    def _parse_ack(self, req: OrderRequest, cid: str, raw: bytes) -> Order | str:
        if req.type is OrderType.MARKET and closes(req):
            done = self.rest.decode("close_position", raw, list[m.CloseAnswer], strict=False)
            order = parse.closed_order(done, req.symbol, req.side, req.qty, cid)
        elif req.type is OrderType.MARKET:
            row = self.rest.decode("open_position", raw, m.PositionAnswer, strict=False).position
            order = parse.opened_order(row, req.symbol, req.qty, cid)
        else:
            pending = self.rest.decode("open_pending", raw, m.PendingAnswer, strict=False)
            order_id = pending_order_id(pending.pending.id)
            self._by_client_id[cid] = order_id
            return order_id
        assert order.order_id is not None
        self._filled[order.order_id] = order
        self._by_client_id[cid] = order.order_id
        return order

    async def _placed(self, req: OrderRequest, order_id: str) -> Order:
        return await self.query_order(req.symbol, order_id)

    async def _order_id(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> str:
        if order_id is not None:
            return order_id
        assert client_order_id is not None
        known = self._by_client_id.get(client_order_id)
        if known is not None:
            return known
        product = await self._product(symbol)
        for row in await self._pendings():
            if row.refid == client_order_id and row.symbol == product:
                return pending_order_id(row.id)
        raise OrderNotFound(f"no order {client_order_id} of {symbol}", venue=self.key)

    async def _opened_by(self, symbol: str, client_order_id: str) -> Order | None:
        """The market open a client id made, as its position shows it (the position
        carries the client id as `refid`): how an open whose answer was lost is found."""
        product = await self._product(symbol)
        for row in await self._positions():
            if row.refid == client_order_id and row.symbol == product:
                order = parse.opened_order(row, symbol, row.volume, client_order_id)
                assert order.order_id is not None
                self._filled[order.order_id] = order
                self._by_client_id[client_order_id] = order.order_id
                return order
        return None

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        try:
            ref = await self._order_id(symbol, order_id, client_order_id)
        except OrderNotFound:
            assert client_order_id is not None
            opened = await self._opened_by(symbol, client_order_id)
            if opened is None:
                raise
            return opened
        kind, number = split_order_id(ref, self.key)
        if kind != "pending":
            order = self._filled.get(ref)
            if order is None or order.symbol != symbol:
                raise OrderNotFound(f"no order {ref} of {symbol} from here", venue=self.key)
            return order
        product = await self._product(symbol)
        row = next((r for r in await self._pendings() if r.id == number), None)
        if row is None or row.symbol != product:
            raise OrderNotFound(f"no pending order {number} of {symbol}", venue=self.key)
        return self._pending_order(row)

    def _pending_order(self, row: m.PendingRow) -> Order:
        order = parse.parse_pending(
            row, self.from_venue_symbol(row.symbol), self.config.order_status_map
        )
        if order.client_order_id and order.order_id:
            self._by_client_id.setdefault(order.client_order_id, order.order_id)
        return order

    async def _cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        ref = await self._order_id(symbol, order_id, client_order_id)
        kind, number = split_order_id(ref, self.key)
        if kind != "pending":
            order = self._filled.get(ref)
            if order is None:
                raise OrderNotFound(f"no order {ref} of {symbol}", venue=self.key)
            raise OrderFilled(f"order {ref} of {symbol} filled", order=order, venue=self.key)
        # the pending list tells a filled or closed order from one that can be cancelled
        current = await self.query_order(symbol, ref)
        if current.status is OrderStatus.FILLED:
            raise OrderFilled(f"order {ref} of {symbol} filled", order=current, venue=self.key)
        if not current.status.is_open:
            raise OrderNotFound(f"order {ref} of {symbol} is {current.status}", venue=self.key)
        answer = await self._call("cancel_pending", {"id": number}, m.PendingAnswer, mutation=True)
        order = self._pending_order(answer.pending)
        if order.status is OrderStatus.FILLED:
            raise OrderFilled(f"order {ref} of {symbol} filled", order=order, venue=self.key)
        return order

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        product = await self._product(symbol) if symbol else None
        rows = await self._pendings()
        return [
            self._pending_order(r) for r in rows if r.status == 1 and product in (None, r.symbol)
        ]

    # -- account -----------------------------------------------------------------------
    async def _account(self) -> m.AccountRow:
        return (await self._call("get_balance", {}, m.AccountAnswer)).account

    async def get_balance(self) -> dict[str, Balance]:
        row = await self._account()
        return {row.currency: parse.parse_balance(row)}

    async def get_account(self) -> AccountSnapshot:
        row, positions, open_orders = await asyncio.gather(
            self._account(), self.get_position(), self.get_open_orders()
        )
        balances = {row.currency: parse.parse_balance(row)}
        return margin_account(self.key, balances, positions, open_orders, row.balance, row.equity)

    async def _set_leverage(self, symbol: str, leverage: int) -> int:
        """No venue call: the leverage travels with each position opened (`multiple`)."""
        if symbol not in await self.instruments():
            raise UnknownSymbol(f"unknown symbol {symbol!r} on {self.key}")
        self.leverage[symbol] = leverage
        return leverage

    async def get_leverage(self, symbol: str) -> int:
        """The leverage `symbol`'s next position opens with: the per-symbol default this
        client applies (`set_leverage`, else `default_leverage`). The venue keeps none
        per symbol; each position reports its own (`get_position`)."""
        if symbol not in await self.instruments():
            raise UnknownSymbol(f"unknown symbol {symbol!r} on {self.key}")
        return self.leverage.get(symbol, self.default_leverage)


def _price_or_none(name: str, value: object) -> str:
    """A stop loss or take profit price; 0 (or "0") sets none."""
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool) and value in (0, "0"):
        return "0"
    return str(arguments.amount(name, value))
