"""Venue-neutral enums shared by every venue, the engine and the user."""

from __future__ import annotations

from enum import StrEnum


class AssetType(StrEnum):
    SPOT = "spot"
    SWAP = "swap"  # USDT-margined perpetual
    FUTURES = "futures"
    COIN_M = "coin_m"
    OPTION = "option"
    MARGIN = "margin"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"
    POST_ONLY = "post_only"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    GTX = "gtx"  # post-only: rejected if it would take


class OrderStatus(StrEnum):
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    # The venue has not confirmed the order's fate (timeout, 5xx, lost connection):
    # it may be live. Reconcile by client order id before acting on it.
    UNKNOWN = "unknown"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)

    @property
    def is_closed(self) -> bool:
        return self in (
            OrderStatus.FILLED,
            OrderStatus.CANCELED,
            OrderStatus.REJECTED,
            OrderStatus.EXPIRED,
        )


class PositionSide(StrEnum):
    BOTH = "both"  # one-way mode: the position is signed
    LONG = "long"
    SHORT = "short"


class Offset(StrEnum):
    OPEN = "open"
    CLOSE = "close"


class InstrumentStatus(StrEnum):
    TRADING = "trading"
    HALTED = "halted"
    PRE_TRADING = "pre_trading"
    DELISTED = "delisted"


class BookState(StrEnum):
    SYNCING = "syncing"
    LIVE = "live"
    RESYNCING = "resyncing"
