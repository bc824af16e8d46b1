"""The demo's recording part: a few seconds of the emulator's USDⓈ-M books and trades
recorded into Parquet, then replayed, with the replayed books checked against what a
live consumer of the same books saw at the same update ids."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tradeport.book.view import BookView
from tradeport.model import BookState
from tradeport.record import BookReplayer, Marker, ParquetSink, Recorder, read_events
from tradeport.record.events import Channel, MarkerKind
from tradeport.venues.base import VenueClient

SYMBOLS = ("BTC-USDT", "ETH-USDT")
SECONDS = 3.0  # long enough for a dozen book updates per symbol at the demo's pace

Top = tuple[tuple[float, float], tuple[float, float]]


class _LiveTops:
    """Each LIVE top of book a second consumer saw, by symbol and update id."""

    def __init__(self) -> None:
        self.tops: dict[str, dict[int, Top]] = {s: {} for s in SYMBOLS}

    def handler(self, symbol: str) -> Callable[[BookView], None]:
        def on_book(book: BookView) -> None:
            if book.state is BookState.LIVE and book.best_bid and book.best_ask:
                self.tops[symbol][book.update_id] = (book.best_bid, book.best_ask)

        return on_book


async def record_walkthrough(
    step: Callable[[str], None], console: Console, swap: VenueClient
) -> None:
    step(f"Recording {', '.join(SYMBOLS)} books and trades into Parquet for {SECONDS:g} s")
    live = _LiveTops()
    watches = [
        await swap.watch_order_book(s, all_states=True, callback=live.handler(s)) for s in SYMBOLS
    ]
    with tempfile.TemporaryDirectory(prefix="tradeport-demo-record-") as tmp:
        sink = ParquetSink(tmp)
        recorder = Recorder(swap, SYMBOLS, [sink])
        try:
            await recorder.start()
            await asyncio.sleep(SECONDS)  # the demo records for a fixed time, as a user would
        finally:
            await recorder.stop()
            for watch in watches:
                await watch.close()
        stats = recorder.queues[0].stats
        console.print(
            f"events written {stats.written}, dropped {stats.dropped}; "
            f"{sink.stats.files_closed} files, {sink.stats.bytes_closed:,} bytes"
        )
        step("Replay: the books rebuilt from the files, against the live books")
        console.print(_replay_table(Path(tmp), swap.key, live))


def _replay_table(root: Path, venue: str, live: _LiveTops) -> Table:
    table = Table(title=f"replayed from {root.name}")
    for col in ("symbol", "book", "trades", "gaps", "update id", "bid", "ask", "live"):
        table.add_column(col, justify="right")
    for symbol in SYMBOLS:
        replayer = BookReplayer(symbol)
        events = gaps = 0
        last: Top | None = None
        for event in read_events(root, venue=venue, channel=Channel.BOOK, symbol=symbol):
            events += 1
            if isinstance(event, Marker) and event.kind is MarkerKind.GAP:
                gaps += 1
            if replayer.apply(event):
                view = replayer.view(1)
                last = (view.bids[0], view.asks[0])
        trades = read_events(root, venue=venue, channel=Channel.TRADES, symbol=symbol)
        # the top compared is prices and sizes, at the update id the replay ended on
        same = last is not None and last == live.tops[symbol].get(replayer.update_id)
        table.add_row(
            symbol,
            str(events),
            str(sum(1 for _ in trades)),
            str(gaps),
            str(replayer.update_id),
            f"{last[0][0]:,.2f}" if last else "-",
            f"{last[1][0]:,.2f}" if last else "-",
            "[green]equal[/]" if same else "[red]differs[/]",
        )
    return table
