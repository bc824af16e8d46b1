"""Binance REST payloads as typed structs (field names per PROTOCOLS.md §1.3, §2.3).

Decoded with `strict=False` so that numeric strings become floats for market data;
money fields are Decimal and decode exactly from the strings Binance sends.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec


class ServerTime(msgspec.Struct):
    serverTime: int


class RateLimit(msgspec.Struct):
    rateLimitType: str
    interval: str
    intervalNum: int
    limit: int


class SymbolInfo(msgspec.Struct):
    symbol: str
    status: str
    baseAsset: str
    quoteAsset: str
    filters: list[dict[str, Any]]
    marginAsset: str | None = None
    contractType: str | None = None


class ExchangeInfo(msgspec.Struct):
    symbols: list[SymbolInfo]
    rateLimits: list[RateLimit] = []
    serverTime: int = 0


class Depth(msgspec.Struct):
    lastUpdateId: int
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]
    E: int = 0  # futures only: message output time
    T: int = 0  # futures only: transaction time


class Ticker24h(msgspec.Struct):
    symbol: str
    lastPrice: float
    openPrice: float | None = None
    highPrice: float | None = None
    lowPrice: float | None = None
    volume: float | None = None
    quoteVolume: float | None = None
    bidPrice: float | None = None  # spot FULL only; futures uses bookTicker
    bidQty: float | None = None
    askPrice: float | None = None
    askQty: float | None = None
    closeTime: int = 0


class PriceTicker(msgspec.Struct):
    symbol: str
    price: Decimal


class BookTicker(msgspec.Struct):
    symbol: str
    bidPrice: float
    bidQty: float
    askPrice: float
    askQty: float
    time: int = 0


class Kline(msgspec.Struct, array_like=True):
    open_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    close_time: int
    quote_volume: float
    trades: int


class PublicTrade(msgspec.Struct):
    id: int
    price: float
    qty: float
    time: int
    isBuyerMaker: bool


class SpotFill(msgspec.Struct):
    price: Decimal
    qty: Decimal
    commission: Decimal
    commissionAsset: str
    tradeId: int


class OrderResponse(msgspec.Struct):
    """Spot RESULT/FULL/query and futures order responses share these names."""

    symbol: str
    orderId: int
    clientOrderId: str
    # a spot cancel answers with a new clientOrderId and the order's own one here
    origClientOrderId: str | None = None
    status: str = "NEW"
    side: str = "BUY"
    type: str = "LIMIT"
    price: Decimal = Decimal(0)
    origQty: Decimal = Decimal(0)
    executedQty: Decimal = Decimal(0)
    timeInForce: str | None = None
    cummulativeQuoteQty: Decimal | None = None  # spot (sic, double m)
    cumQuote: Decimal | None = None  # futures
    avgPrice: Decimal | None = None  # futures
    reduceOnly: bool = False
    positionSide: str | None = None
    transactTime: int = 0
    time: int = 0
    updateTime: int = 0
    fills: list[SpotFill] = []


class SpotBalance(msgspec.Struct):
    asset: str
    free: Decimal
    locked: Decimal


class SpotAccount(msgspec.Struct):
    balances: list[SpotBalance]
    updateTime: int = 0
    canTrade: bool = True


class FuturesBalance(msgspec.Struct):
    asset: str
    balance: Decimal
    availableBalance: Decimal
    crossUnPnl: Decimal = Decimal(0)
    updateTime: int = 0


class PositionRisk(msgspec.Struct):
    symbol: str
    positionAmt: Decimal
    entryPrice: Decimal
    positionSide: str = "BOTH"
    markPrice: Decimal | None = None
    unRealizedProfit: Decimal = Decimal(0)
    liquidationPrice: Decimal | None = None
    leverage: int | None = None
    marginType: str | None = None
    updateTime: int = 0


class FuturesAccountAsset(msgspec.Struct):
    asset: str
    walletBalance: Decimal
    availableBalance: Decimal


class FuturesAccount(msgspec.Struct):
    totalWalletBalance: Decimal
    totalUnrealizedProfit: Decimal
    totalMarginBalance: Decimal
    availableBalance: Decimal
    assets: list[FuturesAccountAsset] = []
    positions: list[dict[str, Any]] = []


class UserTrade(msgspec.Struct):
    """Spot myTrades and futures userTrades (futures adds side/realizedPnl/positionSide)."""

    symbol: str
    id: int
    orderId: int
    price: Decimal
    qty: Decimal
    commission: Decimal
    commissionAsset: str
    time: int
    isBuyer: bool | None = None  # spot
    isMaker: bool | None = None  # spot
    buyer: bool | None = None  # futures
    maker: bool | None = None  # futures
    side: str | None = None
    realizedPnl: Decimal | None = None
    positionSide: str | None = None


class LeverageResponse(msgspec.Struct):
    symbol: str
    leverage: int


class PositionMode(msgspec.Struct):
    dualSidePosition: bool


class ErrorBody(msgspec.Struct):
    code: int
    msg: str
