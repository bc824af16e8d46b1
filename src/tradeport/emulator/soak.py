"""Soak run of a venue emulator: does its memory stay flat over hours?

    python -m tradeport.emulator.soak [--venue binance] [--minutes 60] [--sample-seconds 60]

First every bounded store is filled to its bound (a client's finished orders, each
symbol's recent trades), so that what still grows afterwards is a leak. Then it serves
the emulator on a loopback port with its synthetic markets stepping at their real
rate, while a client polls a public endpoint (opening a fresh connection now and then)
and places and cancels an order on each market every second. Every sample prints the
process's resident memory and what the engines retain; at the end the run fails (exit
status 1) if the memory of the last sample is more than `--margin` (a fraction,
default 0.10) above the memory once warmed up (the first sample after `--warmup` of
the run, default a fifth). Not part of the test suite: it runs for as long as it is
told to.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tradeport.emulator.engine import Engine
from tradeport.emulator.handle import EmulatorHandle
from tradeport.emulator.orders import BUY, FINISHED_ORDERS_KEPT, OrderRequest
from tradeport.emulator.tape import TRADES_KEPT
from tradeport.model import AssetType
from tradeport.venues import registry

_PUBLIC_PATHS = {
    "binance": "/api/v3/time",
    "bybit": "/v5/market/time",
    "okx": "/api/v5/public/time",
}


@dataclass(frozen=True)
class Sample:
    elapsed_s: float
    rss_mb: float
    retained: dict[str, int]
    requests: int


def rss_mb() -> float:
    """Resident memory of this process now (Linux), else its peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def build(venue: str, seed: int) -> EmulatorHandle:
    specs = [s for s in registry.list_venues() if s.exchange.lower() == venue.lower()]
    if not specs or specs[0].emulator_factory is None:
        raise SystemExit(f"no emulator for {venue!r}")
    return specs[0].emulator_factory(seed=seed)


def retained(engines: list[Engine]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for engine in engines:
        for name, count in engine.retained().items():
            totals[name] = totals.get(name, 0) + count
    return totals


def place_and_cancel(engine: Engine, account: str) -> None:
    """One resting order of `account` on the engine's first symbol, cancelled at once."""
    symbol = sorted(engine.instruments)[0]
    instrument = engine.instruments[symbol]
    # half the market price: it rests, and the engine checks no venue filters
    ticks = max(1, int(engine.mark_price(symbol) / 2 / instrument.tick_size))
    price = instrument.tick_size * ticks
    qty = max(instrument.min_qty, instrument.step_size)
    order, _ = engine.place(account, OrderRequest(symbol, BUY, "LIMIT", qty, price))
    engine.cancel(account, symbol, order.order_id)


def fill_to_bounds(emulator: EmulatorHandle, engines: list[Engine], account: str) -> None:
    """Fill the bounded stores the run would fill over its first half hour: the
    account's finished orders, and every symbol's recent trades (the market steps
    until each tape is full)."""
    for engine in engines:
        for _ in range(FINISHED_ORDERS_KEPT):
            place_and_cancel(engine, account)
    full = TRADES_KEPT * sum(len(engine.instruments) for engine in engines)
    for _ in range(200):
        if retained(engines)["trades"] >= full:
            return
        emulator.step(100)


async def client_orders(engines: list[Engine], account: str, stop: asyncio.Event) -> None:
    """A resting order placed and cancelled on every market each second: the account's
    own history is what the engine keeps (within its bound)."""
    while not stop.is_set():
        for engine in engines:
            place_and_cancel(engine, account)
        await asyncio.sleep(1.0)


async def public_polling(url: str, stop: asyncio.Event, counter: list[int]) -> None:
    """Twenty requests a second, on a new connection every hundred."""
    while not stop.is_set():
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                async with session.get(url) as answer:
                    await answer.read()
                counter[0] += 1
                await asyncio.sleep(0.05)
                if stop.is_set():
                    return


async def soak(args: argparse.Namespace) -> list[Sample]:
    emulator = build(args.venue, args.seed)
    url = await emulator.start()
    engines = [emulator.engine_for(AssetType.SPOT), emulator.engine_for(AssetType.SWAP)]
    account = "user1"
    fill_to_bounds(emulator, engines, account)
    stop = asyncio.Event()
    counter = [0]
    tasks = [
        asyncio.create_task(client_orders(engines, account, stop)),
        asyncio.create_task(public_polling(url + _PUBLIC_PATHS[args.venue], stop, counter)),
    ]
    samples: list[Sample] = []
    started = time.monotonic()
    every = args.sample_seconds
    print(f"{args.venue} emulator on {url}, {args.minutes} min, a sample every {every} s")
    columns = ("elapsed", "rss MB", "orders", "fills", "trades", "bars", "requests")
    print(" ".join(f"{name:>8}" for name in columns))
    try:
        deadline = started + args.minutes * 60
        while True:
            now = time.monotonic()
            sample = Sample(now - started, rss_mb(), retained(engines), counter[0])
            samples.append(sample)
            kept = sample.retained
            print(
                f"{sample.elapsed_s:8.0f} {sample.rss_mb:8.1f} {kept['orders']:8d} "
                f"{kept['fills']:8d} {kept['trades']:8d} {kept['bars']:8d} {sample.requests:8d}",
                flush=True,
            )
            for task in tasks:
                if task.done():
                    task.result()  # a failed load task ends the run with its error
            if now >= deadline:
                break
            await asyncio.sleep(min(args.sample_seconds, max(0.0, deadline - now)))
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await emulator.stop()
    return samples


def verdict(samples: list[Sample], warmup: float, margin: float) -> tuple[bool, str]:
    total = samples[-1].elapsed_s
    warm = next((s for s in samples if s.elapsed_s >= total * warmup), samples[0])
    last = samples[-1]
    growth = (last.rss_mb - warm.rss_mb) / warm.rss_mb if warm.rss_mb else 0.0
    text = (
        f"rss {warm.rss_mb:.1f} MB at {warm.elapsed_s:.0f} s -> {last.rss_mb:.1f} MB at "
        f"{last.elapsed_s:.0f} s ({growth:+.1%}; margin {margin:.0%})"
    )
    return growth <= margin, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venue", default="binance", choices=sorted(_PUBLIC_PATHS))
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--sample-seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=0.2, help="fraction of the run")
    parser.add_argument("--margin", type=float, default=0.10, help="allowed RSS growth")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.sample_seconds <= 0:
        parser.error("--minutes and --sample-seconds must be positive")
    samples = asyncio.run(soak(args))
    flat, text = verdict(samples, args.warmup, args.margin)
    print(("flat: " if flat else "GROWING: ") + text)
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
