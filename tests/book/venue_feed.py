"""A reference venue for the book tests: a depth book evolving through diff events with
contiguous update ids, remembering its exact state at every id."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from tradeport.book.types import DepthUpdate
from tradeport.model.market import OrderBook

SYMBOL = "BTC-USDT"
Level = tuple[float, float]

# bids stay below asks, so the venue's book is never crossed
BID_PRICES = [90.0 + i * 0.5 for i in range(18)]
ASK_PRICES = [101.0 + i * 0.5 for i in range(18)]
QTYS = [0.0, 0.0, 1.0, 2.0, 3.5]

side_changes = st.lists(st.tuples(st.sampled_from(BID_PRICES), st.sampled_from(QTYS)), max_size=4)
ask_changes = st.lists(st.tuples(st.sampled_from(ASK_PRICES), st.sampled_from(QTYS)), max_size=4)
# (how many ids one event spans beyond its first, bid changes, ask changes)
event_specs = st.lists(
    st.tuples(st.integers(0, 3), side_changes, ask_changes), min_size=1, max_size=40
)


@dataclass
class Venue:
    events: list[DepthUpdate] = field(default_factory=list)
    states: dict[int, tuple[list[Level], list[Level]]] = field(default_factory=dict)

    def snapshot(self, update_id: int) -> OrderBook:
        bids, asks = self.states[update_id]
        return OrderBook(symbol=SYMBOL, bids=list(bids), asks=list(asks), update_id=update_id)


def build_venue(
    specs: list[tuple[int, list[Level], list[Level]]], *, with_prev: bool, start_id: int = 100
) -> Venue:
    """Events with contiguous ids (U = previous u + 1); `with_prev` fills pu as USDⓈ-M
    does, otherwise prev_id is -1 as on spot."""
    bids: dict[float, float] = {95.0: 1.0}
    asks: dict[float, float] = {105.0: 1.0}
    venue = Venue()
    venue.states[start_id] = _state(bids, asks)
    last = start_id
    for width, bid_changes, ask_changes in specs:
        first = last + 1
        for side, changes in ((bids, bid_changes), (asks, ask_changes)):
            for price, qty in changes:
                if qty:
                    side[price] = qty
                else:
                    side.pop(price, None)
        event = DepthUpdate(
            symbol=SYMBOL,
            first_id=first,
            last_id=first + width,
            prev_id=last if with_prev else -1,
            bids=list(bid_changes),
            asks=list(ask_changes),
        )
        venue.events.append(event)
        last = event.last_id
        venue.states[last] = _state(bids, asks)
    return venue


def _state(bids: dict[float, float], asks: dict[float, float]) -> tuple[list[Level], list[Level]]:
    return sorted(bids.items(), reverse=True), sorted(asks.items())
