"""Bybit v5 REST payloads as typed structs (field names per PROTOCOLS.md §4.3, §4.8).

Every answer comes in one envelope, `{"retCode", "retMsg", "result", "time"}`: the
envelope is decoded first, with `result` kept raw, and `result` is decoded into its
own struct only when `retCode` is 0 (an error carries `result: {}`).

Bybit sends numbers as strings, and leaves many of them empty (`""`: no average price
yet, no liquidation price, a field that does not apply to the category). Market data
decodes with `strict=False` into floats; money fields of orders, fills, positions and
wallets are kept as the venue's text here and become Decimal in parse.py, where an
empty string has a meaning (zero or none) per field. The order, execution, position
and wallet rows are shared with the private WebSocket topics, whose rows carry extra
fields: unknown fields are ignored.
"""

from __future__ import annotations

import msgspec


class Envelope(msgspec.Struct):
    retCode: int
    retMsg: str = ""
    result: msgspec.Raw = msgspec.Raw(b"{}")
    time: int = 0


class ServerTime(msgspec.Struct):
    timeSecond: str
    timeNano: str


# -- instruments -----------------------------------------------------------------------
class PriceFilter(msgspec.Struct):
    tickSize: str
    minPrice: str = ""  # linear only
    maxPrice: str = ""


class LotSizeFilter(msgspec.Struct):
    minOrderQty: str = ""
    maxOrderQty: str = ""
    qtyStep: str = ""  # linear: the quantity step
    minNotionalValue: str = ""  # linear: minimum order value in USDT
    maxMktOrderQty: str = ""
    basePrecision: str = ""  # spot: the quantity step
    quotePrecision: str = ""
    minOrderAmt: str = ""  # spot: minimum order value in the quote coin
    maxOrderAmt: str = ""
    maxLimitOrderQty: str = ""
    maxMarketOrderQty: str = ""


class LeverageFilter(msgspec.Struct):
    minLeverage: str = "1"
    maxLeverage: str = ""
    leverageStep: str = ""


class InstrumentInfo(msgspec.Struct):
    symbol: str
    status: str
    baseCoin: str
    quoteCoin: str
    priceFilter: PriceFilter
    lotSizeFilter: LotSizeFilter
    settleCoin: str = ""
    contractType: str = ""  # linear: LinearPerpetual, LinearFutures
    leverageFilter: LeverageFilter | None = None


class InstrumentsPage(msgspec.Struct):
    category: str
    rows: list[InstrumentInfo] = msgspec.field(name="list")
    nextPageCursor: str = ""  # spot has no pages


# -- market data -----------------------------------------------------------------------
class TickerRow(msgspec.Struct):
    symbol: str
    lastPrice: float
    bid1Price: float | None = None
    bid1Size: float | None = None
    ask1Price: float | None = None
    ask1Size: float | None = None
    prevPrice24h: float | None = None
    highPrice24h: float | None = None
    lowPrice24h: float | None = None
    volume24h: float | None = None
    turnover24h: float | None = None
    markPrice: float | None = None  # linear only
    indexPrice: float | None = None
    fundingRate: float | None = None
    nextFundingTime: int | None = None


class Tickers(msgspec.Struct):
    category: str
    rows: list[TickerRow] = msgspec.field(name="list")


class PriceRow(msgspec.Struct):
    """A tickers row read for valuation only: the last price, exact."""

    symbol: str
    lastPrice: str


class Prices(msgspec.Struct):
    rows: list[PriceRow] = msgspec.field(name="list")


class OrderBookSnapshot(msgspec.Struct):
    s: str
    b: list[tuple[float, float]]  # bids, best (highest) first
    a: list[tuple[float, float]]  # asks, best (lowest) first
    ts: int
    u: int  # update id; matches the 1000-level stream's `u`
    seq: int = 0  # cross sequence
    cts: int = 0  # matching-engine time of the book


class KlineRow(msgspec.Struct, array_like=True):
    start: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    turnover: float


class Klines(msgspec.Struct):
    category: str
    symbol: str
    rows: list[KlineRow] = msgspec.field(name="list")  # newest first


class PublicTradeRow(msgspec.Struct):
    execId: str
    symbol: str
    price: float
    size: float
    side: str  # the taker's side
    time: int
    isBlockTrade: bool = False


class PublicTrades(msgspec.Struct):
    category: str
    rows: list[PublicTradeRow] = msgspec.field(name="list")  # newest first


# -- trading ---------------------------------------------------------------------------
class OrderAck(msgspec.Struct):
    """create / cancel / amend: an acknowledgement, not the order's state."""

    orderId: str
    orderLinkId: str = ""


class OrderRow(msgspec.Struct):
    """/v5/order/realtime and /v5/order/history rows; the `order` topic's rows too."""

    orderId: str
    symbol: str
    side: str
    orderType: str
    orderStatus: str
    orderLinkId: str = ""
    price: str = ""
    qty: str = ""
    timeInForce: str = ""
    avgPrice: str = ""
    leavesQty: str = ""
    cumExecQty: str = ""
    cumExecValue: str = ""
    cumExecFee: str = ""
    positionIdx: int = 0
    reduceOnly: bool = False
    marketUnit: str = ""  # spot market orders: unit of `qty`
    cancelType: str = ""
    rejectReason: str = ""
    createdTime: str = ""
    updatedTime: str = ""
    category: str = ""  # stream rows only


class OrderPage(msgspec.Struct):
    rows: list[OrderRow] = msgspec.field(name="list")
    category: str = ""
    nextPageCursor: str = ""


class ExecutionRow(msgspec.Struct):
    """/v5/execution/list rows; the `execution` topic's rows too."""

    symbol: str
    orderId: str
    side: str
    execId: str
    execPrice: str
    execQty: str
    execTime: str
    orderLinkId: str = ""
    execType: str = "Trade"
    execFee: str = ""
    feeCurrency: str = ""  # empty for linear (fees are in the settle coin)
    feeRate: str = ""
    isMaker: bool = False
    execValue: str = ""
    closedSize: str = ""
    execPnl: str = ""  # realized PnL of a closing execution, before fees
    orderPrice: str = ""
    orderQty: str = ""
    leavesQty: str = ""
    orderType: str = ""
    seq: int = 0
    category: str = ""


class ExecutionPage(msgspec.Struct):
    rows: list[ExecutionRow] = msgspec.field(name="list")
    category: str = ""
    nextPageCursor: str = ""


class PositionRow(msgspec.Struct):
    """/v5/position/list rows; the `position` topic's rows too."""

    symbol: str
    positionIdx: int = 0
    side: str = ""  # Buy (long), Sell (short), "" (no position)
    size: str = "0"
    avgPrice: str = ""
    entryPrice: str = ""  # stream rows carry it alongside avgPrice
    positionValue: str = ""
    leverage: str = ""
    markPrice: str = ""
    liqPrice: str = ""
    unrealisedPnl: str = ""
    cumRealisedPnl: str = ""
    tradeMode: int = 0  # 0 cross, 1 isolated (classic accounts)
    positionStatus: str = ""
    createdTime: str = ""
    updatedTime: str = ""
    seq: int = 0
    category: str = ""


class PositionPage(msgspec.Struct):
    rows: list[PositionRow] = msgspec.field(name="list")
    category: str = ""
    nextPageCursor: str = ""


class WalletCoin(msgspec.Struct):
    coin: str
    walletBalance: str = ""
    equity: str = ""
    locked: str = ""  # spot: held by open orders
    totalOrderIM: str = ""  # derivatives: initial margin held by open orders
    totalPositionIM: str = ""  # derivatives: initial margin of positions
    unrealisedPnl: str = ""
    cumRealisedPnl: str = ""
    usdValue: str = ""
    borrowAmount: str = ""


class WalletAccount(msgspec.Struct):
    """One /v5/account/wallet-balance list entry; the `wallet` topic's rows too."""

    accountType: str
    coin: list[WalletCoin]
    totalEquity: str = ""
    totalWalletBalance: str = ""
    totalMarginBalance: str = ""
    totalAvailableBalance: str = ""
    totalPerpUPL: str = ""
    totalInitialMargin: str = ""
    totalMaintenanceMargin: str = ""


class WalletBalance(msgspec.Struct):
    rows: list[WalletAccount] = msgspec.field(name="list")
