"""Venue-neutral typed data."""

from tradeport.model.account import AccountSnapshot, Balance, Fill, Order, Position
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
from tradeport.model.market import Bar, Instrument, OrderBook, Ticker, Trade

__all__ = [
    "AccountSnapshot",
    "AssetType",
    "Balance",
    "Bar",
    "BookState",
    "Fill",
    "Instrument",
    "InstrumentStatus",
    "Offset",
    "Order",
    "OrderBook",
    "OrderStatus",
    "OrderType",
    "Position",
    "PositionSide",
    "Side",
    "Ticker",
    "TimeInForce",
    "Trade",
]
