"""An execution journal shown as a rich table (`tradeport journal`, the demo), and
tailed: `follow_step` is one poll of `tradeport journal --follow`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.console import Console
from rich.table import Table

from tradeport.execution.journal import Journal, JournalEvent

SUMMARY_WIDTH = 90  # a longer generic summary is cut: `--intent` with the data shows all
# (name, minimum width or 0): the columns with a bounded content keep their width, so
# that the tables `--follow` prints one after another line up
_COLUMNS = (
    ("seq", 5),
    ("time (UTC)", 18),
    ("kind", 9),
    ("intent", 0),
    ("venue", 0),
    ("symbol", 0),
    ("summary", 0),
)


def journal_table(
    events: Iterable[JournalEvent],
    title: str | None = None,
    *,
    header: bool = True,
    fold_constant: bool = False,
) -> Table:
    """The events, one row each, oldest first. With `fold_constant` (narrow terminals),
    the venue and symbol columns are left out when every row that has one has the same,
    and the date when all rows share it; the title names what was folded. `--follow`
    keeps every column, so its tables line up."""
    rows = [
        [
            str(e.seq),
            event_time(e.ts),
            e.kind,
            e.intent_id or "-",
            e.venue or "-",
            e.symbol or "-",
            event_summary(e),
        ]
        for e in events
    ]
    names = [n for n, _ in _COLUMNS]
    widths = dict(_COLUMNS)
    headers = {name: name for name in names}
    keep = list(range(len(_COLUMNS)))
    if fold_constant and rows:
        folded: list[str] = []
        for name in ("venue", "symbol"):
            index = names.index(name)
            values = {row[index] for row in rows} - {"-"}
            if len(values) <= 1:
                keep.remove(index)
                folded.extend(values)
        at = names.index("time (UTC)")
        dates = {row[at].partition(" ")[0] for row in rows}
        if len(dates) == 1:
            for row in rows:
                row[at] = row[at].partition(" ")[2]
            widths["time (UTC)"] = len(rows[0][at])
            headers["time (UTC)"] = "time"
            folded.append(f"{dates.pop()} UTC")
        if folded:
            title = " ".join(filter(None, [title, f"({' '.join(folded)})"]))
    table = Table(title=title, show_header=header)
    for i in keep:
        name = names[i]
        width = widths[name]
        table.add_column(
            headers[name],
            min_width=width or None,
            no_wrap=bool(width),
            justify="right" if name == "seq" else "left",
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    return table


def event_time(ts_ns: int) -> str:
    """month-day and time to the millisecond, in UTC."""
    moment = datetime.fromtimestamp(ts_ns / 1e9, tz=UTC)
    return moment.strftime("%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def event_summary(event: JournalEvent) -> str:
    """One line saying what the event holds: an intent's wish, a receipt's outcome, or
    the other kinds' plain fields."""
    if event.kind == "intent":
        return _intent_summary(event.data)
    if event.kind == "receipt":
        return _receipt_summary(event.data)
    return _fields_summary(event.data)


def _intent_summary(d: Mapping[str, Any]) -> str:
    text = f"{d.get('action')} {d.get('side')} {_num(d.get('size'))} {d.get('order_type')}"
    if d.get("limit_price") is not None:
        text += f" @ {_num(d['limit_price'])}"
    if d.get("leverage") is not None:
        text += f" {d['leverage']}x"
    if d.get("client_order_id"):
        text += f", client id {d['client_order_id']}"
    return text


def _receipt_summary(d: Mapping[str, Any]) -> str:
    parts = [f"{d.get('status')} {_num(d.get('filled_qty'))}"]
    if d.get("avg_price") is not None:
        parts[0] += f" @ {_num(d['avg_price'])}"
    if d.get("fee") is not None:
        parts.append(f"fee {_num(d['fee'])} {d.get('fee_asset') or ''} ({d.get('fee_source')})")
    if d.get("slippage_bps") is not None:
        parts.append(f"slippage {_num(d['slippage_bps'], places=2)} bps")
    if d.get("order_id"):
        parts.append(f"order {d['order_id']}")
    error = d.get("error")
    if isinstance(error, Mapping):
        parts.append(f"{error.get('type')}: {error.get('message')}")
    return ", ".join(parts)


def _fields_summary(d: Mapping[str, Any]) -> str:
    text = " ".join(
        f"{k}={v}" for k, v in d.items() if v is not None and not isinstance(v, dict | list)
    )
    return text if len(text) <= SUMMARY_WIDTH else text[: SUMMARY_WIDTH - 1] + "…"


def _num(value: object, places: int | None = None) -> str:
    """A decimal text without trailing zeros (0.0500 → 0.05), rounded to `places`."""
    if not isinstance(value, str):
        return "-" if value is None else str(value)
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if places is not None:
        number = round(number, places)
    return format(number.normalize(), "f")


@dataclass(slots=True)
class JournalFilter:
    intent_id: str | None = None
    kind: str | None = None


def first_page(journal: Journal, where: JournalFilter, limit: int | None) -> list[JournalEvent]:
    """What `tradeport journal` shows first: every matching event, or the newest `limit`."""
    if limit is None:
        return journal.events(intent_id=where.intent_id, kind=where.kind)
    return journal.tail(limit, intent_id=where.intent_id, kind=where.kind)


def follow_step(journal: Journal, where: JournalFilter, since: int, console: Console) -> int:
    """One poll of `--follow`: print the matching events recorded after `since` (one
    table without a header); the sequence number to poll from next."""
    # everything up to `top` is read now, so nothing recorded meanwhile is skipped and
    # events the filters leave out are not read again
    top = journal.last_seq()
    fresh = journal.events(since=since, intent_id=where.intent_id, kind=where.kind)
    fresh = [e for e in fresh if e.seq <= top]
    if fresh:
        console.print(journal_table(fresh, header=False))
    return max(since, top)


def follow(
    journal: Journal, where: JournalFilter, since: int, console: Console, interval: float
) -> None:
    """Print new events as they are recorded, until interrupted (Ctrl-C)."""
    while True:
        since = follow_step(journal, where, since, console)
        time.sleep(interval)
