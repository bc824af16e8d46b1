"""Binance messages → tradeport model. Small pure functions, one per message type."""

from __future__ import annotations

import time
from collections.abc import Mapping
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
from tradeport.venues.binance import messages as m
from tradeport.venues.kit.event_checks import (
    check_amount,
    check_size,
    checked_balance,
    checked_fill,
    checked_order,
    checked_position,
)

_INSTRUMENT_STATUS = {
    "TRADING": InstrumentStatus.TRADING,
    "HALT": InstrumentStatus.HALTED,
    "BREAK": InstrumentStatus.HALTED,
    "PRE_TRADING": InstrumentStatus.PRE_TRADING,
    "PENDING_TRADING": InstrumentStatus.PRE_TRADING,
    "SETTLING": InstrumentStatus.HALTED,
    "CLOSE": InstrumentStatus.DELISTED,
    "END_OF_DAY": InstrumentStatus.HALTED,
    "DELIVERING": InstrumentStatus.HALTED,
    "DELIVERED": InstrumentStatus.DELISTED,
}
TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
POSITION_SIDE = {"BOTH": PositionSide.BOTH, "LONG": PositionSide.LONG, "SHORT": PositionSide.SHORT}


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "", "0", "0.0", 0) else Decimal(str(value))


def parse_instrument(info: m.SymbolInfo, asset_type: AssetType) -> Instrument:
    """One exchangeInfo symbol with its filters (§1.8, §2.8)."""
    filters = {f["filterType"]: f for f in info.filters}
    price = filters.get("PRICE_FILTER", {})
    lot = filters.get("LOT_SIZE", {})
    # spot: NOTIONAL{minNotional} (legacy MIN_NOTIONAL{minNotional});
    # futures: MIN_NOTIONAL{notional}
    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    min_notional = notional.get("minNotional", notional.get("notional", "0"))
    return Instrument(
        symbol=f"{info.baseAsset}-{info.quoteAsset}",
        venue_symbol=info.symbol,
        asset_type=asset_type,
        base=info.baseAsset,
        quote=info.quoteAsset,
        settle=info.marginAsset if asset_type is AssetType.SWAP else None,
        tick_size=Decimal(price.get("tickSize", "0")),
        step_size=Decimal(lot.get("stepSize", "0")),
        min_qty=Decimal(lot.get("minQty", "0")),
        max_qty=_dec(lot.get("maxQty")),
        min_price=_dec(price.get("minPrice")),
        max_price=_dec(price.get("maxPrice")),
        min_notional=Decimal(min_notional),
        status=_INSTRUMENT_STATUS.get(info.status, InstrumentStatus.HALTED),
    )


def parse_instruments(info: m.ExchangeInfo, asset_type: AssetType) -> list[Instrument]:
    out = []
    for s in info.symbols:
        # USDT-M exchangeInfo also lists delivery contracts; a SWAP is a perpetual only
        if asset_type is AssetType.SWAP and s.contractType not in (None, "PERPETUAL"):
            continue
        out.append(parse_instrument(s, asset_type))
    return out


def parse_depth(d: m.Depth, symbol: str, local_ts: int | None = None) -> OrderBook:
    return OrderBook(
        symbol=symbol,
        bids=d.bids,
        asks=d.asks,
        update_id=d.lastUpdateId,
        ts=d.T or d.E,
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def parse_ticker(
    t: m.Ticker24h, symbol: str, book: m.BookTicker | None = None, local_ts: int | None = None
) -> Ticker:
    """24 h ticker; futures carry no bid/ask there, so the book ticker fills them in."""
    bid, bid_qty, ask, ask_qty = t.bidPrice, t.bidQty, t.askPrice, t.askQty
    if book is not None:
        bid, bid_qty, ask, ask_qty = book.bidPrice, book.bidQty, book.askPrice, book.askQty
    return Ticker(
        symbol=symbol,
        last=t.lastPrice,
        bid=bid,
        bid_qty=bid_qty,
        ask=ask,
        ask_qty=ask_qty,
        open=t.openPrice,
        high=t.highPrice,
        low=t.lowPrice,
        volume=t.volume,
        quote_volume=t.quoteVolume,
        ts=t.closeTime,
        local_ts=time.time_ns() if local_ts is None else local_ts,
    )


def parse_kline(k: m.Kline, symbol: str, period: str, now_ms: int) -> Bar:
    return Bar(
        symbol=symbol,
        period=period,
        open_ts=k.open_time,
        close_ts=k.close_time,
        open=k.open,
        high=k.high,
        low=k.low,
        close=k.close,
        volume=k.volume,
        quote_volume=k.quote_volume,
        trades=k.trades,
        closed=k.close_time < now_ms,
    )


def parse_trade(t: m.PublicTrade, symbol: str, local_ts: int = 0) -> Trade:
    return Trade(
        symbol=symbol,
        trade_id=str(t.id),
        price=t.price,
        qty=t.qty,
        # the buyer being the maker means the seller took liquidity
        taker_side=Side.SELL if t.isBuyerMaker else Side.BUY,
        ts=t.time,
        local_ts=local_ts,
    )


def order_type_of(venue_type: str, tif: str | None) -> OrderType:
    if venue_type == "LIMIT_MAKER" or (venue_type == "LIMIT" and tif == "GTX"):
        return OrderType.POST_ONLY
    return OrderType.MARKET if venue_type == "MARKET" else OrderType.LIMIT


def parse_order(
    o: m.OrderResponse,
    symbol: str,
    status_map: Mapping[str, str],
    raw: dict[str, Any] | None = None,
) -> Order:
    cum_quote = o.cummulativeQuoteQty if o.cummulativeQuoteQty is not None else o.cumQuote
    where = f"order {o.orderId}"
    for value, field in ((cum_quote, "cummulativeQuoteQty"), (o.executedQty, "executedQty")):
        if value is not None:  # checked before the average is computed from them
            check_size(value, f"{where} {field}")
    avg = o.avgPrice if o.avgPrice else None
    if avg is None and cum_quote and o.executedQty:
        avg = cum_quote / o.executedQty
    order = Order(
        symbol=symbol,
        client_order_id=o.origClientOrderId or o.clientOrderId,
        order_id=str(o.orderId),
        side=Side(o.side.lower()),
        type=order_type_of(o.type, o.timeInForce),
        time_in_force=TimeInForce.GTX if o.timeInForce == "GTX" else TIF.get(o.timeInForce or ""),
        price=o.price if o.price else None,
        qty=o.origQty,
        filled_qty=o.executedQty,
        avg_price=avg,
        status=OrderStatus(status_map.get(o.status, "unknown")),
        reduce_only=o.reduceOnly,
        position_side=POSITION_SIDE.get(o.positionSide or "BOTH", PositionSide.BOTH),
        created_ts=o.time or o.transactTime,
        updated_ts=o.updateTime or o.transactTime,
        raw=raw if raw is not None else msgspec.structs.asdict(o),
    )
    return checked_order(order)


def parse_spot_balances(acct: m.SpotAccount) -> dict[str, Balance]:
    return {
        b.asset: checked_balance(Balance(asset=b.asset, free=b.free, locked=b.locked))
        for b in acct.balances
    }


def _futures_balance(asset: str, wallet: Decimal, available: Decimal) -> Balance:
    check_amount(wallet, f"balance {asset} wallet")  # checked before they are compared
    check_amount(available, f"balance {asset} available")
    # locked = what margin and open orders hold: wallet balance minus what is available
    return Balance(asset=asset, free=available, locked=max(Decimal(0), wallet - available))


def parse_futures_balances(rows: list[m.FuturesBalance]) -> dict[str, Balance]:
    return {r.asset: _futures_balance(r.asset, r.balance, r.availableBalance) for r in rows}


def parse_account_balances(acct: m.FuturesAccount) -> dict[str, Balance]:
    """The same balances as /fapi/v2/balance, from the account's `assets`."""
    return {
        a.asset: _futures_balance(a.asset, a.walletBalance, a.availableBalance) for a in acct.assets
    }


def parse_position(p: m.PositionRisk, symbol: str) -> Position:
    side = POSITION_SIDE.get(p.positionSide, PositionSide.BOTH)
    check_amount(p.positionAmt, f"position {symbol} positionAmt")  # before abs()
    position = Position(
        symbol=symbol,
        position_side=side,
        # Binance signs a SHORT leg's amount; the model keeps legs non-negative and the
        # sign only in one-way mode (BOTH)
        qty=p.positionAmt if side is PositionSide.BOTH else abs(p.positionAmt),
        entry_price=p.entryPrice,
        mark_price=p.markPrice,
        unrealized_pnl=p.unRealizedProfit,
        leverage=p.leverage,
        margin_type=p.marginType,
        liquidation_price=p.liquidationPrice or None,
        ts=p.updateTime,
    )
    return checked_position(position)


def parse_user_trade(t: m.UserTrade, symbol: str) -> Fill:
    if t.side is not None:
        side = Side(t.side.lower())
    else:
        side = Side.BUY if t.isBuyer else Side.SELL
    is_maker = bool(t.maker if t.maker is not None else t.isMaker)
    fill = Fill(
        symbol=symbol,
        trade_id=str(t.id),
        order_id=str(t.orderId),
        client_order_id=None,  # Binance trade lists do not carry it
        side=side,
        price=t.price,
        qty=t.qty,
        fee=t.commission,
        fee_asset=t.commissionAsset,
        is_maker=is_maker,
        ts=t.time,
        realized_pnl=t.realizedPnl,
        position_side=POSITION_SIDE.get(t.positionSide or "BOTH", PositionSide.BOTH),
    )
    return checked_fill(fill)
