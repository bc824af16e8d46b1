"""The continuity rules' verdicts, case by case from the venue documents."""

from __future__ import annotations

import pytest

from tradeport.book.sequence import FirstLastRule, PrevLinkRule, Verdict
from tradeport.book.types import DepthUpdate

APPLY, SKIP, GAP = Verdict.APPLY, Verdict.SKIP, Verdict.GAP


def upd(first: int, last: int, prev: int = -1) -> DepthUpdate:
    return DepthUpdate("BTC-USDT", first, last, prev, [], [])


@pytest.mark.parametrize(
    ("first", "last", "first_after_snapshot", "verdict"),
    [
        (95, 100, True, SKIP),  # u <= lastUpdateId: dropped
        (99, 101, True, APPLY),  # U <= S + 1 <= u
        (101, 101, True, APPLY),  # U == S + 1
        (102, 103, True, GAP),  # U > S + 1: snapshot too old
        (90, 99, False, SKIP),  # stale
        (100, 100, False, SKIP),  # duplicate of the last applied
        (101, 104, False, APPLY),  # U == local + 1
        (102, 104, False, GAP),  # U > local + 1
    ],
)
def test_first_last_rule(
    first: int, last: int, first_after_snapshot: bool, verdict: Verdict
) -> None:
    assert FirstLastRule().check(upd(first, last), 100, first_after_snapshot) is verdict


@pytest.mark.parametrize(
    ("first", "last", "prev", "first_after_snapshot", "verdict"),
    [
        (95, 99, 94, True, SKIP),  # u < lastUpdateId: dropped
        (95, 100, 94, True, APPLY),  # U <= S <= u, with u == S
        (98, 103, 97, True, APPLY),  # U <= S <= u
        (101, 103, 100, True, APPLY),  # pu == S: continues the snapshot exactly
        (102, 103, 101, True, GAP),  # U > S and pu != S
        (101, 105, 100, False, APPLY),  # pu == previous u
        (102, 105, 101, False, GAP),  # pu != previous u
        (96, 100, 95, False, SKIP),  # the last applied event again
    ],
)
def test_prev_link_rule(
    first: int, last: int, prev: int, first_after_snapshot: bool, verdict: Verdict
) -> None:
    assert PrevLinkRule().check(upd(first, last, prev), 100, first_after_snapshot) is verdict
