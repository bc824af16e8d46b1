"""The seqId/prevSeqId continuity rule: the documented example and generated chains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeport.book.sequence import SeqLinkRule, Verdict
from tradeport.book.types import DepthUpdate

APPLY, SKIP, GAP = Verdict.APPLY, Verdict.SKIP, Verdict.GAP
RULE = SeqLinkRule()


def upd(prev: int, seq: int, levels: bool = True) -> DepthUpdate:
    side = [(100.0, 1.0)] if levels else []
    return DepthUpdate("BTC-USDT", seq, seq, prev, side, [])


def test_documented_sequence_is_applied_in_full() -> None:
    # OKX v5 docs, "Sequence ID" example: snapshot seqId 10, then a normal update, a
    # no-change heartbeat, a maintenance reset and a normal update after it
    local = 10
    for prev, seq, levels in [(10, 15, True), (15, 15, False), (15, 3, True), (3, 5, True)]:
        assert RULE.check(upd(prev, seq, levels), local, local == 10) is APPLY
        local = seq
    assert local == 5


@pytest.mark.parametrize(
    ("prev", "seq", "verdict"),
    [
        (100, 101, APPLY),  # continues the book
        (100, 100, APPLY),  # heartbeat: same id, liveness only
        (100, 7, APPLY),  # the sequence restarted after maintenance
        (99, 100, SKIP),  # the last applied push again
        (101, 102, GAP),  # a push was lost
        (98, 99, GAP),  # an older push, out of order
    ],
)
def test_seq_link_rule(prev: int, seq: int, verdict: Verdict) -> None:
    assert RULE.check(upd(prev, seq), 100, False) is verdict


@st.composite
def chains(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """A snapshot id and the (prevSeqId, seqId) of the pushes that follow it, with
    increments, heartbeats and resets mixed as the venue may send them."""
    start = draw(st.integers(0, 10**6))
    steps = draw(st.lists(st.sampled_from(["up", "beat", "reset"]), min_size=1, max_size=40))
    pushes, last = [], start
    for step in steps:
        if step == "up":
            nxt = last + draw(st.integers(1, 1000))
        elif step == "beat":
            nxt = last
        else:
            nxt = draw(st.integers(0, max(0, last - 1))) if last else 0
        pushes.append((last, nxt))
        last = nxt
    return start, pushes


@given(chains())
def test_every_chain_the_venue_may_send_is_applied(
    chain: tuple[int, list[tuple[int, int]]],
) -> None:
    local, pushes = chain
    for prev, seq in pushes:
        assert RULE.check(upd(prev, seq, prev != seq), local, False) is APPLY
        local = seq


@given(chains(), st.data())
def test_losing_a_push_that_moved_the_sequence_is_a_gap(
    chain: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    local, pushes = chain
    moved = [i for i, (prev, seq) in enumerate(pushes[:-1]) if prev != seq]
    if not moved:
        return
    lost = data.draw(st.sampled_from(moved))
    verdicts = []
    for index, (prev, seq) in enumerate(pushes):
        if index == lost:
            continue
        verdict = RULE.check(upd(prev, seq), local, False)
        verdicts.append(verdict)
        if verdict is not APPLY:
            break
        local = seq
    assert verdicts[-1] is not APPLY
