"""The emulator server keeps answering while clients hold half-sent requests
(issue 12, defect 11): a request's headers and body must arrive in time, and past a
cap on connections still sending headers the oldest is closed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tradeport.emulator.server import ServerLimits
from tradeport.venues.bybit.emulator import BybitEmulator

HALF_SENT = b"GET /v5/market/time HTTP/1.1\r\nHost: emulator\r\nX-Half: "
# the emulator of this test runs with the file-descriptor limit many systems default to
CHILD = """
import asyncio, resource, sys
from tradeport.venues.bybit.emulator import BybitEmulator

resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

async def main() -> None:
    emulator = BybitEmulator(step_interval=None)
    print(await emulator.start(), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def half_sent(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(HALF_SENT)
    await writer.drain()
    return reader, writer


async def server_time(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url + "/v5/market/time") as answer:
        assert answer.status == 200
        body = await answer.json()
    assert body["retCode"] == 0
    return int(body["time"])


async def test_eleven_hundred_half_sent_requests_do_not_stop_the_answers() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True
    )  # a process of its own, so its descriptor limit is the one at stake
    held: list[asyncio.StreamWriter] = []
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        host, port = url.removeprefix("http://").split(":")
        for _ in range(1_100):
            held.append((await half_sent(host, int(port)))[1])
        assert await server_time(url) > 0
    finally:
        for writer in held:
            writer.close()
        child.terminate()
        child.wait(timeout=10)


@pytest.fixture
async def emulator() -> AsyncIterator[BybitEmulator]:
    emulator = BybitEmulator(step_interval=None)
    emulator.server_limits = ServerLimits(header_timeout=0.2, body_timeout=0.2, max_waiting=8)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


def address(emulator: BybitEmulator) -> tuple[str, int]:
    host, port = emulator.base_url.removeprefix("http://").split(":")
    return host, int(port)


async def test_headers_that_never_finish_are_cut_off_after_the_header_timeout(
    emulator: BybitEmulator,
) -> None:
    reader, writer = await half_sent(*address(emulator))
    try:
        assert await reader.read() == b""  # the server closed it, unanswered
    finally:
        writer.close()
    assert await server_time(emulator.base_url) > 0


async def test_a_body_that_stops_arriving_is_cut_off_after_the_body_timeout(
    emulator: BybitEmulator,
) -> None:
    reader, writer = await asyncio.open_connection(*address(emulator))
    writer.write(
        b"POST /v5/order/create HTTP/1.1\r\nHost: emulator\r\nContent-Type: application/json"
        b'\r\nContent-Length: 100\r\n\r\n{"category":'
    )
    try:
        assert await reader.read() == b""
    finally:
        writer.close()


async def test_past_the_cap_the_oldest_half_sent_connection_is_closed(
    emulator: BybitEmulator,
) -> None:
    emulator.server_limits = ServerLimits(header_timeout=600, max_waiting=8)
    await emulator.stop()
    await emulator.start()
    connections = [await half_sent(*address(emulator)) for _ in range(12)]
    try:
        # the four oldest make way for the newer ones; the answer needs no timeout
        for reader, _ in connections[:4]:
            assert await reader.read() == b""
        assert await server_time(emulator.base_url) > 0
        assert emulator._servers[0].waiting <= 8
    finally:
        for _, writer in connections:
            writer.close()


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="header_timeout"):
        ServerLimits(header_timeout=0)
    with pytest.raises(ValueError, match="max_waiting"):
        ServerLimits(max_waiting=0)
