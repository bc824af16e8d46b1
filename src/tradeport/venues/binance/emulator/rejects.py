"""Engine refusals (venue-neutral reasons) as Binance answers them (PROTOCOLS.md §1.7, §2.7)."""

from __future__ import annotations

from collections.abc import Mapping

from tradeport.emulator import decimal_text
from tradeport.emulator.engine import Reject, RejectReason
from tradeport.venues.binance.emulator.errors import BinanceApiError

# Engine refusals as the spot matching engine words them: all are -2010 NEW_ORDER_REJECTED
# with the reason in the message (§1.7).
SPOT_REJECTS: dict[RejectReason, tuple[int, str]] = {
    RejectReason.INSUFFICIENT_BALANCE: (
        -2010,
        "Account has insufficient balance for requested action.",
    ),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: (-2010, "Duplicate order sent."),
    RejectReason.POST_ONLY_WOULD_TAKE: (-2010, "Order would immediately match and take."),
    RejectReason.NO_LIQUIDITY: (
        -2010,
        "Order book liquidity is less than LOT_SIZE filter minimum quantity.",
    ),
    RejectReason.BAD_QUANTITY: (-1013, "Filter failure: LOT_SIZE"),
    RejectReason.PRICE_ABOVE_LIMIT: (-1013, "Filter failure: PERCENT_PRICE_BY_SIDE"),
    RejectReason.PRICE_BELOW_LIMIT: (-1013, "Filter failure: PERCENT_PRICE_BY_SIDE"),
    RejectReason.UNKNOWN_SYMBOL: (-1121, "Invalid symbol."),
    RejectReason.NOT_SUPPORTED: (-1020, "This operation is not supported."),
    # a symbol not TRADING (BREAK, PRE_TRADING): the matching engine's "Market is closed."
    # (§1.7, the -2010 messages); spot has no close-only, every order is refused
    RejectReason.CLOSE_ONLY: (-2010, "Market is closed."),
    RejectReason.NOT_LAUNCHED: (-2010, "Market is closed."),
    RejectReason.DELISTED: (-2010, "Market is closed."),
}

# USDⓈ-M has one code per reason (§2.7).
FUTURES_REJECTS: dict[RejectReason, tuple[int, str]] = {
    RejectReason.INSUFFICIENT_BALANCE: (-2018, "Balance is insufficient."),
    RejectReason.INSUFFICIENT_MARGIN: (-2019, "Margin is insufficient."),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: (-4116, "ClientOrderId is duplicated."),
    RejectReason.POST_ONLY_WOULD_TAKE: (
        -5022,
        "Due to the order could not be executed as maker, the Post Only order will be rejected.",
    ),
    RejectReason.FOK_NOT_FILLABLE: (
        -5021,
        "Due to the order could not be filled immediately, the FOK order has been rejected.",
    ),
    RejectReason.REDUCE_ONLY_REJECTED: (-2022, "ReduceOnly Order is rejected."),
    RejectReason.POSITION_SIDE_MISMATCH: (
        -4061,
        "Order's position side does not match user's setting.",
    ),
    RejectReason.NO_LIQUIDITY: (-2020, "Unable to fill."),
    RejectReason.BAD_QUANTITY: (-4003, "Quantity less than or equal to zero."),
    # PERCENT_PRICE: a buy above mark × multiplierUp, a sell below mark × multiplierDown
    RejectReason.PRICE_ABOVE_LIMIT: (-4016, "Limit price can't be higher than {bound}."),
    RejectReason.PRICE_BELOW_LIMIT: (-4024, "Limit price can't be lower than {bound}."),
    RejectReason.MARKET_PRICE_OUTSIDE_BAND: (
        -4131,
        "The counterparty's best price does not meet the PERCENT_PRICE filter limit.",
    ),
    RejectReason.UNKNOWN_SYMBOL: (-1121, "Invalid symbol."),
    RejectReason.NOT_SUPPORTED: (-1020, "This operation is not supported."),
    # SETTLING admits reduce-only orders only (-4140 INVALID_OPENING_POSITION_STATUS);
    # a PENDING_TRADING symbol answers the same [?]; a CLOSE one -4141 SYMBOL_ALREADY_CLOSED
    RejectReason.CLOSE_ONLY: (-4140, "Invalid symbol status for opening position."),
    RejectReason.NOT_LAUNCHED: (-4140, "Invalid symbol status for opening position."),
    RejectReason.DELISTED: (-4141, "Symbol is closed."),
}


def from_reject(table: Mapping[RejectReason, tuple[int, str]], exc: Reject) -> BinanceApiError:
    """The venue answer for an engine refusal; an unmapped reason is a -2010 with the
    engine's own words, so nothing is silently reworded into a wrong code. A message
    naming a bound ({bound}) gets the one the order broke."""
    code, msg = table.get(exc.reason, (-2010, exc.message))
    if exc.bound is not None:
        msg = msg.replace("{bound}", decimal_text.plain(exc.bound))
    return BinanceApiError(code, msg)
