"""Per-message cost of a raw frame → validated, updated book (and → trade), tradeport vs
ccxt.pro, on identical frames in one run.

Binance: both sides start from the same 1000+1000-level snapshot and are fed the same
combined-stream frames (bench/frames.py): a USDⓈ-M depthUpdate with 20 bid and 20 ask
levels, and an aggTrade. ccxt.pro decodes the JSON and runs binanceusdm's handler (the
U/u/pu check and its book update); tradeport decodes into typed messages, checks
U/u/pu, applies the diff, checks the book is not crossed and publishes it.

Bybit: both sides start from the same 50+50-level `orderbook.50` snapshot frame of a
linear symbol and are fed the same deltas of 10 bid and 10 ask levels
(bench/frames_bybit.py). ccxt.pro's bybit handler applies a delta without looking at
`u`; tradeport checks `u` continues the book, applies the delta, checks the book is not
crossed and publishes it. And the same `publicTrade` frames of one trade each, each
trade published to a consumer (ccxt.pro keeps it in its trades cache).

BingX: every frame is gzip-compressed. tradeport's book is `@incrDepth`: from the same
1000+1000-level `all`, updates of 20 bid and 20 ask levels (bench/frames_bingx.py),
each inflated, checked to be one `lastUpdateId` past the book, applied, checked not
crossed and published. ccxt.pro's bingx reads no incremental depth (it watches
`@depth100`), so that row has no peer; both sides are also fed the same `@depth100`
frames (the whole top 100 levels a side after each update), which each inflates,
decodes and makes its book, and the same `@trade` pushes of one trade each, which each
inflates, decodes and publishes as a trade.

Each side does everything it does for a frame off the socket, with a consumer watching;
sockets are left out of both (the same bytes cost the same to receive).

Consumers (`--venue consumers`): what a reader pays on top, on Binance books of 20, 1000
and 5000 levels a side, with diffs spread over the whole book or kept within the top
60 levels: a callback that reads the top 20 levels of each side of every delivered
book, watched at depth 20 (`watch_order_book(symbol, 20)`) or in full
(`watch_order_book(symbol, None)`), and one that reads every level of the full book.
The ccxt.pro side runs its handler and copies the same levels out of its book after
every frame.

    python bench/book_per_message.py [--frames 20000] [--rounds 5] [--venue all]
        [--consumer-frames 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import ccxt.pro as ccxtpro
import msgspec
from ccxt.async_support.base.ws.functions import gunzip as ccxt_gunzip

import tradeport as tp
from tradeport.book.view import BookView
from tradeport.model import OrderBook
from tradeport.streams.watch import CallbackSink, Channel, QueueSink
from tradeport.venues.base import VenueClient
from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.binance.messages import Depth
from tradeport.venues.binance.parse import parse_depth
from tradeport.venues.bingx.ccxt_peer import ccxt_config as bingx_ccxt_config
from tradeport.venues.bingx.ccxt_peer import ccxt_urls as bingx_ccxt_urls
from tradeport.venues.bybit.ccxt_peer import ccxt_config as bybit_ccxt_config
from tradeport.venues.bybit.ccxt_peer import ccxt_urls as bybit_ccxt_urls
from tradeport.venues.okx.ccxt_peer import ccxt_config as okx_ccxt_config
from tradeport.venues.okx.ccxt_peer import ccxt_urls as okx_ccxt_urls
from tradeport.venues.streaming import book_view

try:  # run as a script (python bench/…) or as a module (python -m bench.…)
    from frames import depth_frames, snapshot, trade_frames
    from frames_bingx import book_frames as bingx_book_frames
    from frames_bingx import trade_frames as bingx_trade_frames
    from frames_bybit import book_frames
    from frames_bybit import trade_frames as bybit_trade_frames
    from frames_okx import book_frames as okx_book_frames
except ImportError:
    from bench.frames import depth_frames, snapshot, trade_frames
    from bench.frames_bingx import book_frames as bingx_book_frames
    from bench.frames_bingx import trade_frames as bingx_trade_frames
    from bench.frames_bybit import book_frames
    from bench.frames_bybit import trade_frames as bybit_trade_frames
    from bench.frames_okx import book_frames as okx_book_frames

SYMBOL = "BTC-USDT"
CCXT_SYMBOL = "BTC/USDT:USDT"
# ccxt.pro tells spot from futures by its socket URL; these are USDⓈ-M / linear ones
CCXT_WS_URL = "wss://fstream.binance.com/public/ws"
BYBIT_WS_URL = "wss://stream.bybit.com/v5/public/linear"
OKX_WS_URL = "wss://ws.okx.com:8443/ws/v5/public"
BINGX_WS_URL = "wss://open-api-swap.bingx.com/swap-market"  # ccxt.pro: "swap" in it


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


# wall: time.perf_counter_ns; cpu: this thread's CPU time, which on a busy machine does
# not count the time spent waiting for a core (--clock)
CLOCKS: dict[str, Callable[[], int]] = {"wall": time.perf_counter_ns, "cpu": time.thread_time_ns}
clock = CLOCKS["wall"]


def timed(feed: Callable[[Any], None], frames: list[Any]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = clock()
        for frame in frames:
            feed(frame)
        elapsed = clock() - start
    finally:
        gc.enable()
    return elapsed / len(frames) / 1000


Feed = Callable[[Any], None]


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


async def bybit_books(frames: int) -> tuple[list[Case], Callable[[], Awaitable[None]]]:
    """The Bybit case: one BYBIT___SWAP client and one ccxt.pro bybit instance, both
    with markets from a Bybit emulator, fed the same `orderbook.50` frames."""
    emulator = tp.get_venue("BYBIT___SWAP").emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    snapshot_frame, deltas = book_frames(frames)
    client = await tp.create_client(
        "BYBIT___SWAP",
        environment="emulator",
        base_url=base_url,
        ws_url=emulator.stream_url(tp.model.AssetType.SWAP),
    )
    await client.instruments()
    streams = client.public_streams  # type: ignore[attr-defined]
    channel = Channel("book", SYMBOL, "50")  # watch_order_book(SYMBOL, 50)
    await streams.prepare(channel)
    client.streams._sinks[channel] = [QueueSink(None, conflate=True, maxsize=10**9)]
    trades = Channel("trades", SYMBOL)
    await streams.prepare(trades)
    trade_sink = QueueSink(None, conflate=False, maxsize=10**9)
    client.streams._sinks[trades] = [trade_sink]

    # ccxt loads bybit's currencies through a signed call: it needs a real key
    peer = ccxtpro.bybit(bybit_ccxt_config(*emulator.credentials(0), "linear"))
    bybit_ccxt_urls(peer, base_url)
    await peer.load_markets()
    peer_feed = peer.client(BYBIT_WS_URL).handle_text_or_binary_message

    async def close() -> None:
        await peer.close()
        await client.close()
        await emulator.stop()

    cases = [
        Case(
            "bybit delta 10+10",
            deltas,
            streams.feed,
            lambda: streams.feed(snapshot_frame),
            peer_feed,
            lambda: peer_feed(snapshot_frame),
        ),
        Case(
            "bybit publicTrade",
            bybit_trade_frames(frames),
            streams.feed,
            trade_sink._items.clear,
            peer_feed,
            lambda: None,
        ),
    ]
    return cases, close


async def okx_books(frames: int) -> tuple[list[Case], Callable[[], Awaitable[None]]]:
    """The OKX case: one OKX___SWAP client and one ccxt.pro okx instance, both with
    markets from an OKX emulator, fed the same `books` frames of BTC-USDT-SWAP."""
    emulator = tp.get_venue("OKX___SWAP").emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    snapshot_frame, updates = okx_book_frames(frames)
    client = await tp.create_client(
        "OKX___SWAP",
        environment="emulator",
        base_url=base_url,
        ws_url=emulator.stream_url(tp.model.AssetType.SWAP),
        passphrase=emulator.passphrase(0),
    )
    await client.instruments()
    streams = client.public_streams  # type: ignore[attr-defined]
    channel = Channel("book", SYMBOL)  # watch_order_book(SYMBOL): the 400-level `books`
    await streams.prepare(channel)
    client.streams._sinks[channel] = [QueueSink(None, conflate=True, maxsize=10**9)]

    key, secret = emulator.credentials(0)
    peer = ccxtpro.okx(okx_ccxt_config(key, secret, emulator.passphrase(0), "swap"))
    okx_ccxt_urls(peer, base_url)
    await peer.load_markets()
    peer_client = peer.client(OKX_WS_URL)
    # ccxt.pro keeps a pushed book only for a subscribed watch_order_book
    peer_client.subscriptions["books:" + CCXT_SYMBOL] = True
    peer_feed = peer_client.handle_text_or_binary_message

    async def close() -> None:
        await peer.close()
        await client.close()
        await emulator.stop()

    case = Case(
        "okx books 20+20",
        updates,
        streams.feed,
        lambda: streams.feed(snapshot_frame),
        peer_feed,
        lambda: peer_feed(snapshot_frame),
    )
    return [case], close


async def binance_books(frames: int) -> tuple[list[Case], Callable[[], Awaitable[None]]]:
    """The Binance cases: a BINANCE___SWAP client and a ccxt.pro binanceusdm instance."""
    emulator = tp.get_venue("BINANCE___SWAP").emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    ours, our_feed, our_reset = await tradeport_book(
        base_url, emulator.stream_url(tp.model.AssetType.SWAP)
    )
    peer, peer_feed, peer_reset = await ccxtpro_book(base_url)

    async def close() -> None:
        await peer.close()
        await ours.close()
        await emulator.stop()

    cases = [
        Case(name, data, our_feed, our_reset, peer_feed, peer_reset)
        for name, data in (
            ("binance depth 20+20", depth_frames(frames)),
            ("binance aggTrade", trade_frames(frames)),
        )
    ]
    return cases, close


async def bingx_books(frames: int) -> tuple[list[Case], Callable[[], Awaitable[None]]]:
    """The BingX cases: a BINGX___SWAP client and a ccxt.pro bingx instance, both with
    markets from a BingX emulator, fed frames exactly as off the socket (gzip)."""
    emulator = tp.get_venue("BINGX___SWAP").emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    ws_url = emulator.stream_url(tp.model.AssetType.SWAP)
    snapshot_frame, updates, partials = bingx_book_frames(frames)
    client = await tp.create_client(
        "BINGX___SWAP", environment="emulator", base_url=base_url, ws_url=ws_url
    )
    await client.instruments()
    streams = client.public_streams  # type: ignore[attr-defined]
    book, partial = Channel("book", SYMBOL), Channel("partial_book", SYMBOL, "100")
    trades = Channel("trades", SYMBOL)
    await streams.prepare(book)  # watch_order_book(SYMBOL): `@incrDepth`
    await streams.prepare(trades)  # watch_trades(SYMBOL): `@trade`
    # the `@depth100` frames as ccxt.pro subscribes them (no period in the name)
    streams.attach(partial, "/swap-market", f"{SYMBOL}@depth100")
    for channel, conflate in ((book, True), (partial, True), (trades, False)):
        client.streams._sinks[channel] = [QueueSink(None, conflate=conflate, maxsize=10**9)]
    trade_sink = client.streams._sinks[trades][0]
    endpoint = streams._endpoint("/swap-market")

    def ours(frame: bytes) -> None:
        # the connection's path for a data frame: inflate, classify, route
        text = endpoint.decode_frame(frame)
        if endpoint.classify(text) is None:
            streams.feed(text)

    peer = ccxtpro.bingx(bingx_ccxt_config("k", "s"))
    peer.set_sandbox_mode(True)  # VST: the swap markets alone
    bingx_ccxt_urls(peer, base_url)
    await peer.load_markets()
    peer_client = peer.client(BINGX_WS_URL)

    def peer_feed(frame: bytes) -> None:
        # ccxt.pro's path for a binary frame: its own gunzip, then the handler
        peer_client.handle_text_or_binary_message(ccxt_gunzip(frame))

    async def close() -> None:
        await peer.close()
        await client.close()
        await emulator.stop()

    def peer_trades_reset() -> None:
        peer.trades.clear()  # ccxt.pro keeps the last 1000 a symbol: start each round empty

    cases = [
        Case("bingx incrDepth 20+20", updates, ours, lambda: ours(snapshot_frame), None, None),
        Case("bingx depth100", partials, ours, lambda: None, peer_feed, lambda: None),
        Case(
            "bingx trade",
            bingx_trade_frames(frames),
            ours,
            trade_sink._items.clear,
            peer_feed,
            peer_trades_reset,
        ),
    ]
    return cases, close


CONSUMER_BOOKS = (20, 1000, 5000)  # levels a side


def read_view(view: BookView) -> None:
    view.bids  # noqa: B018 - reading is what is measured
    view.asks  # noqa: B018


def read_top20(view: BookView) -> None:
    if hasattr(view, "top_bids"):
        view.top_bids(20)
        view.top_asks(20)
    else:  # a book that is no view (the code before views): its lists are built already
        view.bids[:20]
        view.asks[:20]


# (name, depth watched, what the consumer reads, levels ccxt.pro's side copies)
READERS: tuple[tuple[str, int | None, Callable[[BookView], None], int | None], ...] = (
    ("top 20 of depth 20", 20, read_view, 20),
    ("top 20 of full book", None, read_top20, 20),
    ("full", None, read_view, None),
)


async def binance_consumers(frames: int) -> tuple[list[Case], Callable[[], Awaitable[None]]]:
    """Readers of every delivered Binance book: top 20 or every level, books of 20,
    1000 and 5000 levels, diffs over the whole book or within the top 60."""
    emulator = tp.get_venue("BINANCE___SWAP").emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    ours = await tp.create_client(
        "BINANCE___SWAP",
        environment="emulator",
        base_url=base_url,
        ws_url=emulator.stream_url(tp.model.AssetType.SWAP),
    )
    await ours.instruments()
    streams = ours.public_streams  # type: ignore[attr-defined]
    channel = Channel("book", SYMBOL)
    peer = ccxtpro.binanceusdm(ccxt_config("k", "s", "linear"))
    ccxt_urls(peer, base_url)
    await peer.load_markets()
    handle = peer.client(CCXT_WS_URL).handle_text_or_binary_message

    async def close() -> None:
        await peer.close()
        await ours.close()
        await emulator.stop()

    cases = []
    for levels in CONSUMER_BOOKS:
        raw = snapshot(levels)
        snap = parse_depth(msgspec.convert(raw, Depth, strict=False), SYMBOL)
        spreads = [("whole book", levels + levels // 5 + 4)]
        if levels > 60:
            spreads.append(("top 60", 60))
        for where, spread in spreads:
            data = depth_frames(frames, spread=spread)
            for reader, depth, read, copied in READERS:

                def our_reset(
                    depth: int | None = depth,
                    snap: OrderBook = snap,
                    read: Callable[[BookView], None] = read,
                ) -> None:
                    streams.prepare(channel, "btcusdt@depth@100ms")
                    sink = CallbackSink(book_view(depth, False), read)
                    ours.streams._sinks[channel] = [sink]
                    streams.books[SYMBOL].on_snapshot(snap)

                def their_reset(raw: dict[str, Any] = raw) -> None:
                    book = peer.order_book({})
                    book.reset(peer.parse_order_book(raw, CCXT_SYMBOL, None, "bids", "asks"))
                    book["nonce"] = raw["lastUpdateId"]
                    peer.orderbooks[CCXT_SYMBOL] = book

                def theirs(frame: str, copied: int | None = copied) -> None:
                    handle(frame)
                    book = peer.orderbooks[CCXT_SYMBOL]
                    book["bids"][:copied]
                    book["asks"][:copied]

                name = f"{reader}, {levels} lv, {where}"
                cases.append(Case(name, data, streams.feed, our_reset, theirs, their_reset))
    return cases, close


@dataclass
class Case:
    name: str
    frames: list[Any]
    ours: Feed
    our_reset: Callable[[], None]
    theirs: Feed | None  # None: no ccxt.pro handler reads these frames
    their_reset: Callable[[], None] | None


VENUES = {
    "binance": binance_books,
    "bybit": bybit_books,
    "okx": okx_books,
    "bingx": bingx_books,
}
SETUPS = {**VENUES, "consumers": binance_consumers}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--venue", choices=[*SETUPS, "all"], default="all")
    parser.add_argument("--consumer-frames", type=int, default=2000)
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]

    results = {}
    for venue, setup in SETUPS.items():
        if args.venue not in (venue, "all"):
            continue
        cases, close = await setup(args.consumer_frames if venue == "consumers" else args.frames)
        try:
            for case in cases:
                mine, theirs = [], []
                for _ in range(args.rounds):
                    case.our_reset()
                    mine.append(timed(case.ours, case.frames))
                    if case.theirs is not None and case.their_reset is not None:
                        case.their_reset()
                        theirs.append(timed(case.theirs, case.frames))
                peer = statistics.median(theirs) if theirs else None
                results[case.name] = (statistics.median(mine), peer)
        finally:
            await close()
    print(f"{'frame':<44}{'tradeport µs':>14}{'ccxt.pro µs':>14}{'ratio':>9}")
    for name, (mine_us, theirs_us) in results.items():
        if theirs_us is None:
            print(f"{name:<44}{mine_us:>14.2f}{'–':>14}{'–':>9}")
        else:
            print(f"{name:<44}{mine_us:>14.2f}{theirs_us:>14.2f}{theirs_us / mine_us:>8.1f}×")


if __name__ == "__main__":
    asyncio.run(main())
