"""BingX swap payloads built from engine state (PROTOCOLS.md §5.3 field names). Pure
functions; decimals go out as strings, as the venue sends them."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tradeport.emulator.listing import ListingState
from tradeport.emulator.marketdata import BookView, Kline, PublicTrade, Ticker24h
from tradeport.emulator.orders import EngineFill, EngineOrder
from tradeport.emulator.perp import EnginePosition, PerpWallet
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.bingx.emulator.context import wire_symbol

_UTC8 = timezone(timedelta(hours=8))
# Orders placed without a client id get an engine one with this prefix, which the
# venue's charset (letters, digits, "-", "_") cannot produce; answers show "".
AUTO_CLIENT_ID = "~"


def client_id_text(client_order_id: str) -> str:
    """The `clientOrderId` of an order: what the user gave, or "" when they gave none."""
    return "" if client_order_id.startswith(AUTO_CLIENT_ID) else client_order_id


def gz(payload: object) -> bytes:
    """A stream frame as the venue sends every one: compact JSON, gzip-compressed."""
    return gzip.compress(json.dumps(payload, separators=(",", ":")).encode())


def s(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def places(step: Decimal) -> int:
    """Decimal places of a power-of-ten step (0.01 -> 2, 1 -> 0)."""
    return max(0, -int(step.normalize().as_tuple().exponent))


# contracts `status` by listing state (§5.3): 1 online, 25 close-only, 5 pre-online,
# 0 offline
CONTRACT_STATUS = {
    ListingState.TRADING: 1,
    ListingState.CLOSE_ONLY: 25,
    ListingState.PRE_LAUNCH: 5,
    ListingState.DELISTED: 0,
}


def contract(
    spec: SymbolSpec,
    fees: tuple[Decimal, Decimal],
    index: int,
    state: ListingState = ListingState.TRADING,
) -> dict[str, object]:
    maker, taker = fees
    return {
        "contractId": str(100 + index),
        "symbol": wire_symbol(spec),
        "size": s(spec.step_size),
        "quantityPrecision": places(spec.step_size),
        "pricePrecision": places(spec.tick_size),
        "feeRate": float(taker),
        "makerFeeRate": float(maker),
        "takerFeeRate": float(taker),
        "tradeMinLimit": 0,
        "tradeMinQuantity": float(spec.min_qty),
        "tradeMinUSDT": float(spec.min_notional),
        "maxLongLeverage": spec.max_leverage,
        "maxShortLeverage": spec.max_leverage,
        "currency": spec.quote,
        "asset": spec.base,
        "status": CONTRACT_STATUS[state],
        "apiStateOpen": "true",
        "apiStateClose": "true",
        "ensureTrigger": False,
        "triggerFeeRate": "0.00020000",
        "brokerState": False,
        "launchTime": 1_586_275_200_000,
        "maintainTime": 0,
        "offTime": 0,
        "displayName": wire_symbol(spec),
    }


def trading_rules(spec: SymbolSpec) -> dict[str, object]:
    return {
        "symbol": wire_symbol(spec),
        "minSizeCoin": s(spec.min_qty),
        "minSizeUsd": s(spec.min_notional),
        "maxNumOrder": spec.max_num_orders,
        "buyMaxPrice": s(spec.max_price),
        "buyMinPrice": s(spec.min_price),
        "sellMaxPrice": s(spec.max_price),
        "sellMinPrice": s(spec.min_price),
    }


def ticker(symbol: str, t: Ticker24h) -> dict[str, object]:
    change = t.last - t.open
    pct = (change / t.open * 100) if t.open else Decimal(0)
    return {
        "symbol": symbol,
        "priceChange": s(change),
        "priceChangePercent": s(round(pct, 2)),
        "lastPrice": s(t.last),
        "lastQty": s(t.last_qty),
        "highPrice": s(t.high),
        "lowPrice": s(t.low),
        "volume": s(t.volume),
        "quoteVolume": s(t.quote_volume),
        "openPrice": s(t.open),
        "openTime": t.open_ms,
        "closeTime": t.close_ms,
        "bidPrice": s(t.bid),
        "bidQty": s(t.bid_qty),
        "askPrice": s(t.ask),
        "askQty": s(t.ask_qty),
    }


def depth(view: BookView) -> dict[str, object]:
    """As the documented example lists them: bids best first, asks best last."""
    return {
        "T": view.ts_ms,
        "bids": [[s(p), s(q)] for p, q in view.bids],
        "asks": [[s(p), s(q)] for p, q in reversed(view.asks)],
        "bidsCoin": [[s(p), s(q)] for p, q in view.bids],
        "asksCoin": [[s(p), s(q)] for p, q in reversed(view.asks)],
    }


def ticker_push(symbol: str, t: Ticker24h, event_ms: int) -> dict[str, object]:
    """`@ticker`'s data (`e: 24hTicker`)."""
    change = t.last - t.open
    pct = (change / t.open * 100) if t.open else Decimal(0)
    return {
        "e": "24hTicker",
        "E": event_ms,
        "s": symbol,
        "p": s(change),
        "P": s(round(pct, 2)),
        "c": s(t.last),
        "L": s(t.last_qty),
        "h": s(t.high),
        "l": s(t.low),
        "v": s(t.volume),
        "q": s(t.quote_volume),
        "o": s(t.open),
        "O": t.open_ms,
        "C": t.close_ms,
        "A": s(t.ask),
        "a": s(t.ask_qty),
        "B": s(t.bid),
        "b": s(t.bid_qty),
    }


def kline_push(k: Kline) -> dict[str, object]:
    """A bar of `@kline_<interval>`'s data list: `T` is its open time."""
    return {
        "c": s(k.close),
        "o": s(k.open),
        "h": s(k.high),
        "l": s(k.low),
        "v": s(k.volume),
        "T": k.open_ms,
    }


def kline(k: Kline) -> dict[str, object]:
    return {
        "open": s(k.open),
        "close": s(k.close),
        "high": s(k.high),
        "low": s(k.low),
        "volume": s(k.volume),
        "time": k.open_ms,
    }


def trade(t: PublicTrade) -> dict[str, object]:
    return {
        "time": t.ts_ms,
        "isBuyerMaker": t.buyer_is_maker,
        "price": s(t.price),
        "qty": s(t.qty),
        "quoteQty": s(t.quote_qty),
    }


_TIF = {"GTX": "PostOnly"}


def order(o: EngineOrder, symbol: str, profit: Decimal, commission: Decimal) -> dict[str, object]:
    """A query / cancel / open-orders row: `profit` is the realized pnl of its fills,
    `commission` what they were charged (written negative, as the venue does)."""
    return {
        "symbol": symbol,
        "orderId": o.order_id,
        "side": o.side,
        "positionSide": o.position_side,
        "type": o.type,
        "origQty": s(o.qty),
        "price": s(o.price or Decimal(0)),
        "executedQty": s(o.filled_qty),
        "avgPrice": s(o.avg_price),
        "cumQuote": s(o.cum_quote),
        "stopPrice": "",
        "profit": s(profit),
        "commission": s(-commission),
        "status": o.status,
        "time": o.created_ms,
        "updateTime": o.updated_ms,
        "clientOrderId": client_id_text(o.client_order_id),
        "timeInForce": _TIF.get(o.tif, o.tif),
        "reduceOnly": o.reduce_only,
        "workingType": "MARK_PRICE",
    }


def order_ack(o: EngineOrder, symbol: str) -> dict[str, object]:
    """The place answer's `order` (a subset of the row, `clientOrderID` spelt so)."""
    return {
        "symbol": symbol,
        "side": o.side,
        "type": o.type,
        "positionSide": o.position_side,
        "reduceOnly": o.reduce_only,
        "orderId": o.order_id,
        "workingType": "MARK_PRICE",
        "clientOrderID": client_id_text(o.client_order_id),
        "clientOrderId": client_id_text(o.client_order_id),
        "stopGuaranteed": "false",
        "status": o.status,
        "avgPrice": s(o.avg_price),
        "executedQty": s(o.filled_qty),
    }


def balance(w: PerpWallet, short_uid: str) -> dict[str, object]:
    return {
        "userId": short_uid,
        "asset": w.asset,
        "balance": s(w.balance),
        "equity": s(w.margin_balance),
        "unrealizedProfit": s(w.unrealized_pnl),
        "realisedProfit": "0",
        "availableMargin": s(max(Decimal(0), w.available)),
        "usedMargin": s(w.position_margin),
        "freezedMargin": s(w.order_margin),
        "shortUid": short_uid,
    }


def position(
    p: EnginePosition, symbol: str, now_ms: int, isolated: bool = False
) -> dict[str, object]:
    """A position row. One-way mode shows the position as the side it is on (LONG or
    SHORT), unsigned, with `onlyOnePosition` true (as ccxt's sample of the venue's
    answer shows it [?]); hedge mode each leg."""
    one_way = p.position_side == "BOTH"
    side = ("LONG" if p.qty >= 0 else "SHORT") if one_way else p.position_side
    return {
        "symbol": symbol,
        "positionId": f"{symbol}-{p.position_side}",
        "positionSide": side,
        "onlyOnePosition": one_way,
        "isolated": isolated,
        "positionAmt": s(abs(p.qty)),
        "availableAmt": s(abs(p.qty)),
        "unrealizedProfit": s(p.unrealized_pnl),
        "realisedProfit": "0",
        "initialMargin": s(p.margin),
        "margin": s(p.margin),
        "avgPrice": s(p.entry_price),
        "liquidationPrice": float(p.liquidation_price),
        "leverage": p.leverage,
        "positionValue": s(abs(p.qty) * p.mark_price),
        "markPrice": s(p.mark_price),
        "riskRate": "0",
        "maxMarginReduction": "0",
        "pnlRatio": "0",
        "updateTime": now_ms,
    }


def fill_time(ts_ms: int) -> str:
    """A fill's time as the venue writes it: 2006-01-02T15:04:05.999+0800."""
    moment = datetime.fromtimestamp(ts_ms / 1000, _UTC8)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}+0800"


def fill(f: EngineFill, symbol: str) -> dict[str, object]:
    return {
        "symbol": symbol,
        "qty": s(f.qty),
        "price": s(f.price),
        "quoteQty": s(f.quote_qty),
        "commission": s(-f.fee),
        "commissionAsset": f.fee_asset,
        "orderId": str(f.order_id),
        "tradeId": str(f.trade_id),
        "filledTime": fill_time(f.ts_ms),
        "side": f.side,
        "positionSide": f.position_side,
        "role": "maker" if f.is_maker else "taker",
    }


# -- the account stream (§5.4) ---------------------------------------------------------
def execution_type(o: EngineOrder, f: EngineFill | None) -> str:
    """`x`: what this event did to the order (one event per fill, one on acceptance,
    one when it leaves the book unfilled)."""
    if f is not None:
        return "TRADE"
    return o.status if o.status in ("CANCELED", "EXPIRED") else "NEW"


def order_trade_update(
    o: EngineOrder, f: EngineFill | None, symbol: str, event_ms: int
) -> dict[str, object]:
    """`ORDER_TRADE_UPDATE`. A fill's size, price and trade id go in `l`, `L` and `t`,
    its commission (negative, as REST writes it) in `n`, its realized pnl in `rp` and
    whether it made the book in `m` [?: `t` and `m` are not in the venue's field list]."""
    body: dict[str, object] = {
        "s": symbol,
        "c": client_id_text(o.client_order_id),
        "i": o.order_id,
        "S": o.side,
        "o": o.type,
        "q": s(o.qty),
        "p": s(o.price or Decimal(0)),
        "ap": s(o.avg_price),
        "x": execution_type(o, f),
        "X": o.status,
        "N": f.fee_asset if f is not None else "USDT",
        "n": s(-f.fee) if f is not None else "0",
        "T": f.ts_ms if f is not None else o.updated_ms,
        "wt": "MARK_PRICE",
        "ps": o.position_side,
        "rp": s(f.realized_pnl) if f is not None else "0",
        "z": s(o.filled_qty),
    }
    if f is not None:
        body.update({"l": s(f.qty), "L": s(f.price), "t": str(f.trade_id), "m": f.is_maker})
    return {"e": "ORDER_TRADE_UPDATE", "E": event_ms, "T": o.updated_ms, "o": body}


def account_update(
    wallets: dict[str, Decimal],
    positions: list[tuple[str, str, Decimal, Decimal, Decimal, str]],
    event_ms: int,
) -> dict[str, object]:
    """`ACCOUNT_UPDATE`: the wallet balances and the position legs an operation changed
    (symbol, side, size signed as REST positionAmt, entry price, unrealized pnl, margin
    type as REST spells it); a closed leg has size 0."""
    return {
        "e": "ACCOUNT_UPDATE",
        "E": event_ms,
        "T": event_ms,
        "a": {
            "m": "ORDER",
            "B": [{"a": a, "wb": s(b), "cw": s(b), "bc": "0"} for a, b in wallets.items()],
            "P": [
                {"s": sym, "pa": s(qty), "ep": s(entry), "up": s(upnl),
                 "mt": stream_margin_type(mt), "iw": "0", "ps": side}
                for sym, side, qty, entry, upnl, mt in positions
            ],
        },
    }  # fmt: skip


def stream_margin_type(margin_type: str) -> str:
    """The stream's spelling (`cross` / `isolated`) of REST's CROSSED / ISOLATED."""
    return "isolated" if margin_type == "ISOLATED" else "cross"


def account_config_update(
    symbol: str, leverage: int, margin_type: str, event_ms: int
) -> dict[str, object]:
    """`ACCOUNT_CONFIG_UPDATE`: a contract's long and short leverage and margin type."""
    return {
        "e": "ACCOUNT_CONFIG_UPDATE",
        "E": event_ms,
        "ac": {"s": symbol, "l": leverage, "S": leverage, "mt": stream_margin_type(margin_type)},
    }


def listen_key_expired(key: str, event_ms: int) -> dict[str, object]:
    return {"e": "listenKeyExpired", "E": event_ms, "listenKey": key}
