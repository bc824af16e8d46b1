"""Per-message cost of a raw frame → validated, updated book (and → trade), tradeport vs
ccxt.pro, on identical frames in one run.

Both sides start from the same 1000+1000-level snapshot and are fed the same combined-
stream frames (bench/frames.py): a USDⓈ-M depthUpdate with 20 bid and 20 ask levels,
and an aggTrade. Each side does everything it does for a frame off the socket:
ccxt.pro decodes the JSON and runs binanceusdm's handler (the U/u/pu check and its
book update); tradeport decodes into typed messages, checks U/u/pu, applies the diff,
checks the book is not crossed and publishes it to a watching consumer. Sockets are
left out of both (the same bytes cost the same to receive).

    python bench/book_per_message.py [--frames 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import ccxt.pro as ccxtpro
import msgspec

import tradeport as tp
from tradeport.streams.watch import Channel, QueueSink
from tradeport.venues.base import VenueClient
from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.binance.messages import Depth
from tradeport.venues.binance.parse import parse_depth

try:  # run as a script (python bench/…) or as a module (python -m bench.…)
    from frames import depth_frames, snapshot, trade_frames
except ImportError:
    from bench.frames import depth_frames, snapshot, trade_frames

SYMBOL = "BTC-USDT"
CCXT_SYMBOL = "BTC/USDT:USDT"
# ccxt.pro tells spot from futures by its socket URL; this is a USDⓈ-M one
CCXT_WS_URL = "wss://fstream.binance.com/public/ws"


async def ccxtpro_book(base_url: str) -> tuple[Any, Feed, Callable[[], None]]:
    """A binanceusdm ccxt.pro instance with markets from the emulator; returns it, its
    per-frame entry point and a function that resets its book to the snapshot."""
    exchange = ccxtpro.binanceusdm(ccxt_config("k", "s", "linear"))
    ccxt_urls(exchange, base_url)
    await exchange.load_markets()
    client = exchange.client(CCXT_WS_URL)
    snap = snapshot()

    def reset() -> None:
        book = exchange.order_book({}, 1000)
        book.reset(exchange.parse_order_book(snap, CCXT_SYMBOL, None, "bids", "asks"))
        book["nonce"] = snap["lastUpdateId"]
        exchange.orderbooks[CCXT_SYMBOL] = book

    reset()
    return exchange, client.handle_text_or_binary_message, reset


def timed(feed: Callable[[str], None], frames: list[str]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for frame in frames:
            feed(frame)
        elapsed = time.perf_counter_ns() - start
    finally:
        gc.enable()
    return elapsed / len(frames) / 1000


Feed = Callable[[str], None]


async def tradeport_book(
    base_url: str, ws_url: str
) -> tuple[VenueClient, Feed, Callable[[], None]]:
    """A BINANCE___SWAP client whose stream router is fed frames directly: depth and
    aggTrade routed exactly as off its socket, one consumer watching each."""
    client = await tp.create_client(
        "BINANCE___SWAP", environment="emulator", base_url=base_url, ws_url=ws_url
    )
    await client.instruments()
    streams = client.public_streams  # type: ignore[attr-defined]
    book_channel, trade_channel = Channel("book", SYMBOL), Channel("trades", SYMBOL)
    # a watching consumer on each channel, as in real use: every event is published
    for channel, conflate in ((book_channel, True), (trade_channel, False)):
        client.streams._sinks[channel] = [QueueSink(None, conflate=conflate, maxsize=10**9)]
    snap = parse_depth(msgspec.convert(snapshot(), Depth, strict=False), SYMBOL)

    def reset() -> None:
        streams.prepare(book_channel, "btcusdt@depth@100ms")
        streams.prepare(trade_channel, "btcusdt@aggTrade")
        streams.books[SYMBOL].on_snapshot(snap)
        client.streams._sinks[trade_channel][0]._items.clear()

    reset()
    return client, streams.feed, reset


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    emulator = tp.get_venue("BINANCE___SWAP").emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    depth = depth_frames(args.frames)
    trades = trade_frames(args.frames)
    try:
        ours, our_feed, our_reset = await tradeport_book(
            base_url, emulator.stream_url(tp.model.AssetType.SWAP)
        )
        peer, peer_feed, peer_reset = await ccxtpro_book(base_url)
        results = {}
        for name, frames in (("depth 20+20", depth), ("aggTrade", trades)):
            mine, theirs = [], []
            for _ in range(args.rounds):
                our_reset()
                mine.append(timed(our_feed, frames))
                peer_reset()
                theirs.append(timed(peer_feed, frames))
            results[name] = (statistics.median(mine), statistics.median(theirs))
        await peer.close()
        await ours.close()
    finally:
        await emulator.stop()
    print(f"{'frame':<14}{'tradeport µs':>14}{'ccxt.pro µs':>14}{'ratio':>9}")
    for name, (mine_us, theirs_us) in results.items():
        print(f"{name:<14}{mine_us:>14.2f}{theirs_us:>14.2f}{theirs_us / mine_us:>8.1f}×")


if __name__ == "__main__":
    asyncio.run(main())
