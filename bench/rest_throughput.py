"""REST throughput and client CPU per request: tradeport async vs ccxt async.

Both clients hit the same Binance emulator, which runs in a separate process, with
their rate limiters off, in one run. The emulator is usually the bottleneck for
requests/s, so the number to compare is the *client's* CPU time per request
(this process only), printed beside requests/s.

    python bench/rest_throughput.py [--requests 2000] [--concurrency 16] [--rounds 5]
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


async def run(base_url: str, requests: int, concurrency: int, rounds: int) -> None:
    acct = DEFAULT_ACCOUNTS[0]
    tpc = await tp.create_client(
        "BINANCE___SPOT",
        environment="emulator",
        base_url=base_url,
        api_key=acct.api_key,
        secret=acct.secret,
        rate_limit=False,
    )
    cx = ccxt_async.binance(ccxt_config(acct.api_key, acct.secret, "spot"))
    ccxt_urls(cx, base_url)
    try:
        await tpc.get_exchange_info()
        await cx.load_markets()
        book = await tpc.get_depth("BTC-USDT", 5)
        far = Decimal(str(book.bids[0][0])) * Decimal("0.5")
        far = far.quantize(Decimal("0.01"))

        async def tp_depth() -> object:
            return await tpc.get_depth("BTC-USDT", 20)

        async def cx_depth() -> object:
            return await cx.fetch_order_book("BTC/USDT", 20)

        async def tp_order() -> object:
            o = await tpc.make_order("BTC-USDT", Decimal("0.001"), far, "buy-limit")
            return await tpc.cancel_order("BTC-USDT", order_id=o.order_id)

        async def cx_order() -> object:
            o = await cx.create_order("BTC/USDT", "limit", "buy", 0.001, float(far))
            return await cx.cancel_order(o["id"], "BTC/USDT")

        print(f"{requests} requests, {concurrency} concurrent, {rounds} alternating rounds,")
        print(f"median of rounds; emulator at {base_url} (separate process)")
        print(f"{'case':<44}{'tradeport':>11}{'ccxt':>11}{'ratio':>9}")
        for case, a, b, n in (
            ("get_depth(20)", tp_depth, cx_depth, requests),
            ("make_order+cancel_order pair", tp_order, cx_order, requests // 2),
        ):
            tp_runs, cx_runs = [], []
            for _ in range(rounds):  # alternate so both see the same machine state
                tp_runs.append(await measure(a, n, concurrency))
                cx_runs.append(await measure(b, n, concurrency))
            tp_rate = statistics.median(r for r, _ in tp_runs)
            cx_rate = statistics.median(r for r, _ in cx_runs)
            tp_cpu = statistics.median(c for _, c in tp_runs)
            cx_cpu = statistics.median(c for _, c in cx_runs)
            print(f"{case + ' /s':<44}{tp_rate:>11,.0f}{cx_rate:>11,.0f}{tp_rate / cx_rate:>8.2f}x")
            print(
                f"{case + ' client CPU µs each':<44}{tp_cpu:>11,.0f}{cx_cpu:>11,.0f}"
                f"{cx_cpu / tp_cpu:>8.2f}x"
            )
    finally:
        await tpc.close()
        await cx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    port = free_port()
    proc = start_emulator(port)
    try:
        asyncio.run(run(f"http://127.0.0.1:{port}", args.requests, args.concurrency, args.rounds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
