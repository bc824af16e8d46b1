"""The execution journal: what is recorded is read back exactly, survives a crash,
cannot be rewritten, can be read while written, and a bad file says what is wrong."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentOrderType,
    IntentSide,
    ReceiptStatus,
)
from tradeport.execution.journal import (
    SCHEMA_VERSION,
    Journal,
    intent_from_dict,
    intent_to_dict,
    receipt_from_dict,
    receipt_to_dict,
)
from tradeport.model import Order, OrderStatus, OrderType, Side
from tradeport.model.errors import BadParameter, JournalError, PostOnlyRejected

VENUE = "BINANCE___SWAP"


def an_intent(intent_id: str, **kw: object) -> Intent:
    fields: dict[str, object] = {
        "asset": "BTC-USDT",
        "side": IntentSide.LONG,
        "action": IntentAction.ENTER,
        "size": Decimal("0.0500"),
        "leverage": 3,
        "intent_id": intent_id,
    }
    fields.update(kw)
    return Intent(**fields)  # type: ignore[arg-type]


def a_receipt(intent_id: str, status: ReceiptStatus, **kw: object) -> ExecutionReceipt:
    fields: dict[str, object] = {
        "intent_id": intent_id,
        "venue": VENUE,
        "symbol": "BTC-USDT",
        "status": status,
        "client_order_id": f"tp{intent_id}",
    }
    fields.update(kw)
    return ExecutionReceipt(**fields)  # type: ignore[arg-type]


def record_intent(journal: Journal, intent: Intent, venue: str = VENUE) -> int:
    data = intent_to_dict(intent) | {"client_order_id": f"tp{intent.intent_id}"}
    return journal.record(
        "intent", intent_id=intent.intent_id, venue=venue, symbol=intent.asset, data=data
    )


def record_receipt(journal: Journal, receipt: ExecutionReceipt) -> int:
    return journal.record(
        "receipt",
        intent_id=receipt.intent_id,
        venue=receipt.venue,
        symbol=receipt.symbol,
        data=receipt_to_dict(receipt),
    )


def test_an_intent_and_its_receipt_read_back_exactly_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    intent = an_intent("a1", order_type=IntentOrderType.LIMIT, limit_price=Decimal("60000.10"))
    order = Order(
        symbol="BTC-USDT", client_order_id="tpa1", order_id="42", side=Side.BUY,
        type=OrderType.LIMIT, time_in_force=None, price=Decimal("60000.10"),
        qty=Decimal("0.0500"), filled_qty=Decimal("0.0500"), avg_price=Decimal("59999.9"),
        status=OrderStatus.FILLED,
    )  # fmt: skip
    receipt = a_receipt(
        "a1", ReceiptStatus.FILLED, order_id="42", side=Side.BUY,
        filled_qty=Decimal("0.0500"), avg_price=Decimal("59999.9"), fee=Decimal("0.0120000"),
        fee_asset="USDT", fee_source=FeeSource.VENUE, mark_at_submit=Decimal("60000"),
        slippage_bps=Decimal("-0.0166"), submit_ts=1, venue_ts=2, order=order,
        raw={"orderId": 42},
    )  # fmt: skip
    with Journal(path) as journal:
        first = record_intent(journal, intent)
        second = record_receipt(journal, receipt)
    assert second > first

    with Journal(path) as journal:
        events = journal.events()
    assert [e.kind for e in events] == ["intent", "receipt"]
    assert all(e.ts > 0 and e.venue == VENUE and e.intent_id == "a1" for e in events)
    assert events[0].ts <= events[1].ts
    assert intent_from_dict(events[0].data) == intent
    # Decimals keep their exact text, trailing zeros included
    assert events[0].data["size"] == "0.0500" and events[1].data["fee"] == "0.0120000"
    back = receipt_from_dict(events[1].data)
    assert back.fee == Decimal("0.0120000") and str(back.fee) == "0.0120000"
    assert back.status is ReceiptStatus.FILLED and back.fee_source is FeeSource.VENUE
    assert back.slippage_bps == Decimal("-0.0166") and back.side is Side.BUY
    assert back.order == order and back.raw == {"orderId": 42}


def test_a_receipt_keeps_its_typed_error(tmp_path: Path) -> None:
    error = PostOnlyRejected("would take", venue=VENUE, code=-5022, raw_message="GTX")
    receipt = a_receipt("e1", ReceiptStatus.REJECTED, error=error)
    data = receipt_to_dict(receipt)
    assert data["error"] == {
        "type": "PostOnlyRejected", "kind": "post_only", "message": "would take", "code": -5022
    }  # fmt: skip
    back = receipt_from_dict(json.loads(json.dumps(data)))
    assert isinstance(back.error, PostOnlyRejected) and back.error.code == -5022


CRASHING_WRITER = """
import os, sys
from decimal import Decimal
from tradeport.execution.intent import *
from tradeport.execution.journal import Journal, intent_to_dict, receipt_to_dict

journal = Journal(sys.argv[1])
def intent(i):
    it = Intent(asset="BTC-USDT", side=IntentSide.LONG, action=IntentAction.ENTER,
                size=Decimal("0.01"), intent_id=i)
    journal.record("intent", intent_id=i, venue="V", symbol="BTC-USDT",
                   data=intent_to_dict(it) | {"client_order_id": "c" + i})
def receipt(i, status):
    r = ExecutionReceipt(intent_id=i, venue="V", symbol="BTC-USDT", status=status,
                         client_order_id="c" + i)
    journal.record("receipt", intent_id=i, venue="V", data=receipt_to_dict(r))
intent("filled"); receipt("filled", ReceiptStatus.ACCEPTED); receipt("filled", ReceiptStatus.FILLED)
intent("resting"); receipt("resting", ReceiptStatus.ACCEPTED)
intent("unacked")
intent("unknown"); receipt("unknown", ReceiptStatus.UNKNOWN)
intent("rejected"); receipt("rejected", ReceiptStatus.REJECTED)
os._exit(1)  # dies here: no close, no final receipts
"""


def test_intents_without_a_terminal_receipt_are_open_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(path)], capture_output=True, text=True
    )
    assert crashed.returncode == 1, crashed.stderr
    with Journal(path) as journal:
        opened = journal.open_intents()
        assert [o.intent.intent_id for o in opened] == ["resting", "unacked", "unknown"]
        assert [o.client_order_id for o in opened] == ["cresting", "cunacked", "cunknown"]
        assert all(o.venue == "V" and o.seq > 0 and o.ts > 0 for o in opened)
        assert opened[0].intent.size == Decimal("0.01")
        assert journal.open_intents(venue="other") == []
        # the recovered order is resolved later: its terminal receipt closes it
        record_receipt(journal, a_receipt("resting", ReceiptStatus.CANCELLED, venue="V"))
        assert [o.intent.intent_id for o in journal.open_intents("V")] == ["unacked", "unknown"]


def test_open_intents_lists_one_entry_per_intent_and_filters_by_venue(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        record_intent(journal, an_intent("x"), venue="A")
        resent = record_intent(journal, an_intent("x"), venue="A")  # resubmitted after a restart
        record_intent(journal, an_intent("y"), venue="B")
        record_receipt(journal, a_receipt("z", ReceiptStatus.UNKNOWN))  # no intent recorded
        opened = journal.open_intents()
        assert [(o.intent.intent_id, o.seq) for o in opened] == [("x", resent), ("y", 3)]
        assert [o.intent.intent_id for o in journal.open_intents("B")] == ["y"]


def test_events_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        record_intent(journal, an_intent("a1"))
    raw = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE events SET kind = 'error'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM events")
    finally:
        raw.close()
    with Journal(path) as journal:
        assert [e.kind for e in journal.events()] == ["intent"]


def test_a_second_connection_reads_while_the_writer_appends(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    writer = Journal(path)
    reader = Journal(path, create=False)
    # a reader in the middle of a long read transaction does not block the writer (WAL)
    long_read = sqlite3.connect(path, isolation_level=None)
    try:
        record_intent(writer, an_intent("a1"))
        long_read.execute("BEGIN")
        assert long_read.execute("SELECT count(*) FROM events").fetchone() == (1,)
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
        seqs = [record_intent(writer, an_intent(f"b{i}")) for i in range(3)]
        # the open read transaction keeps its snapshot; a fresh read sees every row
        assert long_read.execute("SELECT count(*) FROM events").fetchone() == (1,)
        assert [e.seq for e in reader.events(since=1)] == seqs
        assert reader.last_seq() == seqs[-1]
    finally:
        long_read.close()
        reader.close()
        writer.close()


def test_threads_sharing_a_journal_get_distinct_sequence_numbers(tmp_path: Path) -> None:
    seqs: list[int] = []
    with Journal(tmp_path / "j.db") as journal:

        def write(prefix: str) -> None:
            seqs.extend(
                journal.record("request", intent_id=f"{prefix}{i}", data={"n": i})
                for i in range(50)
            )

        threads = [threading.Thread(target=write, args=(p,)) for p in "abcd"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seqs) == [e.seq for e in journal.events()]
        assert len(set(seqs)) == 200


def test_events_filter_by_intent_kind_and_limit(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        for i in range(5):
            journal.record("request", intent_id="a", data={"i": i})
            journal.record("ack", intent_id="b", data={"i": i})
        assert [e.data["i"] for e in journal.events(intent_id="a", limit=2)] == [0, 1]
        assert [e.data["i"] for e in journal.events(kind="ack", since=6)] == [3, 4]
        assert [e.data["i"] for e in journal.tail(2, kind="request")] == [3, 4]
        assert journal.tail(0) == []


def test_a_bad_event_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        with pytest.raises(BadParameter, match="'order'"):
            journal.record("order", intent_id="a")
        with pytest.raises(BadParameter, match="intent_id"):
            journal.record("receipt", data={"status": "filled"})
        with pytest.raises(BadParameter, match="JSON"):
            journal.record("fill", data={"when": object()})
        with pytest.raises(BadParameter, match="limit"):
            journal.events(limit=-1)
        assert journal.events() == []
    with pytest.raises(JournalError, match="closed"):
        journal.record("error", data={})


def test_a_file_that_is_not_a_journal_is_a_typed_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some words that fill a page " * 20)
    with pytest.raises(JournalError, match="not an SQLite database") as info:
        Journal(text)
    assert info.value.path == str(text)
    assert text.read_text().startswith("not a database")  # left as it was

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE prices (p REAL)")
    with pytest.raises(JournalError, match="another SQLite database"):
        Journal(other)


def test_a_path_that_cannot_be_written_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="cannot") as info:
        Journal(tmp_path / "no-such-dir" / "journal.db")
    assert "no-such-dir" in info.value.path
    with pytest.raises(JournalError, match="cannot"):
        Journal(tmp_path)  # a directory
    with pytest.raises(JournalError, match="no such file"):
        Journal(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_a_journal_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version VALUES (?, 0)", (SCHEMA_VERSION + 1,))
    with pytest.raises(JournalError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Journal(path)


def test_a_durable_journal_records_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path, durable=True) as journal:
        record_intent(journal, an_intent("d1"))
        assert journal._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    with Journal(path) as journal:
        assert [o.intent.intent_id for o in journal.open_intents()] == ["d1"]


decimals = st.decimals(
    min_value=Decimal("1e-12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False
)
json_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))


@given(
    intent_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=36),
    asset=st.sampled_from(["BTC-USDT", "ETH-USDT", "1000PEPE-USDT"]),
    side=st.sampled_from(IntentSide),
    action=st.sampled_from(IntentAction),
    size=decimals,
    leverage=st.none() | st.integers(min_value=1, max_value=125),
    order_type=st.sampled_from(IntentOrderType),
    limit_price=decimals,
    metadata=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)
def test_any_intent_round_trips_through_json_text(
    intent_id: str,
    asset: str,
    side: IntentSide,
    action: IntentAction,
    size: Decimal,
    leverage: int | None,
    order_type: IntentOrderType,
    limit_price: Decimal,
    metadata: dict[str, object],
) -> None:
    priced = order_type is not IntentOrderType.MARKET
    intent = Intent(
        intent_id=intent_id, asset=asset, side=side, action=action, size=size,
        leverage=leverage, order_type=order_type, limit_price=limit_price if priced else None,
        metadata=metadata,
    )  # fmt: skip
    back = intent_from_dict(json.loads(json.dumps(intent_to_dict(intent))))
    assert back == intent
    assert str(back.size) == str(size)  # the exact text, not only an equal value
    assert back.limit_price is None or str(back.limit_price) == str(limit_price)


def test_a_damaged_intent_record_names_the_bad_field() -> None:
    data = intent_to_dict(an_intent("a1"))
    with pytest.raises(BadParameter, match="size"):
        intent_from_dict(data | {"size": 0.05})
    with pytest.raises(BadParameter, match="side"):
        intent_from_dict(data | {"side": "up"})
    with pytest.raises(BadParameter, match="asset"):
        intent_from_dict({k: v for k, v in data.items() if k != "asset"})
