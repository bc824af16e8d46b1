"""Engine rejections and order filter failures as Bybit's errors (PROTOCOLS.md §4.7).

Spot and the derivatives categories answer the same failure with different codes
(170xxx on spot, 110xxx on linear); the tables hold both.
"""

from __future__ import annotations

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Reject, RejectReason
from tradeport.venues.bybit.emulator.errors import BybitApiError

_ONE_WAY_IDX = "position idx not match position mode"

# reason -> (linear code and message, spot code and message)
_REJECTS: dict[RejectReason, tuple[tuple[int, str], tuple[int, str]]] = {
    RejectReason.UNKNOWN_SYMBOL: (
        (10001, "params error: symbol invalid"),
        (170121, "Invalid symbol."),
    ),
    RejectReason.INSUFFICIENT_BALANCE: (
        (110007, "ab not enough for new order"),
        (170131, "Insufficient balance."),
    ),
    RejectReason.INSUFFICIENT_MARGIN: (
        (110007, "ab not enough for new order"),
        (170131, "Insufficient balance."),
    ),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: (
        (110072, "OrderLinkedID is duplicate"),
        (170141, "Duplicate clientOrderId."),
    ),
    RejectReason.REDUCE_ONLY_REJECTED: (
        (110017, "current position is zero, cannot fix reduce-only order qty"),
        (10001, "params error: reduceOnly is not supported on spot"),
    ),
    RejectReason.POSITION_SIDE_MISMATCH: ((10001, _ONE_WAY_IDX), (10001, _ONE_WAY_IDX)),
    RejectReason.ORDER_NOT_FOUND: (
        (110001, "order not exists or too late to cancel"),
        (170213, "Order does not exist."),
    ),
    RejectReason.BAD_LEVERAGE: (
        (10001, "params error: leverage invalid"),
        (10001, "params error: leverage invalid"),
    ),
    RejectReason.POSITION_MODE_LOCKED: (
        (110024, "You have an existing position, so position mode cannot be switched"),
        (110024, "You have an existing position, so position mode cannot be switched"),
    ),
    RejectReason.NOT_SUPPORTED: (
        (10001, "params error: not supported"),
        (10001, "params error: not supported"),
    ),
    RejectReason.BAD_QUANTITY: (
        (10001, "params error: qty invalid"),
        (170136, "Order quantity is lower than the minimum."),
    ),
    RejectReason.BAD_PRICE: (
        (10001, "params error: price invalid"),
        (170134, "Order price has too many decimals."),
    ),
    # the emulator's engines expire these instead of rejecting (Bybit cancels them after
    # the ack); kept for completeness
    RejectReason.POST_ONLY_WOULD_TAKE: (
        (10001, "params error: post-only order would take liquidity"),
        (10001, "params error: post-only order would take liquidity"),
    ),
    RejectReason.FOK_NOT_FILLABLE: (
        (10001, "params error: FOK order cannot fill"),
        (10001, "params error: FOK order cannot fill"),
    ),
    RejectReason.NO_LIQUIDITY: (
        (10001, "params error: no liquidity"),
        (10001, "params error: no liquidity"),
    ),
    # linear moves such a price to the limit by default (instruments.py); 110003 is its
    # answer where the refusal is switched on
    RejectReason.PRICE_ABOVE_LIMIT: (
        (110003, "Order price is out of permissible range"),
        (170193, "Buy order price cannot be higher than {bound}."),
    ),
    RejectReason.PRICE_BELOW_LIMIT: (
        (110003, "Order price is out of permissible range"),
        (170194, "Sell order price cannot be lower than {bound}."),
    ),
    # a symbol not Trading: 110074 "This contract is not live" (linear; the same for
    # Settling, where only reduce-only orders go through [?]); spot 170151 "The trading
    # pair is not open yet" before launch, 170157 once taken off [?]
    RejectReason.CLOSE_ONLY: (
        (110074, "This contract is not live"),
        (170157, "The trading pair is not available for api trading"),
    ),
    RejectReason.NOT_LAUNCHED: (
        (110074, "This contract is not live"),
        (170151, "The trading pair is not open yet"),
    ),
    RejectReason.DELISTED: (
        (110074, "This contract is not live"),
        (170157, "The trading pair is not available for api trading"),
    ),
}


def duplicate_link_id(category: str) -> BybitApiError:
    """An orderLinkId the account already used in `category`."""
    return rejected(Reject(RejectReason.DUPLICATE_CLIENT_ORDER_ID, "orderLinkId"), category)


def rejected(exc: Reject, category: str) -> BybitApiError:
    linear, spot = _REJECTS[exc.reason]
    code, message = spot if category == "spot" else linear
    if exc.bound is not None:
        message = message.replace("{bound}", plain(exc.bound))
    return BybitApiError(code, message)
