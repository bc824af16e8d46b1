"""Execution port overhead per submit: the client CPU time of `ExecutionPort.submit`
over the raw `client.submit_order` it wraps, against a venue emulator.

The emulator runs in another process, so the CPU time measured here (this thread's,
time.thread_time) is the client's alone. Each round enters
and exits a small market position, by the raw client and then through the port:

- raw: `submit_order` (a market open, then a reduce-only close);
- port: `submit(Intent)`, which also reads the mark (slippage), the order's fills (the
  venue fee), the position (an exit is capped to it), and refreshes the state in the
  background after the fill (awaited with `idle()` and counted);
- port, no journal: the same without a journal, so every submit first looks its client
  id up at the venue (nothing tells the port the intent id is new).

Journal cost per event is bench/journal.py's.

    python bench/execution_port.py [--venue BYBIT___SWAP] [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import tradeport as tp
from tradeport.model import Offset, OrderType, Side
from tradeport.venues import registry
from tradeport.venues.base import OrderRequest, VenueClient

SYMBOL = "BTC-USDT"


def serve_emulator(key: str, conn: Connection) -> None:
    """In the emulator's process: start it, send the client options back, serve."""

    async def serve() -> None:
        spec = registry.get_venue(key)
        assert spec.emulator_factory is not None
        # budgets wide enough that the bench measures work, not waiting
        emulator = spec.emulator_factory(
            seed=7, step_interval=None, order_limit=1_000_000, weight_limit=1_000_000
        )
        await emulator.start()
        api_key, secret = emulator.credentials(0)
        options: dict[str, Any] = {
            "environment": "emulator",
            "base_url": emulator.base_url,
            "ws_url": emulator.stream_url(spec.asset_type),
            "api_key": api_key,
            "secret": secret,
        }
        passphrase = getattr(emulator, "passphrase", None)
        if passphrase is not None:
            options["passphrase"] = passphrase(0)
        conn.send(options)
        await asyncio.Event().wait()  # until the bench terminates this process

    asyncio.run(serve())


async def measure(rounds: int, step: Callable[[int], Awaitable[None]]) -> tuple[float, float]:
    """(CPU µs, wall µs) per submit, median over the rounds (two submits a round)."""
    cpu, wall = [], []
    await step(-1)  # warm up: connections, instruments, first leverage
    for n in range(rounds):
        c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
        await step(n)
        cpu.append((time.thread_time_ns() - c0) / 2000)
        wall.append((time.perf_counter_ns() - w0) / 2000)
    return statistics.median(cpu), statistics.median(wall)


async def run(key: str, rounds: int) -> None:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_emulator, args=(key, theirs), daemon=True)
    server.start()
    client: VenueClient = await tp.create_client(key, **ours.recv())
    inst = await client.instrument(SYMBOL)
    size = max(inst.min_qty, Decimal("0.01"))

    async def raw(_: int) -> None:
        for side, offset in ((Side.BUY, Offset.OPEN), (Side.SELL, Offset.CLOSE)):
            req = OrderRequest(
                symbol=SYMBOL, side=side, type=OrderType.MARKET, qty=size, offset=offset
            )
            await client.submit_order(req)

    with tempfile.TemporaryDirectory() as tmp:
        journalled = tp.ExecutionPort(client, journal=Path(tmp) / "j.db", state_dir=tmp)
        bare = tp.ExecutionPort(client, state_dir=tmp)

        def through(port: tp.ExecutionPort) -> Callable[[int], Awaitable[None]]:
            async def step(_: int) -> None:
                for action in (tp.IntentAction.ENTER, tp.IntentAction.EXIT):
                    wish = tp.Intent(
                        asset=SYMBOL, side=tp.IntentSide.LONG, action=action, size=size
                    )
                    receipt = await port.submit(wish)
                    assert receipt.status is tp.ReceiptStatus.FILLED, receipt
                await port.idle()

            return step

        await journalled.connect()
        await bare.connect()
        results = {
            "raw client submit_order": await measure(rounds, raw),
            "port.submit (journal)": await measure(rounds, through(journalled)),
            "port.submit (no journal)": await measure(rounds, through(bare)),
        }
        await journalled.close()
        await bare.close()
    await client.close()
    server.terminate()
    server.join()

    raw_cpu = results["raw client submit_order"][0]
    print(f"{key}, {rounds} rounds (a market enter and exit each), median per submit")
    print(f"{'':28} {'client CPU µs':>14} {'over raw':>10} {'wall µs':>10}")
    for name, (cpu, wall) in results.items():
        print(f"{name:28} {cpu:14.0f} {cpu - raw_cpu:10.0f} {wall:10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venue", default="BYBIT___SWAP")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.venue, args.rounds))


if __name__ == "__main__":
    main()
