"""REST throughput and client CPU per request: tradeport async vs ccxt async.

The clients hit the same Binance emulator, which runs in a separate process, with
their rate limiters off, in one run: tradeport once per HTTP engine (aiohttp, and the
lean `h1` client) and ccxt. The emulator is usually the bottleneck for requests/s, so
the number to compare is the *client's* CPU time per request (this process only),
printed beside requests/s. The last column says how many times better the last
tradeport column does than ccxt (requests/s ratio, or CPU ratio).

    python bench/rest_throughput.py [--requests 2000] [--concurrency 16] [--rounds 5]
                                    [--engines aiohttp,h1]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

import ccxt.async_support as ccxt_async

import tradeport as tp
from tradeport.venues.base import VenueClient
from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        # the budgets are raised so that the benchmark measures throughput, not the limit
        [
            sys.executable,
            "-m",
            "tradeport.cli",
            "emulate",
            "binance",
            "--port",
            str(port),
            "--weight-limit",
            "1000000000",
            "--order-limit",
            "1000000000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("emulator did not start")


async def measure(
    op: Callable[[], Awaitable[object]], requests: int, concurrency: int
) -> tuple[float, float]:
    """Run `op` `requests` times over `concurrency` workers: (requests/s, CPU µs/request)."""
    for _ in range(20):  # warm up connections and caches
        await op()
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await op()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return requests / wall, cpu / requests * 1e6


Op = Callable[[], Awaitable[object]]


async def tradeport_ops(base_url: str, engine: str) -> tuple[VenueClient, Op, Op]:
    acct = DEFAULT_ACCOUNTS[0]
    client = await tp.create_client(
        "BINANCE___SPOT",
        environment="emulator",
        base_url=base_url,
        api_key=acct.api_key,
        secret=acct.secret,
        rate_limit=False,
        http_engine=engine,
    )
    await client.get_exchange_info()
    far = await far_bid(client)

    async def depth() -> object:
        return await client.get_depth("BTC-USDT", 20)

    async def order() -> object:
        o = await client.make_order("BTC-USDT", Decimal("0.001"), far, "buy-limit")
        return await client.cancel_order("BTC-USDT", order_id=o.order_id)

    return client, depth, order


async def ccxt_ops(base_url: str, far: Decimal) -> tuple[ccxt_async.binance, Op, Op]:
    acct = DEFAULT_ACCOUNTS[0]
    cx = ccxt_async.binance(ccxt_config(acct.api_key, acct.secret, "spot"))
    ccxt_urls(cx, base_url)
    await cx.load_markets()

    async def depth() -> object:
        return await cx.fetch_order_book("BTC/USDT", 20)

    async def order() -> object:
        o = await cx.create_order("BTC/USDT", "limit", "buy", 0.001, float(far))
        return await cx.cancel_order(o["id"], "BTC/USDT")

    return cx, depth, order


async def far_bid(client: VenueClient) -> Decimal:
    """Half the best bid: an order there rests, so make+cancel is a fixed pair."""
    book = await client.get_depth("BTC-USDT", 5)
    return (Decimal(str(book.bids[0][0])) * Decimal("0.5")).quantize(Decimal("0.01"))


async def run(
    base_url: str, requests: int, concurrency: int, rounds: int, engines: list[str]
) -> None:
    clients: list[VenueClient] = []
    columns: list[tuple[str, tuple[Op, Op]]] = []
    cx = None
    try:
        for engine in engines:
            client, depth, order = await tradeport_ops(base_url, engine)
            clients.append(client)
            columns.append((f"tp/{engine}", (depth, order)))
        far = await far_bid(clients[0])
        cx, cx_depth, cx_order = await ccxt_ops(base_url, far)
        columns.append(("ccxt", (cx_depth, cx_order)))

        print(f"{requests} requests, {concurrency} concurrent, {rounds} alternating rounds,")
        print(f"median of rounds; emulator at {base_url} (separate process)")
        names = "".join(f"{name:>12}" for name, _ in columns)
        print(f"{'case':<48}{names}{'vs ccxt':>9}")
        for case, which, n in (
            ("get_depth(20)", 0, requests),
            ("make_order+cancel_order pair", 1, requests // 2),
        ):
            runs: list[list[tuple[float, float]]] = [[] for _ in columns]
            for _ in range(rounds):  # alternate so all see the same machine state
                for i, (_, ops) in enumerate(columns):
                    runs[i].append(await measure(ops[which], n, concurrency))
            rates = [statistics.median(r for r, _ in col) for col in runs]
            cpus = [statistics.median(c for _, c in col) for col in runs]
            print(
                f"{case + ' /s':<48}{''.join(f'{r:>12,.0f}' for r in rates)}"
                f"{rates[-2] / rates[-1]:>8.2f}x"
            )
            print(
                f"{case + ' client CPU µs each':<48}{''.join(f'{c:>12,.0f}' for c in cpus)}"
                f"{cpus[-1] / cpus[-2]:>8.2f}x"
            )
    finally:
        for client in clients:
            await client.close()
        if cx is not None:
            await cx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--engines", default="aiohttp,h1", help="tradeport HTTP engines, comma-separated"
    )
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    port = free_port()
    proc = start_emulator(port)
    try:
        asyncio.run(
            run(f"http://127.0.0.1:{port}", args.requests, args.concurrency, args.rounds, engines)
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
