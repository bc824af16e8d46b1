"""What a symbol's listing state (`listing.py`) lets an order do, applied by the engine
where it accepts or amends an order, as the price band is; each skin words the refusal
with its venue's code.

- TRADING: everything.
- CLOSE_ONLY: orders that close a position only (reduce-only in one-way mode, the
  closing side of a leg in hedge mode); an opening order is refused (Binance USDⓈ-M
  -4140 "Invalid symbol status for opening position" in SETTLING). A spot symbol has
  no positions, so every order is refused. A one-way order that would reduce a
  position without being marked reduce-only is refused too [?].
- PRE_LAUNCH, DELISTED: every order is refused.
- UNLISTED: the venue does not know the symbol (its unknown-symbol answer).

Cancels are always allowed: the venues let an account take its orders out of a
symbol that stopped trading. The house account (the synthetic market maker) is not
checked: it keeps the symbol's market going, so a listing that opens streams at once.
"""

from __future__ import annotations

from collections.abc import Callable

from tradeport.emulator.listing import ListingState
from tradeport.emulator.orders import BUY, SELL, Reject, RejectReason

# the listing state of an engine symbol now
ListingLookup = Callable[[str], ListingState]

_REFUSALS: dict[ListingState, tuple[RejectReason, str]] = {
    ListingState.CLOSE_ONLY: (RejectReason.CLOSE_ONLY, "only closing orders are accepted"),
    ListingState.PRE_LAUNCH: (RejectReason.NOT_LAUNCHED, "the symbol is not trading yet"),
    ListingState.DELISTED: (RejectReason.DELISTED, "the symbol is delisted"),
    ListingState.UNLISTED: (RejectReason.UNKNOWN_SYMBOL, "unknown symbol"),
}


def closes_position(kind: str, side: str, position_side: str, reduce_only: bool) -> bool:
    """Whether an order of a `kind` ("spot" / "perp") engine can only close: reduce-only,
    or the selling side of a LONG leg / buying side of a SHORT leg in hedge mode."""
    if kind != "perp":
        return False
    return reduce_only or (position_side, side) in (("LONG", SELL), ("SHORT", BUY))


def check_listing(state: ListingState, symbol: str, *, closing: bool) -> None:
    """Raise the Reject `state` gives an order on `symbol` (`closing`: it can only close
    a position); nothing when the order may go ahead."""
    if state is ListingState.TRADING or (state is ListingState.CLOSE_ONLY and closing):
        return
    reason, why = _REFUSALS[state]
    raise Reject(reason, f"{why}: {symbol}")
