"""BingX swap REST payloads (PROTOCOLS.md §5.3), as msgspec Structs. Numbers the
venue sends as JSON numbers or strings decode into Decimal exactly; market data
(strict=False decoding) into float."""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Envelope(msgspec.Struct):
    code: int
    msg: str = ""
    data: msgspec.Raw = msgspec.Raw(b"null")


class ServerTime(msgspec.Struct):
    serverTime: int


class Contract(msgspec.Struct):
    symbol: str
    quantityPrecision: int
    pricePrecision: int
    tradeMinQuantity: Decimal = Decimal(0)
    tradeMinUSDT: Decimal = Decimal(0)
    takerFeeRate: Decimal | None = None
    makerFeeRate: Decimal | None = None
    currency: str = ""
    asset: str = ""
    status: int = 1
    contractId: str = ""
    apiStateOpen: str = "true"
    apiStateClose: str = "true"
    maxLongLeverage: int | None = None
    maxShortLeverage: int | None = None


class TickerRow(msgspec.Struct):
    symbol: str
    lastPrice: float
    highPrice: float | None = None
    lowPrice: float | None = None
    openPrice: float | None = None
    volume: float | None = None
    quoteVolume: float | None = None
    bidPrice: float | None = None
    bidQty: float | None = None
    askPrice: float | None = None
    askQty: float | None = None
    closeTime: int = 0


class Depth(msgspec.Struct):
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]
    T: int = 0


class KlineRow(msgspec.Struct):
    open: float
    close: float
    high: float
    low: float
    volume: float
    time: int


class TradeRow(msgspec.Struct):
    time: int
    isBuyerMaker: bool
    price: float
    qty: float
    quoteQty: float = 0.0


class OrderRow(msgspec.Struct):
    """A query / cancel / open-orders row; the place answer's `order` has fewer fields."""

    symbol: str
    orderId: int
    side: str
    type: str
    status: str
    positionSide: str = "BOTH"
    price: Decimal = Decimal(0)
    origQty: Decimal = Decimal(0)
    executedQty: Decimal = Decimal(0)
    avgPrice: Decimal = Decimal(0)
    cumQuote: Decimal = Decimal(0)
    profit: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    clientOrderId: str = ""
    timeInForce: str = ""
    reduceOnly: bool = False
    time: int = 0
    updateTime: int = 0


class OrderAnswer(msgspec.Struct):
    order: OrderRow


class BatchRow(msgspec.Struct):
    """One item of the batch-order answer: the placed order's acknowledgement, or (an
    item the venue refused) its `code` and `msg` [?: the docs show successes only]."""

    orderId: int = 0
    clientOrderId: str = ""
    clientOrderID: str = ""
    code: int = 0
    msg: str = ""

    @property
    def client_id(self) -> str:
        return self.clientOrderId or self.clientOrderID


class BatchAnswer(msgspec.Struct):
    orders: list[BatchRow] | None = None


class OrderList(msgspec.Struct):
    orders: list[OrderRow] = []


class BalanceRow(msgspec.Struct):
    asset: str
    balance: Decimal
    equity: Decimal = Decimal(0)
    unrealizedProfit: Decimal = Decimal(0)
    availableMargin: Decimal = Decimal(0)
    usedMargin: Decimal = Decimal(0)
    freezedMargin: Decimal = Decimal(0)


class PositionRow(msgspec.Struct):
    symbol: str
    positionSide: str
    positionAmt: Decimal
    onlyOnePosition: bool = False
    avgPrice: Decimal = Decimal(0)
    unrealizedProfit: Decimal = Decimal(0)
    leverage: int = 0
    isolated: bool = False
    markPrice: Decimal | None = None
    liquidationPrice: Decimal | None = None
    updateTime: int = 0


class Leverage(msgspec.Struct):
    symbol: str = ""
    leverage: int = 0
    longLeverage: int = 0
    shortLeverage: int = 0


class FillRow(msgspec.Struct):
    """A fillHistory row; `filledTime` is text such as 2006-01-02T15:04:05.999+0800."""

    symbol: str
    orderId: str
    side: str
    price: Decimal
    qty: Decimal
    tradeId: str
    filledTime: str
    quoteQty: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    commissionAsset: str = "USDT"
    positionSide: str = "BOTH"
    role: str = ""


class FillHistory(msgspec.Struct):
    fill_history_orders: list[FillRow] = []


class MarginType(msgspec.Struct):
    marginType: str
    symbol: str = ""


class TradingRules(msgspec.Struct, frozen=True):
    """A contract's trading rules (`/openApi/swap/v1/tradingRules`): minimum size in
    coin and in USDT, the cap on open orders, the price range of buy and sell orders,
    the protection threshold and the market-order ratio. Numbers decode exactly from
    text or JSON numbers; what the answer leaves out is None."""

    minSizeCoin: Decimal | None = None
    minSizeUsd: Decimal | None = None
    maxNumOrder: int | None = None
    protectionThreshold: Decimal | None = None
    buyMaxPrice: Decimal | None = None
    buyMinPrice: Decimal | None = None
    sellMaxPrice: Decimal | None = None
    sellMinPrice: Decimal | None = None
    marketRatio: Decimal | None = None
