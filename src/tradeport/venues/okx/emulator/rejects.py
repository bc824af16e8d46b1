"""Engine rejections as OKX's order codes (PROTOCOLS.md §3.7), written into the order's
data item as `sCode` / `sMsg`."""

from __future__ import annotations

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine, Reject, RejectReason
from tradeport.emulator.orders import BUY, SELL
from tradeport.venues.okx.emulator.errors import ItemError

NO_POSITION = (
    "51169",
    "Order failed because you don't have any positions in this direction for this "
    "contract to reduce or close.",
)
SAME_DIRECTION = (
    "51170",
    "Failed to place order. A reduce-only order can't be the same direction as your "
    "existing position.",
)

_CODES: dict[RejectReason, tuple[str, str]] = {
    RejectReason.UNKNOWN_SYMBOL: ("51001", "Instrument ID or Spread ID doesn't exist."),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: ("51016", "Client order ID already exists."),
    RejectReason.REDUCE_ONLY_REJECTED: NO_POSITION,
    RejectReason.POSITION_SIDE_MISMATCH: ("51000", "Parameter posSide error"),
    RejectReason.ORDER_NOT_FOUND: ("51603", "Order does not exist."),
    RejectReason.BAD_LEVERAGE: ("51000", "Parameter lever error"),
    RejectReason.POSITION_MODE_LOCKED: (
        "59000",
        "Settings failed. Close any open positions or pending orders before changing settings.",
    ),
    RejectReason.NOT_SUPPORTED: ("51000", "Parameter ordType error"),
    RejectReason.BAD_QUANTITY: ("51000", "Parameter sz error"),
    RejectReason.BAD_PRICE: ("51000", "Parameter px error"),
    # the engines cancel these after accepting them, as OKX does; kept for completeness
    RejectReason.POST_ONLY_WOULD_TAKE: ("51000", "Parameter px error"),
    RejectReason.FOK_NOT_FILLABLE: ("51000", "Parameter sz error"),
    RejectReason.NO_LIQUIDITY: ("51000", "Parameter sz error"),
    # by instrument state (§3.8): preopen 51021, suspend 51022 (only closing orders go
    # through [?]); a delisted instrument is gone from the list, so it does not exist
    RejectReason.NOT_LAUNCHED: ("51021", "The pair or contract is not yet listed"),
    RejectReason.CLOSE_ONLY: ("51022", "Contract suspended."),
    RejectReason.DELISTED: ("51001", "Instrument ID or Spread ID doesn't exist."),
}


def price_limits(engine: Engine, inst: str) -> tuple[str, str]:
    """(highest buy, lowest sell) limit prices of `inst` now, as OKX writes them ("" when
    the engine has no band: OKX's answer for a disabled limit)."""
    high = engine.price_limits(inst, BUY).high
    low = engine.price_limits(inst, SELL).low
    return ("" if high is None else plain(high), "" if low is None else plain(low))


def price_refused(engine: Engine, inst: str) -> ItemError:
    """51006, naming both limits (an order beyond the price band)."""
    buy, sell = price_limits(engine, inst)
    return ItemError(
        "51006",
        f"Order price is not within the price limit (max buy price: {buy} min sell price: {sell})",
    )


def rejected(exc: Reject, ccy: str, engine: Engine, inst: str) -> ItemError:
    """The item error for an engine rejection of an order on `inst`; `ccy` names the
    currency short of funds."""
    if exc.reason in (RejectReason.PRICE_ABOVE_LIMIT, RejectReason.PRICE_BELOW_LIMIT):
        return price_refused(engine, inst)
    if exc.reason is RejectReason.INSUFFICIENT_BALANCE:
        return ItemError("51008", f"Order failed. Insufficient {ccy} balance in account.")
    if exc.reason is RejectReason.INSUFFICIENT_MARGIN:
        return ItemError("51008", f"Order failed. Insufficient {ccy} margin in account.")
    code, msg = _CODES[exc.reason]
    return ItemError(code, msg)
