"""Binance WebSocket messages (stream_messages) → tradeport model. Pure, no I/O.

Public streams are declared as data: `SPOT_STREAMS` / `FUTURES_STREAMS` map a stream
name's suffix (what follows `<symbol>@`) to a `StreamRoute` — the decoder of its
payload (created once, at import) and its parser. Frames decode in one pass when the
stream name is read first with `peek_stream` (`StreamRoute.decode_frame`), or in two
with `decode_envelope` then `StreamRoute.decode`. A frame that does not decode raises
`MalformedMessage` naming the stream or event and what was wrong.

Timestamps: `ts` is the venue's event time `E` (trade time `T` for trades, transaction
time `T` for account changes); `local_ts` is the receipt time the caller passes in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

import msgspec

from tradeport.book.levels import (
    BOOL,
    ID,
    INT,
    NUMBER,
    SKIP_BOOL,
    SKIP_INT,
    SKIP_STR,
    Shape,
    check_levels,
)
from tradeport.book.types import DepthUpdate
from tradeport.config import load_venue_config, resolve_asset
from tradeport.model import (
    Balance,
    Bar,
    Fill,
    MarkPrice,
    Order,
    OrderBook,
    OrderStatus,
    Position,
    PositionSide,
    Quote,
    Side,
    Ticker,
    TimeInForce,
    Trade,
)
from tradeport.model.errors import MalformedMessage
from tradeport.venues.binance import CONFIG
from tradeport.venues.binance import stream_messages as sm
from tradeport.venues.binance.parse import POSITION_SIDE, TIF, order_type_of
from tradeport.venues.binance.stream_messages import decode_envelope as decode_envelope
from tradeport.venues.binance.stream_messages import decode_listen_key as decode_listen_key
from tradeport.venues.binance.stream_messages import decode_user_event as decode_user_event
from tradeport.venues.binance.stream_messages import decoder, malformed
from tradeport.venues.binance.stream_messages import peek_stream as peek_stream
from tradeport.venues.kit.account import wallet_balance
from tradeport.venues.kit.event_checks import (
    check_amount,
    check_size,
    checked_balance,
    checked_fill,
    checked_order,
    checked_position,
)

M = TypeVar("M")
Parser = Callable[[Any, str, int], Any]  # (venue message, standard symbol, local_ts)
ToSymbol = Callable[[str], str]  # venue symbol → standard symbol


# -- public parsers ----------------------------------------------------------------------
def parse_depth_update(
    msg: sm.SpotDepthUpdate | sm.FuturesDepthUpdate, symbol: str, local_ts: int
) -> DepthUpdate:
    """Diff depth; `prev_id` is USDⓈ-M `pu`, -1 on spot (which has none, §1.5)."""
    return DepthUpdate(
        symbol, msg.first_id, msg.last_id, msg.prev_id, msg.bids, msg.asks, msg.event_ts, local_ts
    )


def parse_partial_depth(
    msg: sm.SpotPartialDepth | sm.FuturesDepthUpdate, symbol: str, local_ts: int
) -> OrderBook:
    """Top-N book: spot sends lastUpdateId/bids/asks, USDⓈ-M the depthUpdate shape.
    Sides are put best first: the USDⓈ-M doc example lists its bids ascending. It
    reaches consumers without the book engine, so its levels are checked here."""
    check_levels("bid", msg.bids)
    check_levels("ask", msg.asks)
    bids, asks = sorted(msg.bids, reverse=True), sorted(msg.asks)
    if isinstance(msg, sm.SpotPartialDepth):
        return OrderBook(
            symbol=symbol, bids=bids, asks=asks, update_id=msg.lastUpdateId, local_ts=local_ts
        )
    return OrderBook(
        symbol=symbol,
        bids=bids,
        asks=asks,
        update_id=msg.last_id,
        ts=msg.event_ts,
        local_ts=local_ts,
    )


# the taker's side by `buyer_is_maker` (a bool indexes it): the buyer resting on the
# book means the seller crossed the spread
TAKER = (Side.BUY, Side.SELL)


def parse_trade(msg: sm.SpotTrade, symbol: str, local_ts: int) -> Trade:
    return Trade(
        symbol=symbol,
        trade_id=str(msg.trade_id),
        price=msg.price,
        qty=msg.qty,
        taker_side=TAKER[msg.buyer_is_maker],
        ts=msg.trade_ts,
        local_ts=local_ts,
    )


def parse_agg_trade(msg: sm.AggTrade, symbol: str, local_ts: int) -> Trade:
    return Trade(
        symbol=symbol,
        trade_id=str(msg.trade_id),
        price=msg.price,
        qty=msg.qty,
        taker_side=TAKER[msg.buyer_is_maker],
        ts=msg.trade_ts,
        local_ts=local_ts,
    )


def parse_book_ticker(msg: sm.BookTicker, symbol: str, local_ts: int) -> Quote:
    return Quote(
        symbol=symbol,
        bid=msg.bid,
        bid_qty=msg.bid_qty,
        ask=msg.ask,
        ask_qty=msg.ask_qty,
        update_id=msg.update_id,
        ts=msg.event_ts,  # 0 on spot, which sends no event time here
        local_ts=local_ts,
    )


def parse_kline(msg: sm.KlineEvent, symbol: str, local_ts: int) -> Bar:
    k = msg.kline
    return Bar(
        symbol=symbol,
        period=k.interval,
        open_ts=k.open_ts,
        close_ts=k.close_ts,
        open=k.open,
        high=k.high,
        low=k.low,
        close=k.close,
        volume=k.volume,
        quote_volume=k.quote_volume,
        trades=k.trades,
        closed=k.closed,
        ts=msg.event_ts,
        local_ts=local_ts,
    )


def parse_ticker_24h(msg: sm.Ticker24hEvent, symbol: str, local_ts: int) -> Ticker:
    return Ticker(
        symbol=symbol,
        last=msg.last,
        bid=msg.bid,
        bid_qty=msg.bid_qty,
        ask=msg.ask,
        ask_qty=msg.ask_qty,
        open=msg.open,
        high=msg.high,
        low=msg.low,
        volume=msg.volume,
        quote_volume=msg.quote_volume,
        ts=msg.event_ts,
        local_ts=local_ts,
    )


def parse_mark_price(msg: sm.MarkPriceUpdate, symbol: str, local_ts: int) -> MarkPrice:
    return MarkPrice(
        symbol=symbol,
        mark=msg.mark,
        index=msg.index,
        funding_rate=msg.funding_rate,
        next_funding_ts=msg.next_funding_ts,
        ts=msg.event_ts,
        local_ts=local_ts,
    )


# -- routes: stream-name suffix → decoder + parser ----------------------------------------
DepthText = sm.SpotDepthText | sm.FuturesDepthText


class StreamRoute(NamedTuple):
    event: str  # what the payload is, named in errors
    decode: Callable[[str | bytes | msgspec.Raw], Any]  # payload → venue message
    decode_frame: Callable[[str | bytes], sm.Payload[Any]]  # whole frame, one pass
    parse: Parser
    # diff depth: the whole frame with the levels left as the text sent, for a book
    # that reads them itself (`L2Book.apply_json`)
    decode_text: Callable[[str | bytes], sm.Payload[Any]] | None = None


def _route(
    event: str,
    message: type[M],
    parse: Callable[[M, str, int], Any],
    text: type[DepthText] | None = None,
) -> StreamRoute:
    return StreamRoute(
        event,
        decoder(message).decode,
        decoder(sm.Payload[message]).decode,  # type: ignore[valid-type]
        parse,
        None if text is None else decoder(sm.Payload[text]).decode,  # type: ignore[valid-type]
    )


def parse_payload(
    route: StreamRoute, data: str | bytes | msgspec.Raw, symbol: str, local_ts: int
) -> Any:
    """Decode a stream payload (the `data` of a combined frame) and parse it."""
    try:
        msg = route.decode(data)
    except msgspec.DecodeError as exc:
        raise malformed(route.event, exc) from None
    return route.parse(msg, symbol, local_ts)


def parse_frame(route: StreamRoute, frame: str | bytes, symbol: str, local_ts: int) -> Any:
    """Decode a whole combined frame in one pass (route found with `peek_stream`)."""
    return route.parse(decode_frame(route, frame), symbol, local_ts)


def decode_frame(route: StreamRoute, frame: str | bytes) -> Any:
    """The venue message of a whole combined frame, decoded in one pass."""
    try:
        return route.decode_frame(frame).data
    except msgspec.DecodeError as exc:
        raise frame_error(route, frame, exc) from None


def frame_error(route: StreamRoute, frame: str | bytes, exc: Exception) -> MalformedMessage:
    """What a whole frame of `route` that does not decode raises."""
    return malformed(f"{route.event} ({peek_stream(frame)})", exc)


_SPOT_DEPTH = _route("depthUpdate (spot)", sm.SpotDepthUpdate, parse_depth_update, sm.SpotDepthText)
_FUTURES_DEPTH = _route(
    "depthUpdate (USDⓈ-M)", sm.FuturesDepthUpdate, parse_depth_update, sm.FuturesDepthText
)
_SPOT_PARTIAL = _route("partial depth (spot)", sm.SpotPartialDepth, parse_partial_depth)
_FUTURES_PARTIAL = _route("partial depth (USDⓈ-M)", sm.FuturesDepthUpdate, parse_partial_depth)
_TRADE = _route("trade", sm.SpotTrade, parse_trade)
_AGG_TRADE = _route("aggTrade", sm.AggTrade, parse_agg_trade)
# routes whose payload is one trade with the fields the trade hot path reads
TRADE_PARSERS = (parse_trade, parse_agg_trade)


# A trade frame as Binance writes it (§1.4, §2.4: the documented keys, in their order),
# for the compiled store to read without a decoder (book/levels.py `read_shape`); it
# gives (trade id, price, quantity, trade time, buyer is maker). Any frame written
# otherwise is decoded by the route's typed decoder, which reads it or names what is
# wrong.
def _trade_shape(event: str, trade_id: str, spot: bool) -> Shape:
    head = b'{"stream":', SKIP_STR, f',"data":{{"e":"{event}","E":'.encode()
    return (
        *head,
        *(SKIP_INT, b',"s":', SKIP_STR, f',"{trade_id}":'.encode(), ID),
        *(b',"p":', NUMBER, b',"q":', NUMBER),
        *((b',"f":', SKIP_INT, b',"l":', SKIP_INT) if event == "aggTrade" else ()),
        *(b',"T":', INT, b',"m":', BOOL),
        *((b',"M":', SKIP_BOOL) if spot else ()),
        b"}}",
    )


TRADE_VALUES = 5  # what a trade shape gives
_TRADE_SHAPES = {
    (parse_agg_trade, False): _trade_shape("aggTrade", "a", spot=False),
    (parse_agg_trade, True): _trade_shape("aggTrade", "a", spot=True),
    (parse_trade, True): _trade_shape("trade", "t", spot=True),
}


def trade_shape(route: StreamRoute, spot: bool) -> Shape | None:
    """How Binance writes a frame of `route` (a trade stream's) on that market."""
    return _TRADE_SHAPES.get((route.parse, spot))


_BOOK_TICKER = _route("bookTicker", sm.BookTicker, parse_book_ticker)
_KLINE = _route("kline", sm.KlineEvent, parse_kline)
_TICKER = _route("24hrTicker", sm.Ticker24hEvent, parse_ticker_24h)
_MARK_PRICE = _route("markPriceUpdate", sm.MarkPriceUpdate, parse_mark_price)

# update speeds per market (§1.4: spot 1000 ms default or 100 ms; §2.4: USDⓈ-M 250 ms
# default, 500 ms or 100 ms); partial books come in 5, 10 or 20 levels
_SPOT_SPEEDS = ("", "@100ms")
_FUTURES_SPEEDS = ("", "@100ms", "@500ms")
_LEVELS = (5, 10, 20)
KLINE_INTERVALS = (
    *("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h"),
    *("1d", "3d", "1w", "1M"),
)
_KLINES = {f"kline_{i}": _KLINE for i in KLINE_INTERVALS}

SPOT_STREAMS: dict[str, StreamRoute] = {
    **{f"depth{s}": _SPOT_DEPTH for s in _SPOT_SPEEDS},
    **{f"depth{n}{s}": _SPOT_PARTIAL for n in _LEVELS for s in _SPOT_SPEEDS},
    "trade": _TRADE,
    "aggTrade": _AGG_TRADE,
    "bookTicker": _BOOK_TICKER,
    "ticker": _TICKER,
    **_KLINES,
}
FUTURES_STREAMS: dict[str, StreamRoute] = {
    **{f"depth{s}": _FUTURES_DEPTH for s in _FUTURES_SPEEDS},
    **{f"depth{n}{s}": _FUTURES_PARTIAL for n in _LEVELS for s in _FUTURES_SPEEDS},
    "aggTrade": _AGG_TRADE,
    "bookTicker": _BOOK_TICKER,
    "ticker": _TICKER,
    "markPrice": _MARK_PRICE,
    "markPrice@1s": _MARK_PRICE,
    **_KLINES,
}


def route_for(stream: str, spot: bool) -> StreamRoute | None:
    """The route of a stream name such as `btcusdt@depth@100ms`; None if unknown."""
    table = SPOT_STREAMS if spot else FUTURES_STREAMS
    return table.get(stream.partition("@")[2])


# -- user data -----------------------------------------------------------------------------
class BalanceDelta(msgspec.Struct, frozen=True, kw_only=True):
    """A spot `balanceUpdate`: deposit, withdrawal or transfer of `delta` (signed). The
    new absolute balance follows in an `outboundAccountPosition`; this is for audit."""

    asset: str
    delta: Decimal
    ts: int = 0
    local_ts: int = 0


UserObject = Order | Fill | Balance | Position | BalanceDelta | sm.ControlEvent


@functools.cache
def venue_status_map(asset: str) -> Mapping[str, str]:
    """The order-status table REST uses (venue.yaml `order_status_map`)."""
    return resolve_asset(load_venue_config(CONFIG), asset).order_status_map


def _status(name: str, status_map: Mapping[str, str]) -> OrderStatus:
    return OrderStatus(status_map.get(name, "unknown"))


def _tif(name: str) -> TimeInForce | None:
    return TimeInForce.GTX if name == "GTX" else TIF.get(name)


def parse_execution_report(
    msg: sm.ExecutionReport,
    symbol: str,
    local_ts: int,
    status_map: Mapping[str, str] | None = None,
) -> tuple[Order, Fill | None]:
    """Spot order update; a fill only when the execution type is TRADE (§1.4)."""
    smap = venue_status_map("spot") if status_map is None else status_map
    # a cancel carries the cancel request's id in `c` and the order's own in `C`
    client_id = msg.orig_client_order_id or msg.client_order_id
    # checked before the average price is computed from them
    check_size(msg.cum_quote, f"executionReport of order {msg.order_id} Z")
    check_size(msg.filled_qty, f"executionReport of order {msg.order_id} z")
    order = Order(
        symbol=symbol,
        client_order_id=client_id,
        order_id=str(msg.order_id),
        side=Side(msg.side.lower()),
        type=order_type_of(msg.order_type, msg.time_in_force),
        time_in_force=_tif(msg.time_in_force),
        price=msg.price or None,
        qty=msg.qty,
        filled_qty=msg.filled_qty,
        avg_price=msg.cum_quote / msg.filled_qty if msg.filled_qty else None,
        status=_status(msg.status, smap),
        created_ts=msg.created_ts,
        updated_ts=msg.transaction_ts,
        local_ts=local_ts,
        raw=msgspec.structs.asdict(msg),
    )
    checked_order(order)
    if msg.exec_type != "TRADE":
        return order, None
    fill = Fill(
        symbol=symbol,
        trade_id=str(msg.trade_id),
        order_id=order.order_id or "",
        client_order_id=client_id,
        side=order.side,
        price=msg.last_price,
        qty=msg.last_qty,
        fee=msg.fee,
        fee_asset=msg.fee_asset or "",
        is_maker=msg.is_maker,
        ts=msg.transaction_ts,
        local_ts=local_ts,
    )
    return order, checked_fill(fill)


def parse_order_trade_update(
    msg: sm.OrderTradeUpdate,
    symbol: str,
    local_ts: int,
    status_map: Mapping[str, str] | None = None,
) -> tuple[Order, Fill | None]:
    """USDⓈ-M order update; a fill only when the execution type is TRADE (§2.4)."""
    smap = venue_status_map("swap") if status_map is None else status_map
    o = msg.order
    position_side = POSITION_SIDE[o.position_side]
    order = Order(
        symbol=symbol,
        client_order_id=o.client_order_id,
        order_id=str(o.order_id),
        side=Side(o.side.lower()),
        type=order_type_of(o.order_type, o.time_in_force),
        time_in_force=_tif(o.time_in_force),
        price=o.price or None,
        qty=o.qty,
        filled_qty=o.filled_qty,
        avg_price=o.avg_price or None,
        status=_status(o.status, smap),
        reduce_only=o.reduce_only,
        position_side=position_side,
        updated_ts=o.trade_ts or msg.transaction_ts,
        local_ts=local_ts,
        raw=msgspec.structs.asdict(o),
    )
    checked_order(order)
    if o.exec_type != "TRADE":
        return order, None
    fill = Fill(
        symbol=symbol,
        trade_id=str(o.trade_id),
        order_id=order.order_id or "",
        client_order_id=o.client_order_id,
        side=order.side,
        price=o.last_price,
        qty=o.last_qty,
        fee=o.fee,
        fee_asset=o.fee_asset or "",
        is_maker=o.is_maker,
        ts=o.trade_ts,
        realized_pnl=o.realized_pnl,
        position_side=position_side,
        local_ts=local_ts,
    )
    return order, checked_fill(fill)


def parse_account_update(
    msg: sm.AccountUpdate, to_symbol: ToSymbol, local_ts: int
) -> tuple[list[Balance], list[Position]]:
    """USDⓈ-M balances and positions that changed. The event carries no available
    balance: `free` is the cross wallet balance `cw` and `locked` what the wallet `wb`
    holds beyond it (isolated margin), so `total` is the wallet balance."""
    ts = msg.transaction_ts or msg.event_ts
    for b in msg.data.balances:  # checked before they are compared
        check_amount(b.wallet, f"ACCOUNT_UPDATE balance {b.asset} wb")
        check_amount(b.cross_wallet, f"ACCOUNT_UPDATE balance {b.asset} cw")
    balances = [
        wallet_balance(b.asset, b.wallet, b.cross_wallet, ts, local_ts) for b in msg.data.balances
    ]
    positions = []
    for p in msg.data.positions:
        side = POSITION_SIDE[p.position_side]
        check_amount(p.amount, f"ACCOUNT_UPDATE position {p.symbol} pa")  # before abs()
        positions.append(
            checked_position(
                Position(
                    symbol=to_symbol(p.symbol),
                    position_side=side,
                    # signed in one-way mode; hedge legs non-negative, as REST parse does
                    qty=p.amount if side is PositionSide.BOTH else abs(p.amount),
                    entry_price=p.entry_price,
                    unrealized_pnl=p.unrealized_pnl,
                    margin_type=p.margin_type,
                    ts=ts,
                    local_ts=local_ts,
                )
            )
        )
    return balances, positions


def parse_account_position(msg: sm.OutboundAccountPosition, local_ts: int) -> list[Balance]:
    """Spot balances that changed, absolute; `ts` is the account update time `u`."""
    return [
        checked_balance(
            Balance(
                asset=b.asset, free=b.free, locked=b.locked, ts=msg.update_ts, local_ts=local_ts
            )
        )
        for b in msg.balances
    ]


def parse_balance_update(msg: sm.BalanceUpdate, local_ts: int) -> BalanceDelta:
    return BalanceDelta(asset=msg.asset, delta=msg.delta, ts=msg.clear_ts, local_ts=local_ts)


def parse_user_event(
    event: sm.UserEvent,
    to_symbol: ToSymbol,
    local_ts: int,
    status_map: Mapping[str, str] | None = None,
) -> list[UserObject]:
    """The model objects one user-data event stands for, in the order to apply them.
    Control events (listenKeyExpired, serverShutdown, eventStreamTerminated) come back
    as themselves for the connection owner to act on."""
    if isinstance(event, sm.ExecutionReport):
        order, fill = parse_execution_report(event, to_symbol(event.symbol), local_ts, status_map)
        return [order] if fill is None else [order, fill]
    if isinstance(event, sm.OrderTradeUpdate):
        symbol = to_symbol(event.order.symbol)
        order, fill = parse_order_trade_update(event, symbol, local_ts, status_map)
        return [order] if fill is None else [order, fill]
    if isinstance(event, sm.AccountUpdate):
        balances, positions = parse_account_update(event, to_symbol, local_ts)
        return [*balances, *positions]
    if isinstance(event, sm.OutboundAccountPosition):
        return list(parse_account_position(event, local_ts))
    if isinstance(event, sm.BalanceUpdate):
        return [parse_balance_update(event, local_ts)]
    return [event]


def parse_user_frame(
    frame: str | bytes,
    to_symbol: ToSymbol,
    local_ts: int,
    status_map: Mapping[str, str] | None = None,
) -> list[UserObject]:
    """Decode one user-data frame and parse it; [] for an event type not parsed here.
    `to_symbol` turns the venue symbol into the standard one (it may raise
    UnknownSymbol); `status_map` defaults to the venue.yaml table of the market."""
    event = decode_user_event(frame)
    if isinstance(event, str):
        return []
    return parse_user_event(event, to_symbol, local_ts, status_map)
