"""Market data. Streamed values are floats (speed); instrument rules are Decimal (exact)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradeport.model.enums import AssetType, BookState, InstrumentStatus, Side

# Timestamps: `ts` is the venue's time in epoch milliseconds; `local_ts` is when the
# message was received here, in epoch nanoseconds (time.time_ns()).


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str  # standard BASE-QUOTE, e.g. BTC-USDT
    venue_symbol: str  # the venue's own spelling, e.g. BTCUSDT
    asset_type: AssetType
    base: str
    quote: str
    settle: str | None
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    max_qty: Decimal | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    contract_size: Decimal = Decimal(1)  # base asset per unit of quantity here
    max_leverage: int | None = None
    status: InstrumentStatus = InstrumentStatus.TRADING
    # base asset per venue contract where the venue sizes orders in contracts (OKX swap
    # ctVal × ctMult); quantities here stay in base units, converted exactly both ways
    contract_value: Decimal | None = None


class Ticker(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    last: float
    bid: float | None = None
    bid_qty: float | None = None
    ask: float | None = None
    ask_qty: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: float | None = None  # base asset, 24 h
    quote_volume: float | None = None
    ts: int = 0
    local_ts: int = 0


class OrderBook(msgspec.Struct, kw_only=True):
    symbol: str
    bids: list[tuple[float, float]]  # best first
    asks: list[tuple[float, float]]  # best first
    update_id: int = 0  # the venue's sequence (Binance lastUpdateId) when it has one
    ts: int = 0
    local_ts: int = 0
    # A REST snapshot is LIVE by definition; a streamed book says whether every update
    # since its snapshot passed the venue's continuity rule (DESIGN.md principle 6).
    state: BookState = BookState.LIVE

    @property
    def best_bid(self) -> tuple[float, float] | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> tuple[float, float] | None:
        return self.asks[0] if self.asks else None


# gc=False: a trade holds no container, so it can be in no reference cycle; untracked,
# it costs less to make and the collector never walks the trades a consumer keeps
class Trade(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    symbol: str
    trade_id: str
    price: float
    qty: float
    taker_side: Side
    ts: int
    local_ts: int = 0


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    period: str
    open_ts: int
    close_ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    quote_volume: float = 0.0
    trades: int = 0
    closed: bool = True
    ts: int = 0  # event time of a streamed bar (0 from REST)
    local_ts: int = 0


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    """Best bid and ask as the venue pushes them (Binance bookTicker)."""

    symbol: str
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float
    update_id: int = 0
    ts: int = 0
    local_ts: int = 0


class MarkPrice(msgspec.Struct, frozen=True, kw_only=True):
    """Mark and index price of a perpetual, with its funding rate and next funding time."""

    symbol: str
    mark: float
    index: float | None = None
    funding_rate: float | None = None
    next_funding_ts: int | None = None
    ts: int = 0
    local_ts: int = 0
