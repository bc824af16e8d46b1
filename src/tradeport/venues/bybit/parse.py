"""Bybit v5 messages → tradeport model. Small pure functions, one per message type.

The order, execution, position and wallet parsers serve both the REST answers and the
private WebSocket topics (whose rows are the REST rows plus a few fields).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import msgspec

from tradeport.model import (
    AssetType,
    Balance,
    Bar,
    Fill,
    Instrument,
    InstrumentStatus,
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
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bybit import messages as m
from tradeport.venues.kit import parse as kit_parse
from tradeport.venues.kit.event_checks import checked_fill, checked_order, checked_position
from tradeport.venues.kit.parse import dec as dec
from tradeport.venues.kit.parse import dec_at_least_zero as dec_at_least_zero
from tradeport.venues.kit.parse import dec_or_none as dec_or_none
from tradeport.venues.kit.parse import month_close_ms
from tradeport.venues.kit.parse import ms as ms

# execType values that are trades of an order (enum.mdx `execType`); funding, delivery
# and settlement rows move money but are no fill of an order
TRADE_EXEC_TYPES = frozenset({"Trade", "AdlTrade", "BustTrade", "BlockTrade"})

# enum.mdx `status`
_INSTRUMENT_STATUS = {
    "Trading": InstrumentStatus.TRADING,
    "PreLaunch": InstrumentStatus.PRE_TRADING,
    "Settling": InstrumentStatus.HALTED,
    "Delivering": InstrumentStatus.HALTED,
    "Closed": InstrumentStatus.DELISTED,
}
# enum.mdx `timeInForce`; PostOnly is the post-only order type
TIF = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "PostOnly": TimeInForce.GTX,
}
# enum.mdx `positionIdx`: 0 one-way, 1 hedge-mode buy side, 2 hedge-mode sell side
POSITION_SIDE = {0: PositionSide.BOTH, 1: PositionSide.LONG, 2: PositionSide.SHORT}
SIDES = {"Buy": Side.BUY, "Sell": Side.SELL}
# enum.mdx `rejectReason` of an order the venue itself closed on arrival (it would have
# taken as post-only, could not fill in full, found nothing to fill): `Cancelled` by
# the venue, which the model calls expired
POST_ONLY_WOULD_TAKE = "EC_PostOnlyWillTakeLiquidity"
_EXPIRED_BY = frozenset({POST_ONLY_WOULD_TAKE, "EC_CancelForNoFullFill", "EC_NoImmediateQtyToFill"})

_MINUTE_MS = 60_000
_FIXED_PERIOD_MS = {"D": 86_400_000, "W": 7 * 86_400_000}


def side_of(value: str, field: str) -> Side:
    return kit_parse.side_of(SIDES, value, field)


# -- instruments -----------------------------------------------------------------------
def parse_instrument(info: m.InstrumentInfo, asset_type: AssetType) -> Instrument:
    """One instruments-info row (§4.8). Spot's quantity step is `basePrecision` and its
    minimum order value `minOrderAmt` (its `minOrderQty` is no longer checked by the
    venue, but still bounds the order); linear's are `qtyStep` and `minNotionalValue`."""
    lot, price = info.lotSizeFilter, info.priceFilter
    where = f"instrument {info.symbol}"
    if asset_type is AssetType.SPOT:
        step = dec(lot.basePrecision, f"{where} basePrecision")
        min_qty = dec(lot.minOrderQty, f"{where} minOrderQty") or step
        min_notional = dec(lot.minOrderAmt, f"{where} minOrderAmt")
        max_qty = dec_or_none(lot.maxLimitOrderQty or lot.maxOrderQty, f"{where} maxOrderQty")
    else:
        step = dec(lot.qtyStep, f"{where} qtyStep")
        min_qty = dec(lot.minOrderQty, f"{where} minOrderQty")
        min_notional = dec(lot.minNotionalValue, f"{where} minNotionalValue")
        max_qty = dec_or_none(lot.maxOrderQty, f"{where} maxOrderQty")
    max_leverage = None
    if info.leverageFilter is not None and info.leverageFilter.maxLeverage:
        max_leverage = int(dec(info.leverageFilter.maxLeverage, f"{where} maxLeverage"))
    return Instrument(
        symbol=f"{info.baseCoin}-{info.quoteCoin}",
        venue_symbol=info.symbol,
        asset_type=asset_type,
        base=info.baseCoin,
        quote=info.quoteCoin,
        settle=(info.settleCoin or info.quoteCoin) if asset_type is AssetType.SWAP else None,
        tick_size=dec(price.tickSize, f"{where} tickSize"),
        step_size=step,
        min_qty=min_qty,
        min_notional=min_notional,
        max_qty=max_qty,
        min_price=dec_or_none(price.minPrice, f"{where} minPrice"),
        max_price=dec_or_none(price.maxPrice, f"{where} maxPrice"),
        # linear quantities are in the base coin: one unit is one coin
        contract_size=Decimal(1),
        max_leverage=max_leverage,
        status=_INSTRUMENT_STATUS.get(info.status, InstrumentStatus.HALTED),
    )


def parse_instruments(page: m.InstrumentsPage, asset_type: AssetType) -> list[Instrument]:
    out = []
    for info in page.rows:
        # category=linear also lists dated USDT futures; a SWAP is a perpetual only
        if asset_type is AssetType.SWAP and info.contractType not in ("", "LinearPerpetual"):
            continue
        out.append(parse_instrument(info, asset_type))
    return out


# -- market data -----------------------------------------------------------------------
def parse_ticker(row: m.TickerRow, symbol: str, ts: int = 0, local_ts: int | None = None) -> Ticker:
    """A tickers row; `ts` is the envelope's `time` (the row carries none)."""
    return Ticker(
        symbol=symbol,
        last=row.lastPrice,
        bid=row.bid1Price,
        bid_qty=row.bid1Size,
        ask=row.ask1Price,
        ask_qty=row.ask1Size,
        open=row.prevPrice24h,  # the price 24 h ago: the rolling day's open
        high=row.highPrice24h,
        low=row.lowPrice24h,
        volume=row.volume24h,
        quote_volume=row.turnover24h,
        ts=ts,
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def parse_depth(book: m.OrderBookSnapshot, symbol: str, local_ts: int | None = None) -> OrderBook:
    """REST order book; `u` is the update id of the 1000-level stream (§4.5)."""
    return OrderBook(
        symbol=symbol,
        bids=book.b,
        asks=book.a,
        update_id=book.u,
        ts=book.ts,
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def kline_close_ms(start_ms: int, interval: str) -> int:
    """The last millisecond of the bar opened at `start_ms`: minutes for numeric
    intervals, a day, a week, or the calendar month for "M"."""
    if interval.isdigit():
        return start_ms + int(interval) * _MINUTE_MS - 1
    if interval in _FIXED_PERIOD_MS:
        return start_ms + _FIXED_PERIOD_MS[interval] - 1
    if interval == "M":
        return month_close_ms(start_ms)
    raise MalformedMessage(f"kline interval {interval!r} is not a Bybit interval")


def parse_kline(row: m.KlineRow, symbol: str, period: str, interval: str, now_ms: int) -> Bar:
    close_ms = kline_close_ms(row.start, interval)
    return Bar(
        symbol=symbol,
        period=period,
        open_ts=row.start,
        close_ts=close_ms,
        open=row.open,
        high=row.high,
        low=row.low,
        close=row.close,
        volume=row.volume,
        quote_volume=row.turnover,
        closed=close_ms < now_ms,
    )


def parse_trade(row: m.PublicTradeRow, symbol: str, local_ts: int = 0) -> Trade:
    return Trade(
        symbol=symbol,
        trade_id=row.execId,
        price=row.price,
        qty=row.size,
        taker_side=side_of(row.side, f"trade {row.execId} side"),
        ts=row.time,
        local_ts=local_ts,
    )


# -- orders, fills, positions, wallet -------------------------------------------------
def order_type_of(order_type: str, tif: str) -> OrderType:
    if order_type == "Market":
        return OrderType.MARKET
    return OrderType.POST_ONLY if tif == "PostOnly" else OrderType.LIMIT


def parse_order(
    row: m.OrderRow,
    symbol: str,
    status_map: Mapping[str, str],
    raw: dict[str, Any] | None = None,
    local_ts: int = 0,
) -> Order:
    """A realtime/history row or an `order` topic row. The average price is the
    venue's when it gives one, else the executed value over the executed quantity."""
    where = f"order {row.orderId}"
    filled = dec_at_least_zero(row.cumExecQty, f"{where} cumExecQty")
    avg = dec_or_none(row.avgPrice, f"{where} avgPrice")
    if avg is None and filled:
        avg = dec_at_least_zero(row.cumExecValue, f"{where} cumExecValue") / filled or None
    otype = order_type_of(row.orderType, row.timeInForce)
    status = OrderStatus(status_map.get(row.orderStatus, "unknown"))
    if status is OrderStatus.CANCELED and row.rejectReason in _EXPIRED_BY:
        status = OrderStatus.EXPIRED
    order = Order(
        symbol=symbol,
        client_order_id=row.orderLinkId or None,
        order_id=row.orderId,
        side=side_of(row.side, f"{where} side"),
        type=otype,
        time_in_force=TIF.get(row.timeInForce),
        # a market order's `price` is the venue's slippage bound, not an order price
        price=None if otype is OrderType.MARKET else dec_or_none(row.price, f"{where} price"),
        qty=dec_at_least_zero(row.qty, f"{where} qty"),
        filled_qty=filled,
        avg_price=avg,
        status=status,
        reduce_only=row.reduceOnly,
        position_side=POSITION_SIDE.get(row.positionIdx, PositionSide.BOTH),
        created_ts=ms(row.createdTime, f"{where} createdTime"),
        updated_ts=ms(row.updatedTime, f"{where} updatedTime"),
        local_ts=local_ts,
        raw=raw if raw is not None else msgspec.structs.asdict(row),
    )
    return checked_order(order)


def trade_fills(rows: Iterable[m.ExecutionRow], symbol: str) -> list[Fill]:
    """The rows of `rows` that are trades of an order, as fills."""
    return [parse_execution(r, symbol) for r in rows if r.execType in TRADE_EXEC_TYPES]


def parse_execution(row: m.ExecutionRow, symbol: str, local_ts: int = 0) -> Fill:
    """An execution/list row or an `execution` topic row. Linear rows leave
    `feeCurrency` empty: their fees are in the settle coin, the symbol's quote."""
    where = f"execution {row.execId}"
    pnl = dec(row.execPnl, f"{where} execPnl") if row.execPnl else None
    fill = Fill(
        symbol=symbol,
        trade_id=row.execId,
        order_id=row.orderId,
        client_order_id=row.orderLinkId or None,
        side=side_of(row.side, f"{where} side"),
        price=dec_at_least_zero(row.execPrice, f"{where} execPrice"),
        qty=dec_at_least_zero(row.execQty, f"{where} execQty"),
        fee=dec(row.execFee, f"{where} execFee"),
        fee_asset=row.feeCurrency or symbol.rpartition("-")[2],
        is_maker=row.isMaker,
        ts=ms(row.execTime, f"{where} execTime"),
        realized_pnl=pnl,
        local_ts=local_ts,
    )
    return checked_fill(fill)


def parse_position(row: m.PositionRow, symbol: str, local_ts: int = 0) -> Position:
    """A position/list row or a `position` topic row. One-way positions (idx 0) are
    signed (a Sell side is short); hedge-mode legs (idx 1 long, 2 short) are not."""
    where = f"position {row.symbol}/{row.positionIdx}"
    size = dec(row.size, f"{where} size")
    side = POSITION_SIDE.get(row.positionIdx)
    if side is None:
        raise MalformedMessage(f"{where}: unknown positionIdx {row.positionIdx}")
    qty = -size if side is PositionSide.BOTH and row.side == "Sell" else size
    leverage = dec(row.leverage, f"{where} leverage")
    position = Position(
        symbol=symbol,
        position_side=side,
        qty=qty,
        entry_price=dec(row.avgPrice or row.entryPrice, f"{where} avgPrice"),
        mark_price=dec_or_none(row.markPrice, f"{where} markPrice"),
        unrealized_pnl=dec(row.unrealisedPnl, f"{where} unrealisedPnl"),
        leverage=int(leverage) if leverage else None,
        margin_type="isolated" if row.tradeMode == 1 else "cross",
        liquidation_price=dec_or_none(row.liqPrice, f"{where} liqPrice"),
        ts=ms(row.updatedTime, f"{where} updatedTime"),
        local_ts=local_ts,
    )
    return checked_position(position)


def parse_wallet_coin(coin: m.WalletCoin, ts: int = 0, local_ts: int = 0) -> Balance:
    """One coin of the unified account. Its wallet balance is the total; what spot
    orders lock and what derivative orders and positions hold as initial margin is
    not free."""
    where = f"wallet coin {coin.coin}"
    total = dec(coin.walletBalance, f"{where} walletBalance")
    held = (
        dec(coin.locked, f"{where} locked")
        + dec(coin.totalOrderIM, f"{where} totalOrderIM")
        + dec(coin.totalPositionIM, f"{where} totalPositionIM")
    )
    free = max(Decimal(0), total - held)
    return Balance(asset=coin.coin, free=free, locked=total - free, ts=ts, local_ts=local_ts)


def parse_wallet(account: m.WalletAccount, ts: int = 0, local_ts: int = 0) -> dict[str, Balance]:
    """Every coin of one wallet-balance account (REST list entry or `wallet` topic row)."""
    return {c.coin: parse_wallet_coin(c, ts, local_ts) for c in account.coin}
