"""BookSync fed a faulty stream from a reference venue: whenever it says LIVE, it holds
exactly the venue's book at its update id; a real gap costs exactly one snapshot."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.book.sequence import ContinuityRule, FirstLastRule, PrevLinkRule
from tradeport.book.sync import BookSync
from tradeport.book.types import DepthUpdate
from tradeport.model.enums import BookState

from .venue_feed import SYMBOL, Venue, build_venue, event_specs

RULES = [
    pytest.param(FirstLastRule, False, id="first-last"),
    pytest.param(PrevLinkRule, True, id="prev-link"),
]


class Harness:
    def __init__(self, venue: Venue, rule: ContinuityRule) -> None:
        self.venue = venue
        self.requests = 0
        self.outstanding = True  # the subscriber asks for the first snapshot itself
        self.sync = BookSync(SYMBOL, rule, self.request)

    def request(self, symbol: str) -> None:
        assert symbol == SYMBOL
        assert self.sync.state is not BookState.LIVE
        self.requests += 1
        self.outstanding = True

    def deliver(self, update_id: int) -> None:
        self.outstanding = False
        self.sync.on_snapshot(self.venue.snapshot(update_id))
        self.check()

    def feed(self, event: DepthUpdate) -> None:
        self.sync.on_update(event)
        self.check()

    def check(self) -> None:
        if self.sync.state is BookState.LIVE:
            view = self.sync.view()
            assert (view.bids, view.asks) == self.venue.states[view.update_id]
            assert view.state is BookState.LIVE


def ids_between(venue: Venue, low: int, high: int) -> list[int]:
    return [i for i in venue.states if low <= i <= high]


@pytest.mark.parametrize(("rule", "with_prev"), RULES)
@settings(max_examples=150, deadline=None)
@given(specs=event_specs, data=st.data())
def test_live_view_always_equals_the_venue_book_under_any_faults(
    rule: type[ContinuityRule], with_prev: bool, specs: list, data: st.DataObject
) -> None:
    venue = build_venue(specs, with_prev=with_prev)
    harness = Harness(venue, rule())
    events = venue.events
    sent: list[DepthUpdate] = []
    present = min(venue.states)  # the venue's newest id: what a REST snapshot can show
    index = 0
    while index < len(events):
        event = events[index]
        fault = data.draw(st.sampled_from(["send", "send", "drop", "dup", "stale", "swap"]))
        present = max(present, event.last_id)
        if fault == "swap" and index + 1 < len(events):
            later = events[index + 1]
            present = later.last_id
            batch = [later, event]
            index += 1
        elif fault == "drop":
            batch = []
        elif fault == "dup":
            batch = [event, event]
        elif fault == "stale" and sent:
            batch = [data.draw(st.sampled_from(sent)), event]
        else:
            batch = [event]
        index += 1
        for item in batch:
            harness.feed(item)
            sent.append(item)
            if harness.outstanding and data.draw(st.booleans()):
                # any id the venue has reached, even one older than the buffer needs
                harness.deliver(data.draw(st.sampled_from(ids_between(venue, 0, present))))
    if harness.outstanding:
        harness.deliver(present)
    assert harness.sync.state is BookState.LIVE
    view = harness.sync.view()
    assert (view.bids, view.asks) == venue.states[view.update_id]


@pytest.mark.parametrize(("rule", "with_prev"), RULES)
@settings(max_examples=150, deadline=None)
@given(specs=event_specs, data=st.data())
def test_each_real_gap_costs_exactly_one_snapshot_and_repeats_cost_none(
    rule: type[ContinuityRule], with_prev: bool, specs: list, data: st.DataObject
) -> None:
    venue = build_venue(specs, with_prev=with_prev)
    harness = Harness(venue, rule())
    sync = harness.sync
    events = venue.events
    sent: list[DepthUpdate] = []
    expected = 0
    missing = False  # a dropped event the book had not yet covered
    needed_from = events[0].last_id  # a snapshot must reach this id to bridge the buffer
    for position, event in enumerate(events):
        lookahead = events[min(position + 2, len(events) - 1)].last_id
        fault = data.draw(st.sampled_from(["send", "drop", "drop", "dup", "stale"]))
        if fault == "drop" and sync.state is BookState.LIVE:
            missing = missing or event.last_id > sync.update_id
            continue
        if missing:
            expected += 1  # this event reveals the gap
            missing = False
            needed_from = event.last_id
        batch = [event]
        if fault == "dup":
            batch = [event, event]
        elif fault == "stale" and sent:
            batch = [data.draw(st.sampled_from(sent)), event]
        for item in batch:
            harness.feed(item)
            sent.append(item)
        if harness.outstanding and data.draw(st.booleans()):
            # a snapshot taken after the gap, possibly ahead of the stream
            harness.deliver(data.draw(st.sampled_from(ids_between(venue, needed_from, lookahead))))
            assert sync.state is BookState.LIVE
        assert harness.requests == expected
    if harness.outstanding:
        harness.deliver(events[-1].last_id)
    assert sync.state is BookState.LIVE
    assert harness.requests == expected
    assert sync.stats.gaps == expected
