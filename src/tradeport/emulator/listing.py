"""Where each emulated symbol stands in its venue's listing: trading, close-only,
pre-launch, delisted, or not listed yet. Every venue skin renders the state with its own
status values in its instruments payload (an unlisted symbol is left out of it), so a
client's discovery sees listings change as on the real venue.

The state is what the venue announces, and what the engine lets an account's orders do
(`listing_rules.py`); the synthetic market keeps quoting the symbol whatever it is, so
a listing that appears streams at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol, TypeVar


class ListingState(StrEnum):
    TRADING = "trading"
    CLOSE_ONLY = "close_only"  # positions may be reduced, nothing opened
    PRE_LAUNCH = "pre_launch"  # announced, not trading yet
    DELISTED = "delisted"
    UNLISTED = "unlisted"  # not announced at all (a listing still to come)


def parse_listing_state(value: str) -> ListingState:
    """`value` as a ListingState; ValueError naming the states when it is none."""
    try:
        return ListingState(value)
    except ValueError:
        names = ", ".join(s.value for s in ListingState)
        raise ValueError(f"listing state must be one of {names}, not {value!r}") from None


class _Named(Protocol):
    @property
    def symbol(self) -> str: ...


Spec = TypeVar("Spec", bound=_Named)


class Listings:
    """The listing state of every symbol, by the venue's market name and symbol; a
    symbol never set is TRADING."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], ListingState] = {}

    def state(self, market: str, symbol: str) -> ListingState:
        return self._states.get((market, symbol), ListingState.TRADING)

    def set(self, market: str, symbol: str, state: ListingState) -> None:
        self._states[(market, symbol)] = state

    def listed(self, market: str, specs: Iterable[Spec]) -> list[Spec]:
        """`specs` without the symbols not listed (yet) in `market`."""
        return [s for s in specs if self.state(market, s.symbol) is not ListingState.UNLISTED]
