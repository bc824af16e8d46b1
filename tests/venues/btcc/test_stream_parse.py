"""Quote stream pushes through the parsers (PROTOCOLS.md §6.4): the field letters of the
third-party summaries, a crossed book flagged, unreal numbers refused, and trades
found by what each snapshot adds."""

import json

import pytest

from tradeport.model import BookState, Side
from tradeport.model.errors import MalformedMessage
from tradeport.venues.btcc import stream_messages as sm
from tradeport.venues.btcc import stream_parse as sp

SYMBOL = "BTC-USDT"
TICK_ROW = {"Y": 3289142, "A": "65000.2", "B": "65000.1", "C": "65000.1", "T": 1700000000}
TICK = {"action": "tickinfo", "data": [{**TICK_ROW, "V": "12.5"}]}
DEEP = {
    "action": "tickinfo_deep",
    "data": {
        "Y": "3289142",
        "A": ["65000.2", "65000.3", "65000.5", "65001", "65002", "65003", "65004"],
        "U": ["1", "2", "3", "4", "5", "6", "7"],
        "B": ["65000.1", "65000", "64999", "64998", "64997", "64996", "64995"],
        "M": ["1", "2", "3", "4", "5", "6", "0"],
        "T": 1700000000,
    },
}


def text(message: dict[str, object]) -> str:
    return json.dumps(message)


def test_tickinfo_is_a_ticker() -> None:
    (row,) = sp.tick_rows(text(TICK))
    tick = sp.parse_tick(row, SYMBOL, 7)
    assert (tick.bid, tick.ask, tick.last, tick.volume) == (65000.1, 65000.2, 65000.1, 12.5)
    assert tick.ts == 1_700_000_000_000 and tick.local_ts == 7


def test_tickinfo_deep_is_the_whole_book_best_first() -> None:
    book = sp.parse_deep(sp.deep_data(text(DEEP)), SYMBOL, 0)
    assert book.state is BookState.LIVE
    assert book.asks[0] == (65000.2, 1.0) and len(book.asks) == 7
    assert book.bids[0] == (65000.1, 1.0) and len(book.bids) == 6  # a zero size is no level


def test_a_crossed_book_is_flagged_not_live() -> None:
    data = {**DEEP["data"], "B": ["65000.3", "65000", "1", "1", "1", "1", "1"]}  # type: ignore[dict-item]
    book = sp.parse_deep(sp.deep_data(text({"action": "tickinfo_deep", "data": data})), SYMBOL, 0)
    assert book.state is BookState.RESYNCING


@pytest.mark.parametrize("bad", ["NaN", "-1", "inf"])
def test_unreal_numbers_are_malformed(bad: str) -> None:
    data = {**DEEP["data"], "A": [bad, *DEEP["data"]["A"][1:]]}  # type: ignore[index]
    with pytest.raises(MalformedMessage):
        sp.parse_deep(sp.deep_data(text({"action": "tickinfo_deep", "data": data})), SYMBOL, 0)
    tick = {"action": "tickinfo", "data": [{**TICK_ROW, "B": bad}]}
    with pytest.raises(MalformedMessage):
        sp.tick_rows(text(tick))


def test_sizes_that_do_not_pair_with_prices_are_malformed() -> None:
    data = {**DEEP["data"], "U": ["1"]}  # type: ignore[dict-item]
    with pytest.raises(MalformedMessage, match="pair"):
        sp.parse_deep(sp.deep_data(text({"action": "tickinfo_deep", "data": data})), SYMBOL, 0)


def deal(t: int, price: float = 100.0, side: int = 1) -> sm.DealRow:
    return sm.DealRow(P=price, V=1.0, T=t, S=side)


def test_new_trades_are_what_follows_the_previous_snapshot() -> None:
    seen = [deal(1), deal(2), deal(3)]
    assert sp.new_deals([], seen) == ([], False)  # before the subscription: not news
    assert sp.new_deals(seen, seen) == ([], False)
    assert sp.new_deals(seen, [deal(2), deal(3), deal(4), deal(5)]) == ([deal(4), deal(5)], False)
    # nothing shared: more trades came than a snapshot holds
    assert sp.new_deals(seen, [deal(8), deal(9)]) == ([deal(8), deal(9)], True)


def test_a_trade_names_its_taker_side() -> None:
    trade = sp.parse_deal(deal(5, 101.5, 2), SYMBOL, 0)
    assert trade.taker_side is Side.SELL and trade.price == 101.5 and trade.ts == 5000
    with pytest.raises(MalformedMessage):
        sp.parse_deal(deal(5, side=3), SYMBOL, 0)


def test_a_kline_answer_is_bars_oldest_first() -> None:
    rows = [
        {"T": 1700000060, "O": "2", "H": "3", "L": "1.5", "C": "2.5", "V": "10"},
        {"T": 1700000000, "O": "1", "H": "2", "L": "1", "C": "2", "V": "5"},
    ]
    bars = sp.parse_klines(text({"action": "Kline", "data": rows}), SYMBOL, "1m", "M1", 0)
    assert [b.open_ts for b in bars] == [1_700_000_000_000, 1_700_000_060_000]
    assert bars[0].close_ts == 1_700_000_059_999 and bars[1].volume == 10.0
    bad = [{**rows[0], "H": "1"}]
    with pytest.raises(MalformedMessage):
        sp.parse_klines(text({"action": "Kline", "data": bad}), SYMBOL, "1m", "M1", 0)
