"""How a multi-venue split sizes each venue's share from their books: best net price
first, each share on its venue's step and minimum, the rest beyond the books' depth to
the best touch."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeport.execution.algos.split import VenueDepth, allocate
from tradeport.model import Side
from tradeport.model.errors import BadParameter


def depth(
    venue: str,
    levels: list[tuple[str, str]],
    fee: str = "0",
    step: str = "0.001",
    min_qty: str = "0.001",
) -> VenueDepth:
    return VenueDepth(venue, [(D(p), D(q)) for p, q in levels], D(fee), D(step), D(min_qty))


def test_a_buy_takes_the_cheapest_levels_across_venues() -> None:
    a = depth("A", [("100.0", "1"), ("100.2", "5")])
    b = depth("B", [("100.1", "2"), ("100.3", "5")])
    assert allocate(Side.BUY, D("4"), [a, b]) == {"A": D("2"), "B": D("2")}


def test_a_sell_takes_the_richest_bids_across_venues() -> None:
    a = depth("A", [("100.0", "1"), ("99.8", "5")])
    b = depth("B", [("99.9", "2"), ("99.7", "5")])
    assert allocate(Side.SELL, D("3.5"), [a, b]) == {"A": D("1.5"), "B": D("2")}


def test_the_taker_fee_can_make_a_cheaper_price_the_worse_venue() -> None:
    cheap_but_costly = depth("A", [("100.0", "10")], fee="0.01")  # 101.0 net
    dearer_but_free = depth("B", [("100.5", "10")], fee="0")  # 100.5 net
    assert allocate(Side.BUY, D("3"), [cheap_but_costly, dearer_but_free]) == {"B": D("3")}


def test_shares_are_rounded_to_each_venue_step_and_the_rest_goes_to_the_best_touch() -> None:
    a = depth("A", [("100.0", "1.05")], step="0.1", min_qty="0.1")
    b = depth("B", [("100.1", "5")], step="0.01", min_qty="0.01")
    shares = allocate(Side.BUY, D("2"), [a, b])
    assert shares == {"A": D("1.0"), "B": D("1.00")}
    assert sum(shares.values()) == D("2")


def test_beyond_the_books_depth_the_rest_goes_to_the_best_touch() -> None:
    a = depth("A", [("100.0", "1")])
    b = depth("B", [("100.1", "1")])
    assert allocate(Side.BUY, D("5"), [a, b]) == {"A": D("4"), "B": D("1")}


def test_a_size_no_venue_step_can_carry_is_refused() -> None:
    a = depth("A", [("100.0", "10")], step="0.1", min_qty="0.1")
    with pytest.raises(BadParameter, match="cannot be placed"):
        allocate(Side.BUY, D("1.05"), [a])
