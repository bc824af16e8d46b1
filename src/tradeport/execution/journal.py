"""The execution journal: every intent, request, acknowledgement, fill, cancel,
reconcile result and state snapshot, appended with its time to an SQLite file the
user chooses, so that a restart knows which intents may still be live at the venue.

Durability: the database runs in WAL mode and every `record` is its own committed
transaction, so a process that dies (kill -9, a crash) loses nothing it recorded and
never leaves a half-written event. `synchronous=NORMAL` is enough with WAL: a commit
is written to the WAL file before `record` returns, and the database stays consistent
at any crash; only an operating-system crash or power cut can roll back the last few
commits (NORMAL skips the fsync per commit), and the port reconciles against the
venue on connect in any case. `Journal(path, durable=True)` fsyncs every commit
(synchronous=FULL) for those who want the power-cut guarantee too, at a cost per
event that bench/journal.py shows.

Asyncio: the calls are short (one indexed INSERT or SELECT, no fsync with the
default), so the port calls them directly on the event loop instead of handing them
to a thread. One connection serves the journal; a lock lets the sync wrapper's loop
thread and the caller's thread share it. Another process (`tradeport journal
--follow`) may read the file while it is written: WAL readers never block the writer.

Append-only: triggers refuse any UPDATE or DELETE of an event, whoever the writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from tradeport.execution.intent import Intent, ReceiptStatus
from tradeport.execution.plain_data import (
    intent_from_dict,
    intent_to_dict,
    receipt_from_dict,
    receipt_to_dict,
)
from tradeport.model.errors import BadParameter, JournalError

JOURNAL_KINDS = frozenset(
    {"intent", "request", "ack", "fill", "cancel", "reconcile", "snapshot", "receipt", "error"}
)
TERMINAL_STATUSES = frozenset(
    {
        ReceiptStatus.FILLED.value,
        ReceiptStatus.CANCELLED.value,
        ReceiptStatus.REJECTED.value,
        ReceiptStatus.RATE_LIMITED.value,
    }
)
SCHEMA_VERSION = 1
# written into the SQLite header (PRAGMA application_id): "TPJL", so that another
# program's database is told apart from a journal before any table is read
APPLICATION_ID = 0x54504A4C
BUSY_TIMEOUT_MS = 5000  # a second writer (another port on the same file) waits its turn

_SCHEMA = f"""
CREATE TABLE schema_version (version INTEGER NOT NULL, created_ns INTEGER NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    intent_id TEXT,
    venue TEXT NOT NULL,
    symbol TEXT,
    terminal INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX events_by_intent ON events (intent_id, seq) WHERE intent_id IS NOT NULL;
-- per intent id, its latest intent and receipt events, kept by the triggers below in the
-- same statement as the event: open_intents reads the open ones through a partial index
-- instead of scanning every event (a derived index of the events, not a second truth)
CREATE TABLE intent_state (
    intent_id TEXT PRIMARY KEY,
    intent_seq INTEGER,
    receipt_seq INTEGER,
    terminal INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX intent_state_open ON intent_state (intent_seq) WHERE terminal = 0;
CREATE TRIGGER events_track_intent AFTER INSERT ON events WHEN NEW.kind = 'intent'
BEGIN INSERT INTO intent_state (intent_id, intent_seq) VALUES (NEW.intent_id, NEW.seq)
    ON CONFLICT (intent_id) DO UPDATE SET intent_seq = NEW.seq; END;
CREATE TRIGGER events_track_receipt AFTER INSERT ON events WHEN NEW.kind = 'receipt'
BEGIN INSERT INTO intent_state (intent_id, receipt_seq, terminal)
    VALUES (NEW.intent_id, NEW.seq, NEW.terminal)
    ON CONFLICT (intent_id) DO UPDATE SET receipt_seq = NEW.seq, terminal = NEW.terminal; END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;
PRAGMA application_id = {APPLICATION_ID};
"""

# an intent is open while its latest receipt (if any) is not terminal
_OPEN_INTENTS = """
SELECT e.seq, e.ts, e.kind, e.intent_id, e.venue, e.symbol, e.data
FROM intent_state AS s JOIN events AS e ON e.seq = s.intent_seq
WHERE s.terminal = 0 AND s.intent_seq IS NOT NULL {venue_filter}
ORDER BY s.intent_seq
"""

_COLUMNS = "seq, ts, kind, intent_id, venue, symbol, data"


@dataclass(frozen=True, slots=True)
class JournalEvent:
    seq: int
    ts: int  # epoch ns, local, when recorded
    kind: str
    intent_id: str | None
    venue: str
    symbol: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OpenIntent:
    """An intent the journal holds no terminal receipt for: its order may be live."""

    intent: Intent
    client_order_id: str
    venue: str
    seq: int
    ts: int


class Journal:
    """An append-only execution journal in one SQLite file (see the module notes).

    `create=False` opens only an existing journal (a reader such as `tradeport
    journal` must not leave an empty file behind a mistyped path)."""

    def __init__(
        self, path: str | os.PathLike[str], *, create: bool = True, durable: bool = False
    ) -> None:
        self.path = os.fspath(path)
        if not create and not Path(self.path).is_file():
            raise JournalError(self.path, "no such file")
        self._lock = threading.Lock()
        try:
            # autocommit (isolation_level=None): each record is one explicit statement
            # that commits on its own; the lock makes sharing across threads safe
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=0
            )
        except sqlite3.Error as exc:
            raise JournalError(self.path, f"cannot open: {exc}") from exc
        try:
            self._prepare(durable)
        except sqlite3.Error as exc:
            self._db.close()
            raise JournalError(self.path, _open_problem(exc)) from exc
        except JournalError:
            self._db.close()
            raise
        self._closed = False

    def _prepare(self, durable: bool) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and tables:
            raise JournalError(self.path, "not a tradeport journal (another SQLite database)")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise JournalError(self.path, f"cannot use WAL mode (got {mode})")
        db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        if app_id != APPLICATION_ID:
            self._create_schema()
        version = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        if version is None:
            raise JournalError(self.path, "no schema version recorded: not a journal")
        if version > SCHEMA_VERSION:
            raise JournalError(
                self.path,
                f"schema version {version} is newer than this tradeport reads "
                f"({SCHEMA_VERSION}): upgrade tradeport",
            )

    def _create_schema(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            # another process may have created it between our check and the lock
            if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                for statement in _statements(_SCHEMA):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, created_ns) VALUES (?, ?)",
                    (SCHEMA_VERSION, time.time_ns()),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- writing ------------------------------------------------------------------------
    def record(
        self,
        kind: str,
        *,
        intent_id: str | None = None,
        venue: str = "",
        symbol: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> int:
        """Append one event (committed before this returns); its sequence number.

        A "receipt" whose `status` is terminal (FILLED, CANCELLED, REJECTED,
        RATE_LIMITED) closes its intent: `open_intents` no longer lists it."""
        if kind not in JOURNAL_KINDS:
            raise BadParameter(f"journal kind {kind!r}: expected one of {sorted(JOURNAL_KINDS)}")
        if kind in ("intent", "receipt") and not intent_id:
            raise BadParameter(f"journal {kind} event: needs an intent_id")
        payload = dict(data or {})
        terminal = kind == "receipt" and payload.get("status") in TERMINAL_STATUSES
        text = _encode(kind, payload)
        with self._lock:
            self._check_open()
            try:
                cursor = self._db.execute(
                    "INSERT INTO events (ts, kind, intent_id, venue, symbol, terminal, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (time.time_ns(), kind, intent_id, venue, symbol, int(terminal), text),
                )
            except sqlite3.Error as exc:
                raise JournalError(self.path, f"cannot record a {kind} event: {exc}") from exc
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    # -- reading ------------------------------------------------------------------------
    def open_intents(self, venue: str | None = None) -> list[OpenIntent]:
        """Intents recorded without a terminal receipt yet, oldest first (one per intent
        id: its latest "intent" event), optionally only those of one venue."""
        sql = _OPEN_INTENTS.format(venue_filter="AND e.venue = ?" if venue is not None else "")
        rows = self._query(sql, () if venue is None else (venue,))
        out = []
        for event in rows:
            intent = intent_from_dict(event.data)
            cid = event.data.get("client_order_id")
            out.append(
                OpenIntent(
                    intent=intent,
                    client_order_id=cid if isinstance(cid, str) else "",
                    venue=event.venue,
                    seq=event.seq,
                    ts=event.ts,
                )
            )
        return out

    def events(
        self,
        *,
        since: int = 0,
        intent_id: str | None = None,
        limit: int | None = None,
        kind: str | None = None,
    ) -> list[JournalEvent]:
        """Events with a sequence number above `since`, oldest first, at most `limit`."""
        where, args = _filters(since, intent_id, kind)
        sql = f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(_limit(limit))
        return self._query(sql, tuple(args))

    def tail(
        self, limit: int, *, intent_id: str | None = None, kind: str | None = None
    ) -> list[JournalEvent]:
        """The newest `limit` events (matching the filters), oldest first."""
        where, args = _filters(0, intent_id, kind)
        sql = f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY seq DESC LIMIT ?"
        rows = self._query(sql, (*args, _limit(limit)))
        rows.reverse()
        return rows

    def last_seq(self) -> int:
        """The sequence number of the newest event (0 when empty)."""
        with self._lock:
            self._check_open()
            try:
                row = self._db.execute("SELECT MAX(seq) FROM events").fetchone()
            except sqlite3.Error as exc:
                raise JournalError(self.path, f"cannot read: {exc}") from exc
        return int(row[0] or 0)

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[JournalEvent]:
        with self._lock:
            self._check_open()
            try:
                rows = self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(self.path, f"cannot read: {exc}") from exc
        return [_event(row, self.path) for row in rows]

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def _check_open(self) -> None:
        if self._closed:
            raise JournalError(self.path, "already closed")

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"


def _statements(script: str) -> list[str]:
    """The SQL statements of a script, whole (a trigger's body holds semicolons)."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    return out


def _open_problem(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text:
        return "not a tradeport journal (not an SQLite database)"
    if "readonly" in text or "unable to open" in text:
        return f"cannot be written ({text})"
    return text


def _filters(since: int, intent_id: str | None, kind: str | None) -> tuple[str, list[Any]]:
    where: list[str] = ["seq > ?"]
    args: list[Any] = [since]
    if intent_id is not None:
        where.append("intent_id = ?")
        args.append(intent_id)
    if kind is not None:
        if kind not in JOURNAL_KINDS:
            raise BadParameter(f"journal kind {kind!r}: expected one of {sorted(JOURNAL_KINDS)}")
        where.append("kind = ?")
        args.append(kind)
    return " AND ".join(where), args


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise BadParameter(f"limit {limit!r}: expected a whole number, 0 or more")
    return limit


def _encode(kind: str, data: dict[str, Any]) -> str:
    # msgspec writes a Decimal as its exact text and a StrEnum as its value
    try:
        return msgspec.json.encode(data).decode()
    except (TypeError, msgspec.EncodeError) as exc:
        raise BadParameter(f"journal {kind} data: not JSON-encodable ({exc})") from exc


def _event(row: tuple[Any, ...], path: str) -> JournalEvent:
    seq, ts, kind, intent_id, venue, symbol, text = row
    try:
        data = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise JournalError(path, f"event {seq}: data is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise JournalError(path, f"event {seq}: data is not a JSON object")
    return JournalEvent(seq, ts, kind, intent_id, venue, symbol, data)


__all__ = [
    "JOURNAL_KINDS",
    "SCHEMA_VERSION",
    "Journal",
    "JournalEvent",
    "OpenIntent",
    "intent_from_dict",
    "intent_to_dict",
    "receipt_from_dict",
    "receipt_to_dict",
]
