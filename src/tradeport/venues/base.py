"""The venue client contract: the same method names and types on every venue.

A concrete venue overrides what it offers; everything else raises NotSupported, and
is absent from the venue's Capability set.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

import msgspec

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.execution.quantize import check_order
from tradeport.model import (
    AccountSnapshot,
    AssetType,
    Balance,
    Bar,
    Fill,
    Instrument,
    Offset,
    Order,
    OrderBook,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    Ticker,
    TimeInForce,
    Trade,
)
from tradeport.model.errors import (
    BadParameter,
    InvalidPrice,
    InvalidQuantity,
    MinNotional,
    NetworkError,
    NotSupported,
    OrderFilled,
    OrderNotFound,
    PermissionDenied,
    PostOnlyRejected,
    TradeportError,
    UnknownOrderState,
    UnknownSymbol,
)
from tradeport.venues.kit import arguments
from tradeport.venues.readiness import Readiness
from tradeport.venues.streaming import StreamingClient

if TYPE_CHECKING:
    from tradeport.emulator.handle import EmulatorHandle

READINESS_MODES = ("wait", "refuse")


class OrderRequest(msgspec.Struct, kw_only=True):
    """A typed order. `make_order`'s string form (`"buy-limit"`) becomes one of these."""

    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    offset: Offset = Offset.OPEN
    reduce_only: bool = False
    position_side: PositionSide | None = None
    client_order_id: str | None = None


def parse_order_type(order_type: object) -> tuple[Side, OrderType]:
    text = order_type.lower() if isinstance(order_type, str) else ""
    side, _, kind = text.partition("-")
    sides, kinds = {s.value for s in Side}, {k.value for k in OrderType}
    if side not in sides or kind not in kinds:
        raise BadParameter(
            f"order_type {order_type!r}: expected '<buy|sell>-<limit|market|post_only>'"
        )
    return Side(side), OrderType(kind)


def check_request(req: OrderRequest) -> None:
    """What an order must be whatever the venue: a positive, finite quantity and price."""
    arguments.positive_amount("vol", req.qty)
    if req.price is not None:
        arguments.positive_amount("price", req.price)


def closes(req: OrderRequest) -> bool:
    """The order only ever reduces a position (a close, or reduce-only)."""
    return req.offset is Offset.CLOSE or req.reduce_only


_cid_counter = itertools.count(1)


def new_client_order_id(prefix: str = "tp") -> str:
    """Unique per process and run: prefix, ms clock, pid, counter (≤ 32 alphanumerics)."""
    return f"{prefix}{int(time.time() * 1000):x}{os.getpid() % 4096:x}{next(_cid_counter):x}"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One checked order of a batch: the request (its client order id set), the
    instrument and the venue's parameters, ready to send."""

    req: OrderRequest
    cid: str
    inst: Instrument
    params: dict[str, Any]


# what a batch item's own check raises: the item is bad, nothing of the batch is sent
_ITEM_REFUSALS = (BadParameter, UnknownSymbol, MinNotional, InvalidQuantity, InvalidPrice)


class VenueClient(StreamingClient):
    """Async client for one venue and asset type: the REST methods below and the
    `watch_*` streams (venues/streaming.py)."""

    key: str = ""

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        base_url: str,
        api_key: str = "",
        secret: str = "",
        environment: str = "live",
        allow_mainnet: bool = False,
        readiness: str = "wait",
        ready_timeout: float = 10.0,
        **unused: Any,
    ) -> None:
        """Options every venue takes. `base_url`: the REST host (`create_client` takes
        it from venue.yaml `rest_urls` for the environment). `api_key`, `secret`: the
        account's credentials (signed calls need both). `allow_mainnet`: trading in the
        "live" environment is refused unless this is set. `readiness`: "wait" makes an
        order wait up to `ready_timeout` s for what it depends on (the instruments; the
        private streams once they run), "refuse" raises NotReady at once. Any other
        option is refused with BadParameter."""
        if unused:
            venue = config.venue.display_name
            raise BadParameter(f"unexpected options for {venue}: {sorted(unused)}")
        if readiness not in READINESS_MODES:
            raise BadParameter(f"readiness {readiness!r}: expected one of {READINESS_MODES}")
        ready_timeout = arguments.seconds("ready_timeout", ready_timeout)
        self.config = config
        self.allow_mainnet = allow_mainnet
        self.base_url = base_url
        self.api_key = api_key
        self._secret = secret
        self.environment = environment
        self._instruments: dict[str, Instrument] = {}
        self._by_venue_symbol: dict[str, Instrument] = {}
        self._instruments_lock = asyncio.Lock()
        self._emulator: EmulatorHandle | None = None
        # no order goes out while what would track it is down (readiness.py)
        self.readiness = Readiness(self.key, ["instruments"])
        self.readiness_mode = readiness
        self.ready_timeout = ready_timeout
        self._init_streams()

    def __repr__(self) -> str:  # never shows secrets
        return f"<{type(self).__name__} {self.key} {self.environment} {self.base_url}>"

    # -- lifecycle ---------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """End every watch, close the venue's connections, stop an owned emulator.
        Streams go before the transport: closing one may still need a request (a
        listen key is deleted over REST)."""
        self.streams.close()
        await self._close_streams()
        await self._close_transport()
        if self._emulator is not None:
            await self._emulator.stop()
            self._emulator = None

    async def _close_streams(self) -> None:
        """A streaming venue closes its sockets and tasks here."""

    async def _close_transport(self) -> None:
        """A venue closes its HTTP sessions here."""

    def own_emulator(self, emulator: EmulatorHandle) -> None:
        """The client started this emulator and stops it on close."""
        self._emulator = emulator

    def check_trading_allowed(self, action: str) -> None:
        """Live (mainnet) trading needs an explicit `allow_mainnet=True` (DESIGN.md §5);
        market data and account reads do not."""
        if self.environment == "live" and not self.allow_mainnet:
            raise PermissionDenied(
                f"{action} on {self.key} live: pass allow_mainnet=True to trade on mainnet"
            )

    # -- symbols and instruments -------------------------------------------------------
    def to_venue_symbol(self, symbol: str) -> str:
        inst = self._instruments.get(symbol)
        if inst is not None:
            return inst.venue_symbol
        base, sep, quote = symbol.partition("-")
        if not sep or not base or not quote:
            raise UnknownSymbol(f"symbol {symbol!r}: expected BASE-QUOTE, e.g. BTC-USDT")
        return self.config.symbol_format.format(base=base, quote=quote)

    def from_venue_symbol(self, venue_symbol: str) -> str:
        inst = self._by_venue_symbol.get(venue_symbol)
        if inst is None:
            raise UnknownSymbol(f"venue symbol {venue_symbol!r} is not a known instrument")
        return inst.symbol

    def _store_instruments(self, instruments: Iterable[Instrument]) -> None:
        self._instruments = {i.symbol: i for i in instruments}
        self._by_venue_symbol = {i.venue_symbol: i for i in self._instruments.values()}
        self.readiness.set_up("instruments")

    async def instruments(self) -> dict[str, Instrument]:
        """The instruments, loaded once (concurrent first callers share one request)."""
        if not self._instruments:
            async with self._instruments_lock:
                if not self._instruments:
                    await self.get_exchange_info()
        return self._instruments

    async def instrument(self, symbol: str) -> Instrument:
        inst = (await self.instruments()).get(symbol)
        if inst is None:
            raise UnknownSymbol(f"unknown symbol {symbol!r} on {self.key}")
        return inst

    # -- the unified methods -----------------------------------------------------------
    def _unsupported(self, what: str) -> NotSupported:
        return NotSupported(f"{what} is not supported on {self.key}")

    async def get_server_time(self) -> int:
        """The venue's clock, epoch milliseconds."""
        raise self._unsupported("get_server_time")

    async def get_exchange_info(self) -> list[Instrument]:
        """Every instrument with its trading rules (tick, step, minimums); cached on the
        client for symbol conversion and order checks."""
        raise self._unsupported("get_exchange_info")

    async def get_tick(self, symbol: str) -> Ticker:
        """Last price, best bid/ask and 24 h statistics of `symbol` (BASE-QUOTE)."""
        raise self._unsupported("get_tick")

    async def get_depth(self, symbol: str, limit: int = 20) -> OrderBook:
        """An L2 snapshot: `limit` levels per side, best first, with the venue's update id."""
        return await self._get_depth(symbol, arguments.count("limit", limit))

    async def _get_depth(self, symbol: str, limit: int) -> OrderBook:
        raise self._unsupported("get_depth")

    async def get_kline(
        self,
        symbol: str,
        period: str = "1m",
        limit: int = 100,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Bar]:
        """Candles of `period` (e.g. "1m", "1h"), oldest first."""
        limit = arguments.count("limit", limit)
        return await self._get_kline(symbol, period, limit, start_ms, end_ms)

    async def _get_kline(
        self, symbol: str, period: str, limit: int, start_ms: int | None, end_ms: int | None
    ) -> list[Bar]:
        raise self._unsupported("get_kline")

    def _kline_interval(self, period: str) -> str:
        """The venue's name for a candle period (venue.yaml `kline_periods`)."""
        interval = self.config.kline_periods.get(period)
        if interval is None:
            raise BadParameter(
                f"period {period!r} not offered; have {sorted(self.config.kline_periods)}"
            )
        return interval

    async def get_trades(self, symbol: str, limit: int = 100) -> list[Trade]:
        """Recent public trades, oldest first."""
        return await self._get_trades(symbol, arguments.count("limit", limit))

    async def _get_trades(self, symbol: str, limit: int) -> list[Trade]:
        raise self._unsupported("get_trades")

    async def make_order(
        self,
        symbol: str,
        vol: Decimal | str | float,
        price: Decimal | str | float | None = None,
        order_type: str = "buy-limit",
        offset: str = "open",
        client_order_id: str | None = None,
        *,
        time_in_force: str | None = None,
        reduce_only: bool = False,
        position_side: str | None = None,
    ) -> Order:
        """Place an order. `order_type` is `<buy|sell>-<limit|market|post_only>`;
        `offset="close"` only ever reduces a position (a reduce-only order, or the
        matching position side in hedge mode). See `submit_order`."""
        side, kind = parse_order_type(order_type)
        tif = None
        if time_in_force is not None:
            tif = arguments.choice("time_in_force", time_in_force, TimeInForce)
        leg = None
        if position_side is not None:
            leg = arguments.choice("position_side", position_side, PositionSide)
        req = OrderRequest(
            symbol=arguments.text("symbol", symbol),
            side=side,
            type=kind,
            qty=arguments.amount("vol", vol),
            price=None if price is None else arguments.amount("price", price),
            time_in_force=tif,
            offset=arguments.choice("offset", offset, Offset),
            reduce_only=arguments.flag("reduce_only", reduce_only),
            position_side=leg,
            client_order_id=client_order_id,
        )
        return await self.submit_order(req)

    # -- the order flow ----------------------------------------------------------------
    # Whether a lookup by client order id finds an order after it closed. Where it does
    # not (BTCC lists only pending orders and open positions), finding nothing does not
    # prove an order was never placed, and the execution port never resends on it.
    finds_closed_orders: bool = True

    # Errors that leave a submit's outcome unknown: the venue may hold the order.
    unknown_outcome: tuple[type[TradeportError], ...] = (NetworkError, UnknownOrderState)

    async def submit_order(self, req: OrderRequest) -> Order:
        """Send a typed order. It is checked against the instrument's rules first; a
        submit whose outcome is unknown (timeout, 5xx, lost connection) is never resent:
        it is looked up by client order id and returned, or returned as UNKNOWN."""
        self.check_trading_allowed("make_order")
        check_request(req)
        given = req.client_order_id
        cid = self._client_order_id(new_client_order_id() if given is None else given)
        inst = await self.instrument(req.symbol)
        await self._ready()
        self._check_order(req, inst)
        params = await self._order_params(req, inst, cid)
        try:
            # an answer that cannot be read (MalformedMessage) leaves the outcome
            # unknown as much as no answer does
            ack = self._parse_ack(req, cid, await self._send_order(params))
        except self.unknown_outcome as exc:
            # never resend: the venue may have the order. Ask it by our client id.
            self._log.warning("%s: order %s outcome unknown (%s); reconciling", self.key, cid, exc)
            return await self._reconcile_unknown(req, cid)
        if isinstance(ack, Order):
            return ack
        return await self._read_back(req, cid, ack)

    async def submit_orders(self, reqs: Sequence[OrderRequest]) -> list[Order | TradeportError]:
        """Send several typed orders: one result per request, in request order, either
        the order (as `submit_order` returns it, UNKNOWN included) or the typed error
        the venue refused that item with. Every item is checked first (the order's
        rules, the instrument's, its client order id, given or made up here): a bad
        one raises BadParameter naming its index and nothing is sent. A venue with a
        batch endpoint sends the items in chunks of its batch size; an unknown outcome
        of a batch call is never resent, each of its items is looked up by client id."""
        self.check_trading_allowed("submit_orders")
        if isinstance(reqs, str | bytes) or not isinstance(reqs, Sequence):
            raise BadParameter(f"submit_orders takes a list of OrderRequest, not {reqs!r}")
        items: list[BatchItem] = []
        for index, req in enumerate(reqs):
            try:
                items.append(await self._batch_item(req))
            except _ITEM_REFUSALS as exc:
                raise BadParameter(f"orders[{index}]: {exc}", venue=self.key) from exc
        cids = [item.cid for item in items]
        for index, cid in enumerate(cids):
            if cid in cids[:index]:
                raise BadParameter(
                    f"orders[{index}]: client_order_id {cid!r} is orders[{cids.index(cid)}]'s",
                    venue=self.key,
                )
        if not items:
            return []
        await self._ready()
        return await self._send_batch(items)

    async def _batch_item(self, req: OrderRequest) -> BatchItem:
        """An order of a batch checked as `submit_order` checks it, with its client id."""
        if not isinstance(req, OrderRequest):
            raise BadParameter(f"expected an OrderRequest, not {req!r}")
        check_request(req)
        given = req.client_order_id
        cid = self._client_order_id(new_client_order_id() if given is None else given)
        inst = await self.instrument(req.symbol)
        self._check_order(req, inst)
        params = await self._order_params(req, inst, cid)
        return BatchItem(msgspec.structs.replace(req, client_order_id=cid), cid, inst, params)

    async def _send_batch(self, items: list[BatchItem]) -> list[Order | TradeportError]:
        """Send checked orders; a venue with a batch endpoint overrides this. Here:
        one `submit_order` after the other, each item's refusal its result."""
        results: list[Order | TradeportError] = []
        for item in items:
            try:
                results.append(await self.submit_order(item.req))
            except TradeportError as exc:
                results.append(exc)
        return results

    async def _read_back(self, req: OrderRequest, cid: str, order_id: str) -> Order:
        """The acknowledged order as the venue holds it. An acknowledged order is never
        reported as failed: while the venue cannot show it (not listed yet, or the
        read-back fails), it is returned NEW with both ids, its state to be learnt
        from `query_order` or the order stream."""
        try:
            return await self._placed(req, order_id)
        except PostOnlyRejected:
            raise  # the read-back's answer: the venue cancelled it
        except OrderNotFound:
            self._log.info("%s: order %s not listed yet; reporting it NEW", self.key, order_id)
        except TradeportError as exc:
            self._log.warning(
                "%s: order %s (%s) acknowledged, its read-back failed (%s); reporting it NEW",
                self.key,
                order_id,
                cid,
                exc,
            )
        return self._request_order(req, cid, order_id, OrderStatus.NEW)

    @property
    def _log(self) -> logging.Logger:
        return logging.getLogger(f"tradeport.venues.{self.config.venue.id}")

    async def ready(self) -> None:
        """Bring up and wait for what an order depends on (a venue with a session logs
        in and synchronises first), as `submit_order` does; NotReady when it stays
        down. Callers that check readiness before their own work (the execution port)
        use this, so a venue's own way of coming up is never bypassed."""
        await self._ready()

    async def _ready(self) -> None:
        """Wait until every component an order depends on is up (or refuse at once)."""
        if self.readiness_mode == "wait":
            await self.readiness.wait(self.ready_timeout)
        else:
            self.readiness.check()

    def _check_order(self, req: OrderRequest, inst: Instrument) -> None:
        """Quantity and price against the instrument's rules (execution/quantize.py)."""
        market = req.type is OrderType.MARKET
        check_order(inst, req.qty, None if market else req.price, reduce_only=closes(req))

    # The venue's rule for a client order id: a pattern it must match in full, and the
    # rule in words for the error (None: any non-empty string)
    client_order_id_pattern: re.Pattern[str] | None = None
    client_order_id_rule: str = ""

    def _client_order_id(self, client_order_id: str) -> str:
        """The client order id, checked against the venue's rule before anything is sent."""
        return arguments.client_order_id(
            client_order_id, self.client_order_id_pattern, self.client_order_id_rule, self.key
        )

    async def _order_params(self, req: OrderRequest, inst: Instrument, cid: str) -> dict[str, Any]:
        """The venue's order parameters, the client order id among them."""
        raise self._unsupported("make_order")

    async def _send_order(self, params: dict[str, Any]) -> bytes:
        """Send the order once; never resent (its outcome may be unknown)."""
        raise self._unsupported("make_order")

    def _parse_ack(self, req: OrderRequest, cid: str, raw: bytes) -> Order | str:
        """The venue's answer: the order itself, or (a venue that only acknowledges)
        the venue's order id, read back with `_placed`. Raises if it refused."""
        raise self._unsupported("make_order")

    async def _placed(self, req: OrderRequest, order_id: str) -> Order:
        """The order as the venue holds it right after its acknowledgement (it may
        already be filled, or cancelled because post-only would have taken: then
        PostOnlyRejected). OrderNotFound while not listed yet: it is reported NEW."""
        raise self._unsupported("make_order")

    def _post_only_rejected(
        self, req: OrderRequest, code: str, raw_message: str
    ) -> PostOnlyRejected:
        return PostOnlyRejected(
            f"post-only {req.side.value} {req.qty} {req.symbol} at {req.price} would"
            " have taken liquidity; the venue cancelled it",
            venue=self.key,
            code=code,
            raw_message=raw_message,
        )

    def _request_order(
        self, req: OrderRequest, cid: str, order_id: str | None, status: OrderStatus
    ) -> Order:
        """The order as requested, when the venue has not (yet) shown it."""
        return Order(
            symbol=req.symbol,
            client_order_id=cid,
            order_id=order_id,
            side=req.side,
            type=req.type,
            time_in_force=req.time_in_force,
            price=req.price,
            qty=req.qty,
            status=status,
            reduce_only=closes(req),
        )

    async def _reconcile_unknown(self, req: OrderRequest, cid: str) -> Order:
        """The order a submit with an unknown outcome left behind: the venue's view of
        it by client order id, or, while the venue cannot tell, an UNKNOWN order that
        carries the client id (DESIGN.md principle 4)."""
        try:
            return await self.query_order(req.symbol, client_order_id=cid)
        except OrderNotFound:
            # not (yet) visible at the venue: it may still arrive, so it stays UNKNOWN
            self._log.warning(
                "%s: order %s not visible at the venue; status UNKNOWN", self.key, cid
            )
        except TradeportError as exc:
            # any failure of the lookup (network, 5xx, rate limit) leaves the outcome
            # unknown: the caller must get the client id back, never an apparent failure
            self._log.warning("%s: reconcile of %s failed: %s", self.key, cid, exc)
        return self._request_order(req, cid, None, OrderStatus.UNKNOWN)

    async def cancel_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        """Cancel by venue or client order id: the order as the venue shows it once
        cancelled. OrderNotFound if the venue does not know it or it is already closed;
        OrderFilled (an OrderNotFound carrying the order) when the venue shows it filled.

        A cancel whose answer is lost (timeout, 5xx, dropped connection, unreadable
        answer) is never sent again blind: the order is read back, and returned if the
        venue shows it cancelled; if it is still open, the cancel never took and is sent
        once more. UnknownOrderState if the venue cannot tell."""
        if order_id is None and client_order_id is None:
            raise BadParameter("cancel_order: give order_id or client_order_id")
        ref = order_id or client_order_id
        try:
            return await self._cancel(symbol, order_id, client_order_id)
        except self.unknown_outcome as exc:
            self._log.warning(
                "%s: cancel of %s unanswered (%s); reading it back", self.key, ref, exc
            )
        order = await self._settled_cancel(symbol, order_id, client_order_id)
        if order is not None:
            return order
        self._log.info("%s: %s still open, the cancel never took; sending it again", self.key, ref)
        try:
            return await self._cancel(symbol, order_id, client_order_id)
        except self.unknown_outcome as exc:
            self._log.warning("%s: cancel of %s unanswered again (%s)", self.key, ref, exc)
        order = await self._settled_cancel(symbol, order_id, client_order_id)
        if order is None:
            raise UnknownOrderState(
                f"cancel of {ref} unanswered twice and the order is still open", venue=self.key
            )
        return order

    async def _settled_cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order | None:
        """What the venue shows of an order after a cancel with a lost answer: the order
        if closed without filling (cancelled, expired), None while it is still open."""
        ref = order_id or client_order_id
        try:
            order = await self.query_order(symbol, order_id, client_order_id)
        except OrderNotFound:
            raise
        except TradeportError as exc:
            raise UnknownOrderState(
                f"cancel of {ref} unanswered, and the order cannot be read back: {exc}",
                venue=self.key,
            ) from exc
        if order.status is OrderStatus.FILLED:
            raise OrderFilled(
                f"order {ref} of {symbol} filled before the cancel took",
                order=order,
                venue=self.key,
            )
        if order.status.is_open or order.status is OrderStatus.UNKNOWN:
            return None
        return order

    async def _cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        """Send the cancel once (never resent here: its outcome may be unknown) and
        return the order as the venue shows it cancelled."""
        raise self._unsupported("cancel_order")

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        """One order in any state, by venue or client order id."""
        raise self._unsupported("query_order")

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders, of one symbol or all."""
        raise self._unsupported("get_open_orders")

    async def get_balance(self) -> dict[str, Balance]:
        """Balances by asset (free and locked)."""
        raise self._unsupported("get_balance")

    async def get_account(self) -> AccountSnapshot:
        """Balances, positions and open orders together, with capital, equity and open
        notional."""
        raise self._unsupported("get_account")

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        """Open (non-zero) positions, of one symbol or all."""
        raise self._unsupported("get_position")

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        """Set the leverage of `symbol`: a whole number from 1 up to the instrument's
        maximum (where the venue publishes one); returns what the venue applied."""
        if self.config.asset == AssetType.SPOT.value:
            raise self._unsupported("set_leverage")  # no leverage on a spot market
        self.check_trading_allowed("set_leverage")  # before the instruments are loaded
        leverage = arguments.count("leverage", leverage)
        inst = await self.instrument(symbol)
        if inst.max_leverage is not None and leverage > inst.max_leverage:
            raise BadParameter(
                f"leverage {leverage}: {symbol} on {self.key} allows at most {inst.max_leverage}"
            )
        return await self._set_leverage(symbol, leverage)

    async def _set_leverage(self, symbol: str, leverage: int) -> int:
        """The venue's part of `set_leverage`, given a checked leverage."""
        raise self._unsupported("set_leverage")

    async def get_leverage(self, symbol: str) -> int:
        """The leverage `symbol` trades at on this account, as the venue reports it now
        (where a venue keeps one per hedge-mode leg and they differ: the higher)."""
        raise self._unsupported("get_leverage")

    async def get_deals(
        self, symbol: str, limit: int = 100, order_id: str | None = None
    ) -> list[Fill]:
        """Own fills (trades) of `symbol`, optionally of one order: the last `limit`."""
        return await self._get_deals(symbol, arguments.count("limit", limit), order_id)

    async def _get_deals(self, symbol: str, limit: int, order_id: str | None) -> list[Fill]:
        """The venue's part of `get_deals`, given a checked limit."""
        raise self._unsupported("get_deals")


# The methods the sync facade exposes (it is generated from this list, not hand-written).
CLIENT_METHODS: tuple[str, ...] = (
    "get_server_time",
    "get_exchange_info",
    "get_tick",
    "get_depth",
    "get_kline",
    "get_trades",
    "make_order",
    "submit_order",
    "submit_orders",
    "cancel_order",
    "query_order",
    "get_open_orders",
    "get_balance",
    "get_account",
    "get_position",
    "set_leverage",
    "get_leverage",
    "get_deals",
    "instruments",
    "instrument",
)

__all__ = [
    "CLIENT_METHODS",
    "BatchItem",
    "OrderRequest",
    "VenueClient",
    "closes",
    "new_client_order_id",
    "parse_order_type",
]
