"""OKX v5 messages → tradeport model. Small pure functions, one per message type.

Sizes leave here in base units: a swap's contracts are converted through the
instrument's `Contract` (contracts.py). The order, fill, position and balance parsers
serve both the REST answers and the private WebSocket channels.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
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
from tradeport.venues.kit import parse as kit_parse
from tradeport.venues.kit.event_checks import checked_fill, checked_order, checked_position
from tradeport.venues.kit.parse import dec as dec
from tradeport.venues.kit.parse import dec_at_least_zero as dec_at_least_zero
from tradeport.venues.kit.parse import dec_or_none as dec_or_none
from tradeport.venues.kit.parse import ms as ms
from tradeport.venues.okx import messages as m
from tradeport.venues.okx.contracts import Contract

# instrument `state` (§3.8)
_INSTRUMENT_STATUS = {
    "live": InstrumentStatus.TRADING,
    "suspend": InstrumentStatus.HALTED,
    "preopen": InstrumentStatus.PRE_TRADING,
    "test": InstrumentStatus.HALTED,
    "expired": InstrumentStatus.DELISTED,
}
# `ordType` → (type, time in force). optimal_limit_ioc is a market order that takes
# what it can at the best prices and cancels the rest.
_ORD_TYPES: dict[str, tuple[OrderType, TimeInForce | None]] = {
    "market": (OrderType.MARKET, None),
    "limit": (OrderType.LIMIT, TimeInForce.GTC),
    "post_only": (OrderType.POST_ONLY, TimeInForce.GTX),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC),
    "fok": (OrderType.LIMIT, TimeInForce.FOK),
    "optimal_limit_ioc": (OrderType.MARKET, TimeInForce.IOC),
}
SIDES = {"buy": Side.BUY, "sell": Side.SELL}
POSITION_SIDES = {"net": PositionSide.BOTH, "long": PositionSide.LONG, "short": PositionSide.SHORT}
# `cancelSource` of an order the venue closed on arrival: a post-only that would have
# taken (31), a FOK that could not fill in full (13), an IOC's unfilled rest (14).
# The model calls these expired, not cancelled.
POST_ONLY_WOULD_TAKE = "31"
_EXPIRED_BY = frozenset({POST_ONLY_WOULD_TAKE, "13", "14"})

_BAR = re.compile(r"(\d+)([smHDWM])(utc)?")
_UNIT_MS = {"s": 1000, "m": 60_000, "H": 3_600_000, "D": 86_400_000, "W": 7 * 86_400_000}
# bars from 6H up without the `utc` suffix are aligned to Hong Kong time (§3.3)
_HK = timedelta(hours=8)


# -- scalars ---------------------------------------------------------------------------
def fnum(value: str, field: str) -> float | None:
    """A market-data number; "" (no ask in an empty book, say) is None."""
    if value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise MalformedMessage(f"{field}: {value!r} is not a number") from None


def side_of(value: str, field: str) -> Side:
    return kit_parse.side_of(SIDES, value, field)


def flag(value: str) -> bool:
    """OKX booleans are the strings "true" / "false"."""
    return value == "true"


# -- instruments -----------------------------------------------------------------------
def _symbol_parts(row: m.InstrumentRow, asset_type: AssetType) -> tuple[str, str]:
    if asset_type is AssetType.SPOT:
        return row.baseCcy, row.quoteCcy
    # a linear swap's family is BASE-QUOTE (BTC-USDT for BTC-USDT-SWAP)
    base, sep, quote = (row.instFamily or row.uly).partition("-")
    if not sep:
        raise MalformedMessage(f"instrument {row.instId}: no instFamily/uly BASE-QUOTE")
    return base, quote


def parse_instrument(row: m.InstrumentRow, asset_type: AssetType) -> Contract:
    """One instruments row (§3.8). A swap's `lotSz`/`minSz`/`maxLmtSz` are contracts: the
    Instrument states them in base units (× ctVal × ctMult), the unit every tradeport
    quantity is in, so its `contract_size` is 1; the venue's contract size (ctVal ×
    ctMult) is its `contract_value`. OKX publishes no minimum order value."""
    where = f"instrument {row.instId}"
    base, quote = _symbol_parts(row, asset_type)
    lot = dec(row.lotSz, f"{where} lotSz")
    min_size = dec(row.minSz, f"{where} minSz")
    if asset_type is AssetType.SWAP:
        ct_val = dec(row.ctVal, f"{where} ctVal")
        ct_mult = dec(row.ctMult or "1", f"{where} ctMult")
    else:
        ct_val = ct_mult = Decimal(1)
    multiplier = ct_val * ct_mult
    max_size = dec_or_none(row.maxLmtSz, f"{where} maxLmtSz")
    max_leverage = None
    if row.lever:
        max_leverage = int(dec(row.lever, f"{where} lever"))
    instrument = Instrument(
        symbol=f"{base}-{quote}",
        venue_symbol=row.instId,
        asset_type=asset_type,
        base=base,
        quote=quote,
        settle=(row.settleCcy or quote) if asset_type is AssetType.SWAP else None,
        tick_size=dec(row.tickSz, f"{where} tickSz"),
        step_size=lot * multiplier,
        min_qty=min_size * multiplier,
        min_notional=Decimal(0),
        max_qty=None if max_size is None else max_size * multiplier,
        contract_size=Decimal(1),
        max_leverage=max_leverage or None,
        status=_INSTRUMENT_STATUS.get(row.state, InstrumentStatus.HALTED),
        contract_value=multiplier if asset_type is AssetType.SWAP else None,
    )
    return Contract(
        instrument=instrument, ct_val=ct_val, ct_mult=ct_mult, lot=lot, min_size=min_size
    )


def parse_instruments(rows: list[m.InstrumentRow], asset_type: AssetType) -> list[Contract]:
    out = []
    for row in rows:
        # instType=SWAP also lists inverse (coin-margined) swaps, sized in USD: a
        # tradeport SWAP is a linear perpetual only
        if asset_type is AssetType.SWAP and row.ctType != "linear":
            continue
        out.append(parse_instrument(row, asset_type))
    return out


# -- market data -----------------------------------------------------------------------
def _size(inst: Contract, value: str, field: str) -> float | None:
    return None if fnum(value, field) is None else inst.size_float(value)


def parse_ticker(row: m.TickerRow, inst: Contract, local_ts: int | None = None) -> Ticker:
    """A ticker row. Spot's `vol24h` is base and `volCcy24h` quote; a swap's `vol24h`
    is contracts and `volCcy24h` base, with no quote volume given."""
    where = f"ticker {row.instId}"
    if inst.is_swap:
        volume = fnum(row.volCcy24h, f"{where} volCcy24h")
        quote_volume = None
    else:
        volume = fnum(row.vol24h, f"{where} vol24h")
        quote_volume = fnum(row.volCcy24h, f"{where} volCcy24h")
    last = fnum(row.last, f"{where} last")
    if last is None:
        raise MalformedMessage(f"{where}: no last price")
    return Ticker(
        symbol=inst.symbol,
        last=last,
        bid=fnum(row.bidPx, f"{where} bidPx"),
        bid_qty=_size(inst, row.bidSz, f"{where} bidSz"),
        ask=fnum(row.askPx, f"{where} askPx"),
        ask_qty=_size(inst, row.askSz, f"{where} askSz"),
        open=fnum(row.open24h, f"{where} open24h"),  # the price 24 h ago
        high=fnum(row.high24h, f"{where} high24h"),
        low=fnum(row.low24h, f"{where} low24h"),
        volume=volume,
        quote_volume=quote_volume,
        ts=ms(row.ts, f"{where} ts"),
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def book_levels(levels: list[list[str]], inst: Contract, field: str) -> list[tuple[float, float]]:
    """[[px, sz, "0", orders], ...] as (price, base size) pairs, order kept."""
    out = []
    for level in levels:
        if len(level) < 2:
            raise MalformedMessage(f"{field}: level {level!r} has no price and size")
        try:
            out.append((float(level[0]), inst.size_float(level[1])))
        except ValueError:
            raise MalformedMessage(f"{field}: level {level!r} is not numeric") from None
    return out


def parse_depth(book: m.BookRow, inst: Contract, local_ts: int | None = None) -> OrderBook:
    """REST order book: asks ascending, bids descending. REST carries no sequence id,
    so `update_id` is the channel's `seqId` when the row came from a stream, else 0."""
    where = f"books {inst.venue_symbol}"
    return OrderBook(
        symbol=inst.symbol,
        bids=book_levels(book.bids, inst, f"{where} bids"),
        asks=book_levels(book.asks, inst, f"{where} asks"),
        update_id=book.seqId,
        ts=ms(book.ts, f"{where} ts"),
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def bar_close_ms(open_ms: int, bar: str) -> int:
    """The last millisecond of the `bar` ("1m", "4H", "1Dutc", "1Mutc"...) opened at
    `open_ms`. A month is the calendar month, in UTC or Hong Kong time as the bar says."""
    match = _BAR.fullmatch(bar)
    if match is None:
        raise MalformedMessage(f"candle bar {bar!r} is not an OKX bar")
    count, unit, utc = int(match.group(1)), match.group(2), match.group(3)
    if unit != "M":
        return open_ms + count * _UNIT_MS[unit] - 1
    shift = timedelta(0) if utc else _HK
    start = datetime.fromtimestamp(open_ms / 1000, UTC) + shift
    month, year = start.month - 1 + count, start.year
    year, month = year + month // 12, month % 12 + 1
    end = datetime(year, month, 1, tzinfo=UTC) - shift
    return int(end.timestamp() * 1000) - 1


def parse_kline(row: m.CandleRow, inst: Contract, period: str, bar: str) -> Bar:
    """[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]. A swap's base volume is
    `volCcy` (its `vol` is contracts); spot's is `vol`."""
    where = f"candle {inst.venue_symbol}"
    if len(row) < 9:
        raise MalformedMessage(f"{where}: {len(row)} fields, expected 9")
    values = [fnum(v, f"{where} field {i}") or 0.0 for i, v in enumerate(row[1:8], 1)]
    o, h, low, c, vol, vol_ccy, vol_quote = values
    open_ms = ms(row[0], f"{where} ts")
    return Bar(
        symbol=inst.symbol,
        period=period,
        open_ts=open_ms,
        close_ts=bar_close_ms(open_ms, bar),
        open=o,
        high=h,
        low=low,
        close=c,
        volume=vol_ccy if inst.is_swap else vol,
        quote_volume=vol_quote,
        closed=row[8] == "1",
    )


def parse_trade(row: m.PublicTradeRow, inst: Contract, local_ts: int = 0) -> Trade:
    where = f"trade {row.instId}/{row.tradeId}"
    price = fnum(row.px, f"{where} px")
    size = _size(inst, row.sz, f"{where} sz")
    if price is None or size is None:
        raise MalformedMessage(f"{where}: no price or size")
    return Trade(
        symbol=inst.symbol,
        trade_id=row.tradeId,
        price=price,
        qty=size,
        taker_side=side_of(row.side, f"{where} side"),
        ts=ms(row.ts, f"{where} ts"),
        local_ts=local_ts,
    )


# -- orders, fills, positions, balances -----------------------------------------------
def order_kind(ord_type: str) -> tuple[OrderType, TimeInForce | None]:
    """The model's type and time in force of an `ordType`; option-only kinds (mmp,
    op_fok, elp...) are limit orders."""
    return _ORD_TYPES.get(ord_type, (OrderType.LIMIT, None))


def parse_order(
    row: m.OrderRow,
    inst: Contract,
    status_map: Mapping[str, str],
    raw: dict[str, Any] | None = None,
    local_ts: int = 0,
) -> Order:
    """An order-details / orders-pending / orders-history row, or an `orders` channel
    row. A spot market buy sized in the quote currency (`tgtCcy` quote_ccy, what OKX
    does when not told otherwise) has no base quantity until it fills: its quantity is
    then what it filled."""
    where = f"order {row.ordId}"
    filled = inst.to_base(dec_at_least_zero(row.accFillSz, f"{where} accFillSz"))
    if row.tgtCcy == "quote_ccy":
        qty = filled
    else:
        qty = inst.to_base(dec_at_least_zero(row.sz, f"{where} sz"))
    otype, tif = order_kind(row.ordType)
    status = OrderStatus(status_map.get(row.state, "unknown"))
    if status is OrderStatus.CANCELED and row.cancelSource in _EXPIRED_BY:
        status = OrderStatus.EXPIRED
    order = Order(
        symbol=inst.symbol,
        client_order_id=row.clOrdId or None,
        order_id=row.ordId,
        side=side_of(row.side, f"{where} side"),
        type=otype,
        time_in_force=tif,
        price=None if otype is OrderType.MARKET else dec_or_none(row.px, f"{where} px"),
        qty=qty,
        filled_qty=filled,
        avg_price=dec_or_none(row.avgPx, f"{where} avgPx") if filled else None,
        status=status,
        reduce_only=flag(row.reduceOnly),
        position_side=POSITION_SIDES.get(row.posSide, PositionSide.BOTH),
        created_ts=ms(row.cTime, f"{where} cTime"),
        updated_ts=ms(row.uTime, f"{where} uTime"),
        local_ts=local_ts,
        raw=raw if raw is not None else msgspec.structs.asdict(row),
    )
    return checked_order(order)


def parse_fill(row: m.FillRow, inst: Contract, local_ts: int = 0) -> Fill:
    """A fills / fills-history row (or `fills` channel row). OKX's fee is signed from
    the account's side (negative: charged); a Fill's fee is what was paid."""
    where = f"fill {row.tradeId} of {row.ordId}"
    pnl = dec(row.fillPnl, f"{where} fillPnl") if row.fillPnl else None
    fill = Fill(
        symbol=inst.symbol,
        trade_id=row.tradeId,
        order_id=row.ordId,
        client_order_id=row.clOrdId or None,
        side=side_of(row.side, f"{where} side"),
        price=dec_at_least_zero(row.fillPx, f"{where} fillPx"),
        qty=inst.to_base(dec_at_least_zero(row.fillSz, f"{where} fillSz")),
        fee=-dec(row.fee, f"{where} fee"),
        fee_asset=row.feeCcy or inst.instrument.quote,
        is_maker=row.execType == "M",
        ts=ms(row.fillTime or row.ts, f"{where} fillTime"),
        realized_pnl=pnl,
        position_side=POSITION_SIDES.get(row.posSide, PositionSide.BOTH),
        local_ts=local_ts,
    )
    return checked_fill(fill)


def fill_of_order(row: m.OrderRow, inst: Contract, local_ts: int = 0) -> Fill | None:
    """The fill an `orders` channel push reports (`tradeId`, `fillSz`, `fillFee`...),
    or None when the push is not a fill (placed, cancelled, amended)."""
    where = f"order {row.ordId} fill {row.tradeId}"
    size = dec_at_least_zero(row.fillSz, f"{where} fillSz")
    if not row.tradeId or not size:
        return None
    pnl = dec(row.fillPnl, f"{where} fillPnl") if row.fillPnl else None
    fill = Fill(
        symbol=inst.symbol,
        trade_id=row.tradeId,
        order_id=row.ordId,
        client_order_id=row.clOrdId or None,
        side=side_of(row.side, f"{where} side"),
        price=dec_at_least_zero(row.fillPx, f"{where} fillPx"),
        qty=inst.to_base(size),
        fee=-dec(row.fillFee, f"{where} fillFee"),
        fee_asset=row.fillFeeCcy or row.feeCcy or inst.instrument.quote,
        is_maker=row.execType == "M",
        ts=ms(row.fillTime, f"{where} fillTime"),
        realized_pnl=pnl,
        position_side=POSITION_SIDES.get(row.posSide, PositionSide.BOTH),
        local_ts=local_ts,
    )
    return checked_fill(fill)


def parse_position(row: m.PositionRow, inst: Contract, local_ts: int = 0) -> Position:
    """A positions row or `positions` channel row. A net-mode position is signed (a
    negative `pos` is short); long/short legs are not."""
    where = f"position {row.instId}/{row.posSide}"
    side = POSITION_SIDES.get(row.posSide)
    if side is None:
        raise MalformedMessage(f"{where}: unknown posSide {row.posSide!r}")
    qty = inst.to_base(dec(row.pos, f"{where} pos"))
    if side is not PositionSide.BOTH:
        qty = abs(qty)
    leverage = dec(row.lever, f"{where} lever")
    position = Position(
        symbol=inst.symbol,
        position_side=side,
        qty=qty,
        entry_price=dec(row.avgPx, f"{where} avgPx"),
        mark_price=dec_or_none(row.markPx, f"{where} markPx"),
        unrealized_pnl=dec(row.upl, f"{where} upl"),
        leverage=int(leverage) if leverage else None,
        margin_type=row.mgnMode or None,
        liquidation_price=dec_or_none(row.liqPx, f"{where} liqPx"),
        ts=ms(row.uTime, f"{where} uTime"),
        local_ts=local_ts,
    )
    return checked_position(position)


def parse_balance_detail(detail: m.BalanceDetail, ts: int = 0, local_ts: int = 0) -> Balance:
    """One currency: its cash balance is the total; what is not available (held by open
    orders, or as margin of positions) is locked."""
    where = f"balance {detail.ccy}"
    total = dec(detail.cashBal, f"{where} cashBal")
    if detail.availBal:
        free = dec(detail.availBal, f"{where} availBal")
    else:
        free = total - dec(detail.frozenBal, f"{where} frozenBal")
    free = min(max(free, Decimal(0)), max(total, Decimal(0)))
    return Balance(asset=detail.ccy, free=free, locked=total - free, ts=ts, local_ts=local_ts)


def parse_balance(row: m.BalanceRow, ts: int = 0, local_ts: int = 0) -> dict[str, Balance]:
    """Every currency of one account/balance row (REST or `account` channel)."""
    return {d.ccy: parse_balance_detail(d, ts, local_ts) for d in row.details}
