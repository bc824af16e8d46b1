"""Stream throughput and client CPU per message: tradeport vs ccxt.pro, 200 symbols
(or 500 at real rates, `--realistic`).

A Binance emulator runs in a separate process (so its CPU is not counted here) with
`--extra-symbols` made-up USDⓈ-M contracts beside BTC, ETH and DOGE, its synthetic
market stepping on its own clock, and request-weight budgets large enough that the
initial book snapshots are never throttled. In this process, one client at a time
watches the diff-depth book (depth@100ms) and the trades of every symbol with
consumers that only count, waits until every book is synced, then measures a window:

- messages/s received off the sockets (tradeport: WsStats.frames of every connection;
  ccxt.pro: calls of its message handler),
- book updates/s and trades/s delivered to the consumer (tradeport hands each book
  callback a fresh full-depth OrderBook; ccxt.pro hands out its live book object),
- this process's CPU% and CPU µs per received message,
- gaps and resyncs (tradeport: BookSync stats; ccxt.pro: the InvalidNonce errors its
  book watches raised, after each of which it fetches a new snapshot).

ccxt.pro runs in up to two phases: "per-symbol" (one watch_order_book and one
watch_trades task per symbol, so every update reaches a consumer, as with tradeport's
callbacks) and "for-symbols" (watch_order_book_for_symbols / watch_trades_for_symbols
for all of them; ccxt.pro wakes one waiter per call, so most updates are never
delivered). The emulator is the bottleneck for messages/s and the phases run one
after the other against it, so the number to compare is CPU µs per message.

With `--realistic` the load is real-rate: 500 made-up contracts whose emulator books
hold 1000 levels a side and move every 100 ms with trades (the emulator's market-data
load, `tradeport emulate --load-depth`), 60 s windows, and RSS and CPU of this
process and of the emulator sampled every `--sample-seconds` over each window.
ccxt.pro paces its SUBSCRIBE messages as it does by default (see `ccxtpro_exchange`).

    python bench/stream_throughput.py [--symbols 200] [--seconds 20] [--step-interval 0.25]
                                      [--ccxt per-symbol,for-symbols|none] [--no-tradeport]
    python bench/stream_throughput.py --realistic [--symbols 500] [--load-depth 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import ccxt.pro as ccxtpro
from ccxt.base.errors import InvalidNonce, NetworkError

import tradeport as tp
from tradeport.model import BookState, OrderBook, Trade
from tradeport.venues.base import VenueClient
from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls

try:  # run as a script (python bench/…) or as a module (python -m bench.…)
    from procstat import Sampler
except ImportError:
    from bench.procstat import Sampler

BUILTIN_SYMBOLS = 3  # BTCUSDT, ETHUSDT and DOGEUSDT are always listed
FOR_SYMBOLS_MAX = 200  # symbols ccxt.pro's binance takes per watch_*_for_symbols call
MADE_UP_PREFIX = "SYM"  # the emulator's made-up symbols: SYM001-USDT, …
REALISTIC_SYMBOLS = 500
REALISTIC_DEPTH = 1000
STREAM_LINE = re.compile(r"BINANCE___SWAP streams: (ws://\S+)")
LISTEN_LINE = re.compile(r"listening on (http://\S+)")


@dataclass
class Emulator:
    proc: subprocess.Popen[str]
    base_url: str
    ws_url: str


def start_emulator(
    extra_symbols: int, step_interval: float, timeout: float = 60.0, load_depth: int = 0
) -> Emulator:
    """`tradeport emulate binance` in a subprocess; its REST and USDⓈ-M stream URLs
    are read from what it prints on start (within `timeout` seconds). `load_depth` > 0:
    the made-up symbols carry the emulator's market-data load (books of that many
    levels a side moving every 100 ms with trades, no order matching)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-u",  # its announcement must reach our pipe at once, not at exit
            "-m",
            "tradeport.cli",
            "emulate",
            "binance",
            "--port",
            "0",
            "--extra-symbols",
            str(extra_symbols),
            "--step-interval",
            str(step_interval),
            # budgets raised so that the 200 initial snapshots are not throttled
            "--weight-limit",
            "1000000000",
            "--order-limit",
            "1000000000",
            "--load-depth",
            str(load_depth),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},  # keep rich from wrapping the URL lines
    )
    assert proc.stdout is not None
    base_url = ws_url = ""
    deadline = time.time() + timeout
    while not (base_url and ws_url):
        line = proc.stdout.readline()
        if not line or time.time() > deadline:
            proc.kill()
            raise RuntimeError("the emulator did not announce its URLs")
        if found := LISTEN_LINE.search(line):
            base_url = found.group(1)
        if found := STREAM_LINE.search(line):
            ws_url = found.group(1)
    return Emulator(proc, base_url, ws_url)


def stop_emulator(emulator: Emulator) -> None:
    emulator.proc.terminate()
    emulator.proc.wait(timeout=10)


@dataclass
class Result:
    name: str
    ready: str  # books synced / watched when the window opened, and how long it took
    messages: int = 0
    books: int = 0
    trades: int = 0
    cpu: float = 0.0
    wall: float = 1.0
    gaps: int = 0
    resyncs: int = 0
    sampler: Sampler | None = None  # RSS and CPU over the window
    disconnects: int = 0  # ccxt.pro: connections closed under it (before or in the window)

    @property
    def cpu_us_per_message(self) -> float:
        return self.cpu / self.messages * 1e6 if self.messages else float("nan")


class Counters:
    """What a consumer saw; every phase's callbacks and tasks only count."""

    def __init__(self) -> None:
        self.messages = 0
        self.books = 0
        self.trades = 0
        self.errors = 0
        self.disconnects = 0
        self.last_disconnect = ""


Totals = Callable[[], tuple[int, int, int]]


@dataclass
class Window:
    """How each client's window is measured: its length, and every how many seconds
    RSS and CPU (this process's and the emulator's) are sampled."""

    seconds: float
    sample_every: float
    emulator_pid: int | None = None


async def measure(name: str, ready: str, window: Window, totals: Totals) -> Result:
    """Measure one window; totals() is (messages, book updates, trades) so far."""
    sampler = Sampler(window.sample_every, window.emulator_pid)
    m0, b0, t0 = totals()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    sampler.start()
    await asyncio.sleep(window.seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    m1, b1, t1 = totals()
    await sampler.stop()
    return Result(name, ready, m1 - m0, b1 - b0, t1 - t0, cpu, wall, sampler=sampler)


async def wait_until(check: Callable[[], int], want: int, timeout: float) -> tuple[int, float]:
    """Poll until check() reaches want or `timeout` passes: (reached, seconds)."""
    start = time.perf_counter()
    while (have := check()) < want and time.perf_counter() - start < timeout:
        await asyncio.sleep(0.1)
    return have, time.perf_counter() - start


# -- tradeport ------------------------------------------------------------------------
async def tradeport_phase(
    client: VenueClient, names: list[str], window: Window, sync_timeout: float
) -> Result:
    counts = Counters()

    def on_book(book: OrderBook) -> None:
        counts.books += 1

    def on_trade(trade: Trade) -> None:
        counts.trades += 1

    start = time.perf_counter()
    watches = [client.watch_order_book(s, callback=on_book) for s in names]
    watches += [client.watch_trades(s, callback=on_trade) for s in names]
    await asyncio.gather(*(w.start() for w in watches))

    def live() -> int:
        books = (client.synced_book(s) for s in names)
        return sum(1 for b in books if b is not None and b.state is BookState.LIVE)

    have, _ = await wait_until(live, len(names), sync_timeout)
    ready = f"{have}/{len(names)} in {time.perf_counter() - start:.1f}s"

    def totals() -> tuple[int, int, int]:
        frames = sum(s.frames for s in client.stream_stats().values())
        return frames, counts.books, counts.trades

    before = book_counters(client, names)
    result = await measure("tradeport", ready, window, totals)
    after = book_counters(client, names)
    result.gaps, result.resyncs = after[0] - before[0], after[1] - before[1]
    return result


def book_counters(client: VenueClient, names: list[str]) -> tuple[int, int]:
    gaps = resyncs = 0
    for name in names:
        book = client.synced_book(name)
        if book is not None:
            gaps += book.stats.gaps
            resyncs += book.stats.resyncs
    return gaps, resyncs


# -- ccxt.pro -------------------------------------------------------------------------
def ccxtpro_exchange(emulator: Emulator, counts: Counters) -> Any:
    """A binanceusdm instance pointed at the emulator, counting every message its
    sockets deliver (its handler is wrapped before any socket exists: ccxt.pro binds
    `handle_message` when it creates a connection)."""
    config = ccxt_config("k", "s", "linear")
    # ccxt.pro's own pacing, on as by default: without it, it sends every SUBSCRIBE of
    # a connection at once, and past 10 a connection (500 symbols x 2 streams over its
    # 50 connections are 20 each) Binance closes the connection with 1008 (more than
    # 10 incoming messages a second, §2.4) - the emulator does too, so nothing arrived.
    # rateLimit (ms per request-weight unit) follows the emulator's raised budget, as
    # tradeport adopts it from exchangeInfo, so 500 snapshots of weight 20 take ~10 s;
    # ws.cost keeps the SUBSCRIBE pacing at ccxt's default 250 ms (5 cost x 50 ms), 4
    # messages a second per connection.
    config["enableRateLimit"] = True
    config["rateLimit"] = 1
    config["options"]["ws"] = {"cost": 250}
    exchange = ccxtpro.binanceusdm(config)
    ccxt_urls(exchange, emulator.base_url)
    # ccxt appends /<connection index> and rewrites .../ws to .../public/ws or
    # .../market/ws by channel, as on fstream.binance.com
    exchange.urls["api"]["ws"]["linear"] = emulator.ws_url + "/ws"
    handle = exchange.handle_message

    def counting(client: Any, message: Any) -> Any:
        counts.messages += 1
        return handle(client, message)

    exchange.handle_message = counting
    return exchange


async def consume(
    watch: Callable[[], Awaitable[Any]], on_result: Callable[[Any], None], counts: Counters
) -> None:
    """Await `watch` forever. A gap ccxt.pro detected (it drops that book and raises
    InvalidNonce/ChecksumError to the watcher) is counted and the watch called again,
    which is how a ccxt.pro user gets the book rebuilt. A closed connection
    (NetworkError) is counted and the watch called again after a second (ccxt.pro
    reconnects on the next call); any other error ends the run."""
    while True:
        try:
            on_result(await watch())
        except InvalidNonce:
            counts.errors += 1
        except NetworkError as exc:
            counts.disconnects += 1
            counts.last_disconnect = repr(exc)
            await asyncio.sleep(1.0)


async def ccxtpro_phase(
    emulator: Emulator, symbols: list[str], window: Window, sync_timeout: float, per_symbol: bool
) -> Result:
    """`per_symbol`: a task per symbol and stream; otherwise one *_for_symbols task per
    stream (see the module's docstring)."""
    counts = Counters()
    exchange = ccxtpro_exchange(emulator, counts)
    names = [ccxt_symbol(s) for s in symbols]
    tasks: list[asyncio.Task[None]] = []

    def on_book(book: Any) -> None:
        counts.books += 1

    def on_trades(trades: list[Any]) -> None:
        counts.trades += len(trades)

    try:
        await exchange.load_markets()
        start = time.perf_counter()
        watches: list[tuple[Callable[[], Awaitable[Any]], Callable[[Any], None]]]
        if per_symbol:
            watches = [(partial(exchange.watch_order_book, n), on_book) for n in names]
            watches += [(partial(exchange.watch_trades, n), on_trades) for n in names]
        else:
            # ccxt.pro takes at most 200 symbols per *_for_symbols call
            groups = [names[i : i + FOR_SYMBOLS_MAX] for i in range(0, len(names), FOR_SYMBOLS_MAX)]
            watches = [
                (partial(exchange.watch_order_book_for_symbols, group), on_book) for group in groups
            ]
            watches += [
                (partial(exchange.watch_trades_for_symbols, group), on_trades) for group in groups
            ]
        tasks = [asyncio.create_task(consume(w, on, counts)) for w, on in watches]

        def synced() -> int:
            books = (exchange.orderbooks.get(n) for n in names)
            return sum(1 for b in books if b is not None and b["nonce"] is not None)

        have, _ = await wait_until(synced, len(names), sync_timeout)
        errors0 = counts.errors
        name = "ccxt.pro/" + ("per-symbol" if per_symbol else "for-symbols")
        result = await measure(
            name,
            f"{have}/{len(names)} in {time.perf_counter() - start:.1f}s",
            window,
            lambda: (counts.messages, counts.books, counts.trades),
        )
        # each gap ccxt.pro raises is followed by a fresh snapshot of that book
        result.gaps = result.resyncs = counts.errors - errors0
        result.disconnects = counts.disconnects
        if counts.disconnects:
            print(
                f"{name}: {counts.disconnects} closed connections, last: {counts.last_disconnect}"
            )
        for task in tasks:
            if task.done():
                task.result()  # a watch that failed otherwise ends the run with its error
        return result
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await exchange.close()


def ccxt_symbol(symbol: str) -> str:
    """BTC-USDT → BTC/USDT:USDT, ccxt's name of the USDT-margined perpetual."""
    base, quote = symbol.split("-")
    return f"{base}/{quote}:{quote}"


# -- report ---------------------------------------------------------------------------
def print_table(results: list[Result]) -> None:
    rows: list[tuple[str, Callable[[Result], str]]] = [
        ("books synced before the window", lambda r: r.ready),
        ("messages/s received", lambda r: f"{r.messages / r.wall:,.0f}"),
        ("book updates/s delivered", lambda r: f"{r.books / r.wall:,.0f}"),
        ("trades/s delivered", lambda r: f"{r.trades / r.wall:,.0f}"),
        ("client CPU %", lambda r: f"{r.cpu / r.wall * 100:.1f}"),
        ("client CPU µs per message", lambda r: f"{r.cpu_us_per_message:,.1f}"),
        ("gaps / resyncs", lambda r: f"{r.gaps} / {r.resyncs}"),
        ("closed connections", lambda r: f"{r.disconnects}"),
    ]
    print(f"{'':<34}" + "".join(f"{r.name:>22}" for r in results))
    for label, cell in rows:
        print(f"{label:<34}" + "".join(f"{cell(r):>22}" for r in results))
    ours = results[0]
    ratios = [r.cpu_us_per_message / ours.cpu_us_per_message for r in results]
    label = "CPU per message ÷ tradeport's"
    print(f"{label:<34}" + "".join(f"{x:>21.2f}×" for x in ratios))
    if len(results) > 1:
        print("ccxt.pro gaps / resyncs: the InvalidNonce errors its book watches raised")
    for r in results:
        if r.sampler is not None and len(r.sampler.samples) > 2:
            print(f"\n{r.name}: RSS and CPU of this process (and the emulator's) over the window")
            print(r.sampler.table())


async def run(emulator: Emulator, args: argparse.Namespace) -> None:
    print(f"{args.symbols} USDⓈ-M symbols, depth@100ms + trades each; {args.seconds:g} s per")
    if args.load_depth:
        print(
            f"window; emulator (separate process) with market-data load: {args.load_depth} "
            "levels a side, a step every 100 ms (a few levels change, trades ~5/s a symbol)"
        )
    else:
        print(f"window; emulator (separate process, a market step every {args.step_interval:g} s)")
    print(f"at {emulator.base_url}, streams at {emulator.ws_url}")
    window = Window(args.seconds, args.sample_seconds, emulator.proc.pid)
    client = await tp.create_client(
        "BINANCE___SWAP", environment="emulator", base_url=emulator.base_url, ws_url=emulator.ws_url
    )
    try:
        # exchangeInfo also carries the emulator's raised budgets; the client adopts them
        instruments = await client.get_exchange_info()
        names = [i.symbol for i in instruments]
        if args.load_depth:  # the made-up symbols carry the load; BTC, ETH, DOGE do not
            names = [n for n in names if n.startswith(MADE_UP_PREFIX)]
        names = names[: args.symbols]
        if len(names) < args.symbols:
            raise RuntimeError(f"the emulator lists {len(names)} symbols only")
        results = []
        if args.tradeport:
            results.append(await tradeport_phase(client, names, window, args.sync_timeout))
    finally:
        # closing the client ends every watch and its sockets at once
        await client.close()
    for mode in args.ccxt:
        per_symbol = mode == "per-symbol"
        results.append(await ccxtpro_phase(emulator, names, window, args.sync_timeout, per_symbol))
    print_table(results)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--symbols", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20.0)
    # With 200 symbols one step costs the emulator about 0.36 s of CPU (both markets
    # requote every symbol); steps much closer than that saturate its loop, which then
    # answers REST snapshots and pushes timed depth diffs late (fewer messages, not more).
    ap.add_argument(
        "--step-interval", type=float, default=0.25, help="emulator market step, seconds"
    )
    ap.add_argument(
        "--sync-timeout", type=float, default=60.0, help="seconds to wait for synced books"
    )
    ap.add_argument(
        "--ccxt",
        default="per-symbol,for-symbols",
        help="ccxt.pro phases, comma-separated: per-symbol (a task per symbol and stream), "
        "for-symbols (watch_*_for_symbols), or none",
    )
    ap.add_argument(
        "--no-tradeport", dest="tradeport", action="store_false", help="run ccxt.pro only"
    )
    ap.add_argument(
        "--realistic",
        action="store_true",
        help=f"real rates: {REALISTIC_SYMBOLS} contracts, books of {REALISTIC_DEPTH} levels a "
        "side moving every 100 ms with trades (the emulator's market-data load); "
        "--symbols and --load-depth still apply",
    )
    ap.add_argument("--load-depth", type=int, default=None, help="emulator load book depth")
    ap.add_argument("--sample-seconds", type=float, default=5.0, help="RSS / CPU sample period")
    args = ap.parse_args()
    args.ccxt = [m for m in args.ccxt.split(",") if m and m != "none"]
    unknown = set(args.ccxt) - {"per-symbol", "for-symbols"}
    if unknown:
        ap.error(f"unknown --ccxt mode(s): {sorted(unknown)}")
    if args.realistic:
        if "--symbols" not in sys.argv:
            args.symbols = REALISTIC_SYMBOLS
        if "--seconds" not in sys.argv:
            args.seconds = 60.0
        if "--sync-timeout" not in sys.argv:
            args.sync_timeout = 300.0
        if args.load_depth is None:
            args.load_depth = REALISTIC_DEPTH
    args.load_depth = args.load_depth or 0
    extra = args.symbols if args.load_depth else max(0, args.symbols - BUILTIN_SYMBOLS)
    # hundreds of deep books take the emulator a minute to set up
    emulator = start_emulator(extra, args.step_interval, timeout=300.0, load_depth=args.load_depth)
    try:
        asyncio.run(run(emulator, args))
    finally:
        stop_emulator(emulator)


if __name__ == "__main__":
    main()
