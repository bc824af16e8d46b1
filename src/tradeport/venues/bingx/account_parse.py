"""BingX account stream events (stream_messages) → tradeport model (PROTOCOLS.md §5.4).
Pure, no I/O; every function takes the event's decompressed text.

`ORDER_TRADE_UPDATE` is an order's state, and a fill when its execution type is TRADE;
`ACCOUNT_UPDATE` the wallet balances and position legs an operation changed (a closed
leg has size 0); `ACCOUNT_CONFIG_UPDATE` a contract's leverage and margin type. The
venue also pushes the same configuration as `SNAPSHOT` events, unprompted [?: seen on
VST, not documented]; both read alike. Events of other types read as nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from tradeport.model import (
    Balance,
    Fill,
    LeverageUpdate,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
)
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bingx import stream_messages as sm
from tradeport.venues.bingx.parse import POSITION_SIDES, SIDES
from tradeport.venues.kit import parse as kit_parse
from tradeport.venues.kit.account import wallet_balance
from tradeport.venues.kit.event_checks import (
    checked_balance,
    checked_fill,
    checked_order,
    checked_position,
)

ToSymbol = Callable[[str], str]
AccountObject = Order | Fill | Balance | Position | LeverageUpdate

ORDER_EVENT = "ORDER_TRADE_UPDATE"
ACCOUNT_EVENT = "ACCOUNT_UPDATE"
CONFIG_EVENTS = ("ACCOUNT_CONFIG_UPDATE", "SNAPSHOT")
EXPIRED_EVENT = "listenKeyExpired"

_head = msgspec.json.Decoder(sm.EventHead)
_order = msgspec.json.Decoder(sm.OrderTradeUpdate)
_account = msgspec.json.Decoder(sm.AccountUpdate)
_config = msgspec.json.Decoder(sm.AccountConfigUpdate)


def event_of(text: bytes) -> str:
    """The `e` of an account frame ("" for a market push or an answer)."""
    try:
        return _head.decode(text).e
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"account stream frame: {exc}") from None


def _decode(decoder: msgspec.json.Decoder[sm.T], text: bytes, what: str) -> sm.T:
    try:
        return decoder.decode(text)
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"{what}: {exc}") from None


def _position_side(value: str, where: str) -> PositionSide:
    side = POSITION_SIDES.get(value)
    if side is None:
        raise MalformedMessage(f"{where}: unknown position side {value!r}")
    return side


def parse_order_update(
    text: bytes, to_symbol: ToSymbol, status_map: Mapping[str, str], local_ts: int
) -> tuple[Order, Fill | None]:
    msg = _decode(_order, text, ORDER_EVENT)
    o = msg.order
    where = f"{ORDER_EVENT} of order {o.order_id}"
    status = status_map.get(o.status)
    if status is None:
        raise MalformedMessage(f"{where}: unknown status {o.status!r}")
    symbol = to_symbol(o.symbol)
    otype = OrderType.MARKET if o.order_type == "MARKET" else OrderType.LIMIT
    position_side = _position_side(o.position_side, where)
    updated = msg.update_ts or o.trade_ts or msg.event_ts
    order = Order(
        symbol=symbol,
        client_order_id=o.client_order_id or None,
        order_id=str(o.order_id),
        side=kit_parse.side_of(SIDES, o.side, f"{where} S"),
        type=otype,
        time_in_force=None,
        price=None if otype is OrderType.MARKET or not o.price else o.price,
        qty=o.qty,
        filled_qty=o.filled_qty,
        avg_price=o.avg_price if o.filled_qty and o.avg_price else None,
        status=OrderStatus(status),
        position_side=position_side,
        updated_ts=updated,
        local_ts=local_ts,
        raw=msgspec.structs.asdict(o),
    )
    checked_order(order)
    if o.exec_type != "TRADE":
        return order, None
    # The documented event has no `l` / `L`: then the fill is taken to be all the
    # order filled at its average price, true of an order filled in one trade [?]
    qty = o.last_qty or o.filled_qty
    price = o.last_price or o.avg_price
    if not qty or not price:
        raise MalformedMessage(f"{where}: a TRADE without a size or a price")
    fill = Fill(
        symbol=symbol,
        # without `t`, the order's cumulative size tells its fills apart [?]
        trade_id=str(o.trade_id) if o.trade_id != "" else f"{o.order_id}-{o.filled_qty}",
        order_id=str(o.order_id),
        client_order_id=order.client_order_id,
        side=order.side,
        price=price,
        qty=qty,
        fee=-o.commission,  # written negative when charged, as REST's commission
        fee_asset=o.fee_asset,
        is_maker=bool(o.is_maker) if o.is_maker is not None else otype is OrderType.LIMIT,
        ts=o.trade_ts or updated,
        realized_pnl=o.realized_pnl,
        position_side=position_side,
        local_ts=local_ts,
    )
    return order, checked_fill(fill)


def parse_account_update(
    text: bytes, to_symbol: ToSymbol, local_ts: int, one_way: bool = False
) -> tuple[list[Balance], list[Position]]:
    """Balances and position legs that changed. The event carries no available margin:
    `free` is the cross wallet balance `cw` and `locked` what the wallet `wb` holds
    beyond it, so `total` is the wallet balance, REST's `balance`. On a `one_way`
    account a position written as its side (LONG / SHORT, as REST lists it) is BOTH,
    signed by that side."""
    msg = _decode(_account, text, ACCOUNT_EVENT)
    ts = msg.transaction_ts or msg.event_ts
    balances = [
        checked_balance(wallet_balance(b.asset, b.wallet, b.cross_wallet, ts, local_ts))
        for b in msg.data.balances
    ]
    positions = []
    for leg in msg.data.positions:
        side = _position_side(leg.position_side, f"{ACCOUNT_EVENT} position {leg.symbol}")
        # signed in one-way mode; hedge legs non-negative, as REST parse does
        qty = leg.amount if side is PositionSide.BOTH else abs(leg.amount)
        if one_way and side is not PositionSide.BOTH:
            qty = -qty if side is PositionSide.SHORT else qty
            side = PositionSide.BOTH
        position = Position(
            symbol=to_symbol(leg.symbol),
            position_side=side,
            qty=qty,
            entry_price=leg.entry_price,
            unrealized_pnl=leg.unrealized_pnl,
            margin_type=leg.margin_type,
            ts=ts,
            local_ts=local_ts,
        )
        positions.append(checked_position(position))
    return balances, positions


def parse_config_update(text: bytes, to_symbol: ToSymbol, local_ts: int) -> LeverageUpdate:
    msg = _decode(_config, text, "ACCOUNT_CONFIG_UPDATE")
    ac = msg.config
    if ac.long < 1 or ac.short < 1:
        raise MalformedMessage(f"ACCOUNT_CONFIG_UPDATE {ac.symbol}: leverage below 1")
    return LeverageUpdate(
        symbol=to_symbol(ac.symbol),
        long=ac.long,
        short=ac.short,
        margin_type=ac.margin_type,
        ts=msg.event_ts,
        local_ts=local_ts,
    )


def parse_account_frame(
    text: bytes,
    to_symbol: ToSymbol,
    status_map: Mapping[str, str],
    local_ts: int,
    one_way: bool = False,
) -> list[AccountObject]:
    """The model objects one account frame stands for, in the order to apply them; []
    for an event type not read here (and for `listenKeyExpired`, the connection's).
    `one_way`: the account is known to trade in one-way mode."""
    event = event_of(text)
    if event == ORDER_EVENT:
        order, fill = parse_order_update(text, to_symbol, status_map, local_ts)
        return [order] if fill is None else [order, fill]
    if event == ACCOUNT_EVENT:
        balances, positions = parse_account_update(text, to_symbol, local_ts, one_way)
        return [*balances, *positions]
    if event in CONFIG_EVENTS:
        return [parse_config_update(text, to_symbol, local_ts)]
    return []
