"""BingX swap messages → tradeport model (PROTOCOLS.md §5.3, §5.8). Small pure functions,
one per message type."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

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
from tradeport.venues.bingx import messages as m
from tradeport.venues.bingx import stream_messages as sm
from tradeport.venues.kit import parse as kit_parse
from tradeport.venues.kit.event_checks import checked_fill, checked_order, checked_position

# contracts `status` (§5.3): 1 online, 25 close-only (no new exposure), 5 pre-online,
# 0 offline
_STATUS = {
    1: InstrumentStatus.TRADING,
    25: InstrumentStatus.HALTED,
    5: InstrumentStatus.PRE_TRADING,
    0: InstrumentStatus.DELISTED,
}
SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}
POSITION_SIDES = {"BOTH": PositionSide.BOTH, "LONG": PositionSide.LONG, "SHORT": PositionSide.SHORT}
TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_PERIOD_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


def instrument_status(status: int) -> InstrumentStatus:
    return _STATUS.get(status, InstrumentStatus.HALTED)


def parse_contract(row: m.Contract) -> Instrument:
    """One contracts row: tick and step from the decimal places, minimums as listed;
    quantities are in coin units (§5.8)."""
    base, sep, quote = row.symbol.partition("-")
    if not sep or not base or not quote:
        raise MalformedMessage(f"contract symbol {row.symbol!r} is not BASE-QUOTE")
    if row.quantityPrecision < 0 or row.pricePrecision < 0:
        raise MalformedMessage(f"contract {row.symbol}: negative precision")
    step = Decimal(1).scaleb(-row.quantityPrecision)
    leverage = min(filter(None, (row.maxLongLeverage, row.maxShortLeverage)), default=None)
    return Instrument(
        symbol=row.symbol,
        venue_symbol=row.symbol,
        asset_type=AssetType.SWAP,
        base=base,
        quote=quote,
        settle=row.currency or quote,
        tick_size=Decimal(1).scaleb(-row.pricePrecision),
        step_size=step,
        min_qty=max(row.tradeMinQuantity, step),
        min_notional=row.tradeMinUSDT,
        max_leverage=leverage,
        status=instrument_status(row.status),
    )


def fee_rates(row: m.Contract) -> tuple[Decimal, Decimal] | None:
    """(maker, taker) fee rates of a contract, when listed."""
    if row.makerFeeRate is None or row.takerFeeRate is None:
        return None
    return row.makerFeeRate, row.takerFeeRate


# -- market data -----------------------------------------------------------------------
def parse_ticker(row: m.TickerRow, symbol: str, local_ts: int | None = None) -> Ticker:
    return Ticker(
        symbol=symbol,
        last=row.lastPrice,
        bid=row.bidPrice,
        bid_qty=row.bidQty,
        ask=row.askPrice,
        ask_qty=row.askQty,
        open=row.openPrice,
        high=row.highPrice,
        low=row.lowPrice,
        volume=row.volume,
        quote_volume=row.quoteVolume,
        ts=row.closeTime,
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def parse_depth(book: m.Depth, symbol: str, local_ts: int | None = None) -> OrderBook:
    """REST depth. The documented example lists asks best-last: both sides are sorted
    best-first here whatever order they came in. No update id (§5.5)."""
    return OrderBook(
        symbol=symbol,
        bids=sorted(book.bids, key=lambda lv: -lv[0]),
        asks=sorted(book.asks, key=lambda lv: lv[0]),
        ts=book.T,
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def interval_ms(interval: str) -> int:
    """Length of a kline interval ("1m", "4h", "1d", "1w"); months are not fixed."""
    count, unit = interval[:-1], interval[-1]
    if not count.isdigit() or unit not in _PERIOD_MS:
        raise MalformedMessage(f"kline interval {interval!r} has no fixed length")
    return int(count) * _PERIOD_MS[unit]


def kline_close_ms(open_ms: int, interval: str) -> int:
    """The last millisecond of the bar opened at `open_ms` (a calendar month for 1M)."""
    if interval == "1M":
        return kit_parse.month_close_ms(open_ms)
    return open_ms + interval_ms(interval) - 1


def parse_kline(
    row: m.KlineRow | sm.KlineData,
    symbol: str,
    period: str,
    interval: str,
    now_ms: int,
    *,
    ts: int = 0,
    local_ts: int = 0,
) -> Bar:
    """A bar from a REST row or a stream push (`ts`, `local_ts`: the push's times)."""
    close_ms = kline_close_ms(row.time, interval)
    return Bar(
        symbol=symbol,
        period=period,
        open_ts=row.time,
        close_ts=close_ms,
        open=row.open,
        high=row.high,
        low=row.low,
        close=row.close,
        volume=row.volume,
        closed=close_ms < now_ms,
        ts=ts,
        local_ts=local_ts,
    )


def parse_trade(row: m.TradeRow, symbol: str, local_ts: int = 0) -> Trade:
    """A recent trade. The venue gives no trade id: time, price and size stand in."""
    return Trade(
        symbol=symbol,
        trade_id=f"{row.time}-{row.price}-{row.qty}",
        price=row.price,
        qty=row.qty,
        taker_side=Side.SELL if row.isBuyerMaker else Side.BUY,
        ts=row.time,
        local_ts=local_ts,
    )


# -- orders, fills, positions, balances ------------------------------------------------
def order_type_of(row: m.OrderRow) -> OrderType:
    if row.type == "MARKET":
        return OrderType.MARKET
    return OrderType.POST_ONLY if row.timeInForce == "PostOnly" else OrderType.LIMIT


def parse_order(row: m.OrderRow, symbol: str, status_map: Mapping[str, str]) -> Order:
    where = f"order {row.orderId}"
    otype = order_type_of(row)
    filled = row.executedQty
    order = Order(
        symbol=symbol,
        client_order_id=row.clientOrderId or None,
        order_id=str(row.orderId),
        side=kit_parse.side_of(SIDES, row.side, f"{where} side"),
        type=otype,
        time_in_force=TimeInForce.GTX if otype is OrderType.POST_ONLY else TIF.get(row.timeInForce),
        price=None if otype is OrderType.MARKET or not row.price else row.price,
        qty=row.origQty,
        filled_qty=filled,
        avg_price=row.avgPrice if filled and row.avgPrice else None,
        status=OrderStatus(status_map.get(row.status, "unknown")),
        reduce_only=row.reduceOnly,
        position_side=POSITION_SIDES.get(row.positionSide, PositionSide.BOTH),
        created_ts=row.time,
        updated_ts=row.updateTime or row.time,
        raw=msgspec.structs.asdict(row),
    )
    return checked_order(order)


def parse_balance(row: m.BalanceRow) -> Balance:
    """A v3 balance row: the wallet balance is the total, the available margin free."""
    free = max(Decimal(0), min(row.availableMargin, row.balance))
    return Balance(asset=row.asset, free=free, locked=row.balance - free)


def parse_position(row: m.PositionRow, symbol: str) -> Position:
    """A one-way position (`onlyOnePosition`) comes as the side it is on, LONG or
    SHORT, unsigned: it is our BOTH, signed (a short negative); one written BOTH is
    signed already. Hedge legs are LONG and SHORT, unsigned."""
    side = POSITION_SIDES.get(row.positionSide)
    if side is None:
        raise MalformedMessage(f"position {row.symbol}: unknown positionSide {row.positionSide!r}")
    if side is PositionSide.BOTH:
        qty = row.positionAmt
    elif row.onlyOnePosition:
        qty = -abs(row.positionAmt) if side is PositionSide.SHORT else abs(row.positionAmt)
        side = PositionSide.BOTH
    else:
        qty = abs(row.positionAmt)
    position = Position(
        symbol=symbol,
        position_side=side,
        qty=qty,
        entry_price=row.avgPrice,
        mark_price=row.markPrice,
        unrealized_pnl=row.unrealizedProfit,
        leverage=row.leverage or None,
        margin_type="isolated" if row.isolated else "cross",
        liquidation_price=row.liquidationPrice or None,
        ts=row.updateTime,
    )
    return checked_position(position)


def fill_time_ms(text: str, field: str) -> int:
    """`2006-01-02T15:04:05.999+0800` (the venue's fill time) as epoch ms."""
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return int(datetime.strptime(text, fmt).timestamp() * 1000)
        except ValueError:
            continue
    raise MalformedMessage(f"{field}: {text!r} is not a time")


def parse_fill(row: m.FillRow, symbol: str) -> Fill:
    where = f"fill {row.tradeId} of {row.orderId}"
    fill = Fill(
        symbol=symbol,
        trade_id=row.tradeId,
        order_id=row.orderId,
        client_order_id=None,
        side=kit_parse.side_of(SIDES, row.side, f"{where} side"),
        price=row.price,
        qty=row.qty,
        # the venue reports the commission charged as a negative amount
        fee=-row.commission,
        fee_asset=row.commissionAsset,
        is_maker=row.role.lower() == "maker",
        ts=fill_time_ms(row.filledTime, f"{where} filledTime"),
        position_side=POSITION_SIDES.get(row.positionSide, PositionSide.BOTH),
    )
    return checked_fill(fill)


def share_profit(fills: list[Fill], profits: Mapping[str, Decimal]) -> list[Fill]:
    """`fills` with each order's realized profit shared among its fills by quantity;
    the last fill of an order takes what rounding leaves, so the shares sum exactly."""
    totals: dict[str, Decimal] = {}
    for f in fills:
        totals[f.order_id] = totals.get(f.order_id, Decimal(0)) + f.qty
    given: dict[str, Decimal] = {}
    seen: dict[str, Decimal] = {}
    out = []
    for f in fills:
        profit = profits.get(f.order_id)
        if profit is None or not totals[f.order_id]:
            out.append(f)
            continue
        seen[f.order_id] = seen.get(f.order_id, Decimal(0)) + f.qty
        if seen[f.order_id] == totals[f.order_id]:
            share = profit - given.get(f.order_id, Decimal(0))
        else:
            share = (profit * f.qty / totals[f.order_id]).quantize(Decimal("1e-8"))
        given[f.order_id] = given.get(f.order_id, Decimal(0)) + share
        out.append(msgspec.structs.replace(f, realized_pnl=share))
    return out
