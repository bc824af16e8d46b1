"""`CheckedBook.on_frame`, whose LIVE updates have their levels read from the frame's
text by the text store, reaches the verdict of the typed path (`_on_typed`) on every
push: the same book, level texts, state, statistics, resync requests and errors, a
checksum still verified on each update (a wrong one still resyncs). On each text level
store built here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.book.conftest import TEXT_STORES, using_text_store

from tradeport.book.checksum import DEPTH, crc32_interleaved
from tradeport.model import BookState
from tradeport.model.errors import MalformedMessage
from tradeport.venues.okx.contracts import sizes
from tradeport.venues.okx.stream_books import CheckedBook

SIZES = [float, sizes(Decimal("0.01")), sizes(Decimal("0.3"))]
SIZE_IDS = ["spot", "ten-power", "contracts"]


@pytest.fixture(autouse=True, params=TEXT_STORES)
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    with using_text_store(request.param) as name:
        yield name


class Venue:
    """The book OKX holds, as price text → size text, and the pushes that carry it."""

    def __init__(self) -> None:
        self.bids: dict[str, str] = {"99": "1", "98.5": "2", "97": "5"}
        self.asks: dict[str, str] = {"101": "1", "101.5": "3", "103": "2"}
        self.seq = 10

    def checksum(self) -> int:
        bids = sorted(self.bids.items(), key=lambda kv: -float(kv[0]))[:DEPTH]
        asks = sorted(self.asks.items(), key=lambda kv: float(kv[0]))[:DEPTH]
        return crc32_interleaved(bids, asks)

    def snapshot(self) -> str:
        return self.push("snapshot", self.bids.items(), self.asks.items(), prev=-1)

    def update(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> str:
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for px, sz in rows:
                if float(sz):
                    side[px] = sz
                else:
                    side.pop(px, None)
        prev, self.seq = self.seq, self.seq + 1
        return self.push("update", bids, asks, prev=prev)

    def push(
        self, action: str, bids: Any, asks: Any, prev: int, checksum: int | None = None
    ) -> str:
        data = {
            "asks": [[px, sz, "0", "1"] for px, sz in asks],
            "bids": [[px, sz, "0", "1"] for px, sz in bids],
            "ts": "1700000000000",
            "checksum": self.checksum() if checksum is None else checksum,
            "prevSeqId": prev,
            "seqId": self.seq,
        }
        message = {
            "arg": {"channel": "books", "instId": "BTC-USDT"},
            "action": action,
            "data": [data],
        }
        return json.dumps(message, separators=(",", ":"))


class Twins:
    """One book fed by `on_frame`, one by the typed path, each recording its resyncs."""

    def __init__(self, size: Any) -> None:
        self.requests: tuple[list[str], list[str]] = ([], [])
        self.fast = CheckedBook("BTC-USDT", self.requests[0].append, size)
        self.typed = CheckedBook("BTC-USDT", self.requests[1].append, size)

    def feed(self, frame: str | bytes) -> None:
        outcomes = [outcome(lambda: self.fast.on_frame(frame, 5))]
        outcomes.append(outcome(lambda: self.typed._on_typed(frame, 5)))
        assert outcomes[0] == outcomes[1]
        assert seen(self.fast) == seen(self.typed)
        assert self.requests[0] == self.requests[1]


def outcome(feed: Callable[[], bool]) -> Any:
    try:
        return feed()
    except MalformedMessage as exc:
        return type(exc).__name__, str(exc)


def seen(book: CheckedBook) -> tuple[Any, ...]:
    sync, levels = book.sync, book.book
    stats = (sync.stats.checksum_mismatches, sync.stats.gaps, sync.stats.snapshots)
    live = sync.state is BookState.LIVE
    texts = levels.top_texts(DEPTH) if live else None
    return sync.state, sync.update_id, stats, texts, levels.bids_top(), levels.asks_top()


price = st.sampled_from(["96", "97", "98.5", "99", "99.0", "100", "101.5", "102", "103", "104"])
size = st.sampled_from(["0", "1", "2.5", "0.1", "30", "0.0", "1e1"])
side_rows = st.lists(st.tuples(price, size), max_size=5, unique_by=lambda r: r[0])


@pytest.mark.parametrize("size_of", SIZES, ids=SIZE_IDS)
@settings(max_examples=100, deadline=None)
@given(updates=st.lists(st.tuples(side_rows, side_rows), max_size=8), as_bytes=st.booleans())
def test_updates_read_from_the_text_give_the_typed_paths_book(
    size_of: Any, updates: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]], as_bytes: bool
) -> None:
    venue, twins = Venue(), Twins(size_of)
    twins.feed(venue.snapshot())
    assert twins.fast.sync.state is BookState.LIVE
    for bids, asks in updates:
        # bids at or above an ask cross the book: both resync alike
        frame = venue.update(bids, [(px, sz) for px, sz in asks if float(px) > 100])
        twins.feed(frame.encode() if as_bytes else frame)


@pytest.mark.parametrize("size_of", SIZES, ids=SIZE_IDS)
def test_every_update_is_checksummed_and_a_mismatch_resyncs(size_of: Any) -> None:
    venue, twins = Venue(), Twins(size_of)
    twins.feed(venue.snapshot())
    twins.feed(venue.update([("99", "4")], [("101", "0")]))
    assert twins.fast.sync.state is BookState.LIVE
    assert twins.fast.sync.stats.checksum_mismatches == 0
    venue.update([("98.5", "7")], [])
    wrong = venue.push("update", [("98.5", "7")], [], prev=venue.seq - 1, checksum=12345)
    twins.feed(wrong)
    assert twins.fast.sync.stats.checksum_mismatches == 1
    assert twins.fast.sync.state is not BookState.LIVE
    assert twins.requests[0] == ["BTC-USDT"]  # a fresh snapshot asked for


@pytest.mark.parametrize(
    "row",
    [
        ["9\\u0039", "4", "0", "1"],  # read by the typed path: the same book
        ["99", "4", 0, 1],
        ["99", "4"],
        ["nan", "1", "0", "1"],  # refused alike
        ["99", "-1", "0", "1"],
        ["abc", "1", "0", "1"],
        ["99"],  # unreadable alike
        [99, "4", "0", "1"],
    ],
)
def test_other_forms_go_the_typed_way_to_the_same_verdict(row: list[Any]) -> None:
    venue, twins = Venue(), Twins(float)
    twins.feed(venue.snapshot())
    frame = venue.push("update", [], [], prev=venue.seq)
    frame = frame.replace('"bids":[]', '"bids":' + json.dumps(row).replace("\\\\", "\\").join("[]"))
    frame = frame.replace(f'"seqId":{venue.seq}', f'"seqId":{venue.seq + 1}')
    twins.feed(frame)


def test_a_push_the_book_cannot_apply_now_goes_the_typed_way() -> None:
    venue, twins = Venue(), Twins(float)
    twins.feed(venue.update([("99", "3")], []))  # before any snapshot: not LIVE
    twins.feed(venue.snapshot())
    twins.feed(venue.push("update", [], [], prev=venue.seq))  # a heartbeat: it links
    venue.seq += 5
    twins.feed(venue.push("update", [("99", "3")], [], prev=venue.seq - 1))  # a gap
    assert twins.fast.sync.stats.applied == 1 and twins.fast.sync.stats.gaps == 1
    assert twins.requests[0] == ["BTC-USDT"]


def test_a_live_update_in_the_plain_form_is_not_decoded_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    venue = Venue()
    book = CheckedBook("BTC-USDT", lambda _s: None, float)
    book.on_frame(venue.snapshot(), 0)
    typed: list[str | bytes] = []
    monkeypatch.setattr(CheckedBook, "_on_typed", lambda _self, frame, _ts: typed.append(frame))
    assert book.on_frame(venue.update([("99", "4"), ("96", "1")], [("101", "0")]), 0) is True
    assert typed == []
    assert book.book.top_texts(2) == (["99:4", "98.5:2"], ["101.5:3", "103:2"])
    assert book.sync.state is BookState.LIVE and book.sync.stats.checksum_mismatches == 0
    escaped = venue.update([("97", "2")], []).replace('"97"', '"9\\u0037"')
    book.on_frame(escaped, 0)
    assert len(typed) == 1  # an escape: the typed decoder reads it


def respaced(frame: str) -> str:
    return json.dumps(json.loads(frame), indent=1)


def reordered(frame: str) -> str:
    message = json.loads(frame)
    message["data"] = [dict(reversed(list(message["data"][0].items())))]
    return json.dumps(dict(reversed(list(message.items()))), separators=(",", ":"))


def with_keys(extra: dict[str, Any]) -> Callable[[str], str]:
    def add(frame: str) -> str:
        message = json.loads(frame)
        message["data"][0].update(extra)
        message["arg"].update(extra)
        return json.dumps(message, separators=(",", ":"))

    return add


@pytest.mark.parametrize(
    "form",
    [
        respaced,
        reordered,
        with_keys({"instId": "BTC-USDT", "n": 3}),
        with_keys({"x": 1.5, "y": [1, {"z": None}], "w": True}),
        with_keys({"x": "caf\u00e9"}),
        lambda frame: frame.replace('"ts":"1700000000000"', '"ts":"17e2"'),
        lambda frame: frame.replace('"ts":"1700000000000"', '"ts":""'),
        lambda frame: frame.replace('"ts":"1700000000000",', ""),
        lambda frame: frame.replace('"checksum":', '"checksum":0,"was":'),
        lambda frame: frame.replace('"seqId":', '"seqId":5,"seqId":'),  # a key twice
        lambda frame: frame.replace('"prevSeqId":', '"prevSeqId":"x","p":'),
        lambda frame: frame.replace('"action":"update"', '"action":"upd\\u0061te"'),
        lambda frame: frame.replace("}]}", "},{}]}"),
    ],
)
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_a_push_in_any_form_reaches_the_typed_paths_verdict(
    form: Callable[[str], str], as_bytes: bool
) -> None:
    venue, twins = Venue(), Twins(float)
    twins.feed(venue.snapshot())
    for bids, asks in ([("99", "4"), ("96", "1")], [("101", "0")]), ([("97", "0")], [("104", "2")]):
        frame = form(venue.update(bids, asks))
        twins.feed(frame.encode() if as_bytes else frame)
