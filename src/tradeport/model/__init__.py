"""Venue-neutral typed data."""

from tradeport.model.account import (
    AccountSnapshot,
    Balance,
    Fill,
    LeverageUpdate,
    Order,
    Position,
)
from tradeport.model.enums import (
    AssetType,
    BookState,
    InstrumentStatus,
    Offset,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from tradeport.model.market import (
    Bar,
    Instrument,
    MarkPrice,
    OrderBook,
    Quote,
    Ticker,
    Trade,
)

__all__ = [
    "AccountSnapshot",
    "AssetType",
    "Balance",
    "Bar",
    "BookState",
    "Fill",
    "Instrument",
    "InstrumentStatus",
    "LeverageUpdate",
    "MarkPrice",
    "Offset",
    "Order",
    "OrderBook",
    "OrderStatus",
    "OrderType",
    "Position",
    "PositionSide",
    "Quote",
    "Side",
    "Ticker",
    "TimeInForce",
    "Trade",
]
