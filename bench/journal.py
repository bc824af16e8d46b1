"""Cost of the execution journal per event: `record()` (wall and CPU µs per call), and
`open_intents()` over a journal of N events, with the default synchronous=NORMAL and
with `durable=True` (an fsync per commit).

The events are what the port writes for one intent: the intent, the request, the
acknowledgement, a fill and the receipt (five events), with realistic payloads; one
intent in a hundred is left without its receipt, so `open_intents()` has something to
find. The journal lives in a temporary folder under `--dir` (default: the current
folder, so that fsync reaches a real disk, not a tmpfs).

    python bench/journal.py [--events 1000,10000,100000] [--durable-events 500] [--dir .]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentSide,
    ReceiptStatus,
)
from tradeport.execution.journal import Journal, intent_to_dict, receipt_to_dict
from tradeport.model import Side

VENUE = "BINANCE___SWAP"
EVENTS_PER_INTENT = 5
OPEN_EVERY = 100  # one intent in OPEN_EVERY keeps no receipt


def intent_events(n: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The five (kind, intent id, data) events the port records for intent number n."""
    intent_id = f"i{n:08x}"
    cid = f"tp{intent_id}"
    intent = Intent(
        asset="BTC-USDT",
        side=IntentSide.LONG,
        action=IntentAction.ENTER,
        size=Decimal("0.050"),
        leverage=3,
        intent_id=intent_id,
        metadata={"strategy": "mean-revert", "signal": 0.82},
    )
    receipt = ExecutionReceipt(
        intent_id=intent_id,
        venue=VENUE,
        symbol="BTC-USDT",
        status=ReceiptStatus.FILLED,
        client_order_id=cid,
        order_id=str(8_000_000 + n),
        side=Side.BUY,
        filled_qty=Decimal("0.050"),
        avg_price=Decimal("60012.4"),
        fee=Decimal("1.200248"),
        fee_asset="USDT",
        fee_source=FeeSource.VENUE,
        mark_at_submit=Decimal("60010.0"),
        slippage_bps=Decimal("0.3999333"),
        submit_ts=time.time_ns(),
        venue_ts=int(time.time() * 1000),
        raw={"orderId": 8_000_000 + n, "status": "FILLED", "executedQty": "0.050"},
    )
    events = [
        ("intent", intent_to_dict(intent) | {"client_order_id": cid}),
        ("request", {"client_order_id": cid, "side": "buy", "type": "market", "qty": "0.050"}),
        ("ack", {"order_id": receipt.order_id, "status": "filled", "venue_ts": receipt.venue_ts}),
        ("fill", {"trade_id": f"t{n}", "qty": "0.050", "price": "60012.4", "fee": "1.200248"}),
        ("receipt", receipt_to_dict(receipt)),
    ]
    if n % OPEN_EVERY == 0:
        events.pop()
    return [(kind, intent_id, data) for kind, data in events]


def fill(journal: Journal, events: int) -> tuple[float, float]:
    """Record `events` events: (wall µs, CPU µs) per record()."""
    batches = [intent_events(n) for n in range(events // EVENTS_PER_INTENT + 1)]
    flat = [e for batch in batches for e in batch][:events]
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    for kind, intent_id, data in flat:
        journal.record(kind, intent_id=intent_id, venue=VENUE, symbol="BTC-USDT", data=data)
    wall, cpu = time.perf_counter_ns() - wall, time.process_time_ns() - cpu
    return wall / len(flat) / 1000, cpu / len(flat) / 1000


def per_call(fn: Any, repeat: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(repeat):
        fn()
    return (time.perf_counter_ns() - start) / repeat / 1000


def run(folder: Path, events: int, durable: bool) -> list[str]:
    path = folder / f"journal-{events}-{'full' if durable else 'normal'}.db"
    with Journal(path, durable=durable) as journal:
        wall, cpu = fill(journal, events)
        opened = len(journal.open_intents())
        scan = per_call(journal.open_intents, 20)
        tail = per_call(lambda: journal.events(since=journal.last_seq() - 100), 200)
    size = path.stat().st_size + sum(
        p.stat().st_size for p in folder.glob(f"{path.name}-*") if p.is_file()
    )
    mode = "durable (FULL)" if durable else "NORMAL"
    return [
        f"{events:,}",
        mode,
        f"{wall:.1f}",
        f"{cpu:.1f}",
        f"{scan / 1000:.2f} ms ({opened} open)",
        f"{tail:.0f}",
        f"{size / events:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", default="1000,10000,100000")
    parser.add_argument("--durable-events", type=int, default=500)
    parser.add_argument("--dir", default=".")
    args = parser.parse_args()
    header = [
        "events",
        "synchronous",
        "record µs",
        "record CPU µs",
        "open_intents()",
        "events(last 100) µs",
        "bytes/event",
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="journal-bench-", dir=args.dir) as tmp:
        for events in (int(n) for n in args.events.split(",")):
            rows.append(run(Path(tmp), events, durable=False))
        if args.durable_events:
            rows.append(run(Path(tmp), args.durable_events, durable=True))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
