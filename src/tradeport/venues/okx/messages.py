"""OKX v5 REST payloads as typed structs (field names per PROTOCOLS.md §3.3, §3.8).

Every answer comes in one envelope, `{"code", "msg", "data"}`, with `code` a string:
the envelope is decoded first, with `data` kept raw, and `data` is decoded into its
rows only when `code` is "0". Order entry answers carry one item per order with its
own `sCode`/`sMsg`; a refused order comes back with `code` "1" and the reason there.

OKX sends numbers as strings and leaves many empty (`""`: no average price yet, no ask
in an empty book, a field that does not apply to the market). Every value stays the
venue's text here; parse.py turns market data into floats and money into Decimal, and
gives an empty string its meaning per field. Derivative sizes (`sz`, `accFillSz`,
`fillSz`, `pos`, book and trade sizes) are contracts; parse.py converts them to base
units through contracts.py. The order, fill, position and balance rows are shared
with the private WebSocket channels, whose rows carry extra fields: unknown fields are
ignored.
"""

from __future__ import annotations

import msgspec


class Envelope(msgspec.Struct):
    code: str
    msg: str = ""
    data: msgspec.Raw = msgspec.Raw(b"[]")


class ItemResult(msgspec.Struct):
    """One item of an order-entry answer (place, cancel, amend): its own outcome."""

    sCode: str = "0"
    sMsg: str = ""
    ordId: str = ""
    clOrdId: str = ""
    tag: str = ""
    ts: str = ""


class ServerTime(msgspec.Struct):
    ts: str


# -- instruments -----------------------------------------------------------------------
class InstrumentRow(msgspec.Struct):
    instType: str
    instId: str
    tickSz: str
    lotSz: str
    minSz: str
    state: str
    uly: str = ""
    instFamily: str = ""
    baseCcy: str = ""  # spot only
    quoteCcy: str = ""  # spot only
    settleCcy: str = ""  # derivatives only
    ctVal: str = ""  # derivatives: contract value, in ctValCcy
    ctMult: str = ""
    ctValCcy: str = ""
    ctType: str = ""  # linear / inverse
    maxLmtSz: str = ""
    maxMktSz: str = ""
    lever: str = ""  # the maximum leverage
    listTime: str = ""
    expTime: str = ""


# -- market data -----------------------------------------------------------------------
class TickerRow(msgspec.Struct):
    instId: str
    last: str
    ts: str
    instType: str = ""
    lastSz: str = ""
    askPx: str = ""
    askSz: str = ""
    bidPx: str = ""
    bidSz: str = ""
    open24h: str = ""
    high24h: str = ""
    low24h: str = ""
    volCcy24h: str = ""  # spot: quote currency; swap: base currency
    vol24h: str = ""  # spot: base currency; swap: contracts
    sodUtc0: str = ""
    sodUtc8: str = ""


class BookRow(msgspec.Struct):
    """[price, size, "0" (deprecated), number of orders] per level, best first."""

    asks: list[list[str]]
    bids: list[list[str]]
    ts: str
    seqId: int = 0  # not on REST books; the `books` channel carries it


class PublicTradeRow(msgspec.Struct):
    instId: str
    tradeId: str
    px: str
    sz: str
    side: str  # the taker's side
    ts: str
    source: str = ""
    count: str = ""


# candles: [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm], newest first; vol is
# contracts for a swap, base currency for spot; confirm "1" when the bar is closed
CandleRow = list[str]


# -- trading ---------------------------------------------------------------------------
class OrderRow(msgspec.Struct):
    """GET /api/v5/trade/order, orders-pending and orders-history rows; the `orders`
    channel's rows too (which add the fill fields of the push that reports a fill)."""

    instId: str
    ordId: str
    side: str
    ordType: str
    state: str
    instType: str = ""
    clOrdId: str = ""
    tag: str = ""
    px: str = ""
    sz: str = ""
    tgtCcy: str = ""  # spot market orders: "base_ccy" or "quote_ccy" (unit of sz)
    ccy: str = ""
    pnl: str = ""
    posSide: str = ""
    tdMode: str = ""
    accFillSz: str = ""
    fillPx: str = ""
    tradeId: str = ""
    fillSz: str = ""
    fillTime: str = ""
    fillFee: str = ""  # channel only: the fee of this fill (negative: charged)
    fillFeeCcy: str = ""
    fillPnl: str = ""
    execType: str = ""  # channel only: T taker, M maker
    avgPx: str = ""
    lever: str = ""
    fee: str = ""  # accumulated; negative: charged, positive: rebate
    feeCcy: str = ""
    rebate: str = ""
    rebateCcy: str = ""
    reduceOnly: str = "false"
    cancelSource: str = ""
    cancelSourceReason: str = ""
    uTime: str = ""
    cTime: str = ""
    # channel only: the outcome of the request that caused this push
    amendResult: str = ""
    code: str = ""
    msg: str = ""
    reqId: str = ""


class FillRow(msgspec.Struct):
    """GET /api/v5/trade/fills and fills-history rows; the `fills` channel's too."""

    instId: str
    tradeId: str
    ordId: str
    side: str
    fillPx: str
    fillSz: str
    instType: str = ""
    clOrdId: str = ""
    billId: str = ""
    tag: str = ""
    posSide: str = ""
    fee: str = ""  # negative: charged, positive: rebate
    feeCcy: str = ""
    feeRate: str = ""
    fillPnl: str = ""  # realized PnL of a closing fill, before fees
    execType: str = ""  # T taker, M maker
    ts: str = ""
    fillTime: str = ""


class PositionRow(msgspec.Struct):
    """GET /api/v5/account/positions rows; the `positions` channel's too."""

    instId: str
    instType: str = ""
    mgnMode: str = ""
    posId: str = ""
    posSide: str = "net"  # net (one-way, signed pos), long, short
    pos: str = "0"  # contracts
    availPos: str = ""
    avgPx: str = ""
    markPx: str = ""
    upl: str = ""
    uplRatio: str = ""
    lever: str = ""
    liqPx: str = ""
    imr: str = ""
    margin: str = ""
    mmr: str = ""
    notionalUsd: str = ""
    realizedPnl: str = ""
    fee: str = ""
    fundingFee: str = ""
    ccy: str = ""
    cTime: str = ""
    uTime: str = ""


class BalanceDetail(msgspec.Struct):
    """One currency of GET /api/v5/account/balance (and the `account` channel)."""

    ccy: str
    eq: str = ""
    cashBal: str = ""
    availBal: str = ""
    frozenBal: str = ""
    ordFrozen: str = ""
    availEq: str = ""
    upl: str = ""
    eqUsd: str = ""
    liab: str = ""
    uTime: str = ""


class BalanceRow(msgspec.Struct):
    """GET /api/v5/account/balance's one row, and the `account` channel's."""

    details: list[BalanceDetail]
    uTime: str = ""
    totalEq: str = ""
    isoEq: str = ""
    adjEq: str = ""
    availEq: str = ""
    ordFroz: str = ""
    imr: str = ""
    mmr: str = ""
    mgnRatio: str = ""
    notionalUsd: str = ""
    upl: str = ""


class AccountConfig(msgspec.Struct):
    """GET /api/v5/account/config: the settings orders depend on."""

    posMode: str  # long_short_mode / net_mode
    acctLv: str = ""
    uid: str = ""
    autoLoan: bool = False
    level: str = ""


class LeverageRow(msgspec.Struct):
    """GET /api/v5/account/leverage-info and POST set-leverage rows."""

    lever: str
    mgnMode: str = ""
    instId: str = ""
    ccy: str = ""
    posSide: str = ""


class PositionModeRow(msgspec.Struct):
    posMode: str
