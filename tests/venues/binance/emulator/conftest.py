"""Fixtures: a fresh emulator per test and a raw HTTP client that signs by hand.

The raw client builds query strings and bodies itself, in the order given, so the tests
control the exact bytes the emulator verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator
from tradeport.venues.binance.emulator.calls import Market
from tradeport.venues.binance.emulator.stream_hub import BASE_TICK_MS

DAY_MS = 86_400_000
WS_WAIT = 5.0


def hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def join(pairs: Sequence[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def center_clock(emu: BinanceEmulator, offset_in_day_ms: int = DAY_MS // 2 + 5_000) -> None:
    """Skew the server clock so that "now" sits `offset_in_day_ms` into a UTC day: every
    fixed window (10 s, 1 min, 1 day) is then far from a boundary during a test."""
    emu.clock_skew_ms = 0
    real = emu.now_ms()
    emu.clock_skew_ms = (offset_in_day_ms - real % DAY_MS) % DAY_MS


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class RawClient:
    def __init__(self, emu: BinanceEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session
        self.api_key = DEFAULT_ACCOUNTS[0].api_key
        self.secret = DEFAULT_ACCOUNTS[0].secret

    async def send(
        self,
        method: str,
        path: str,
        query: str = "",
        body: str = "",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        url = self.emu.base_url + path + (f"?{query}" if query else "")
        hdrs = dict(headers or {})
        if body:
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        # encoded=True: the query goes out byte for byte as written
        async with self.session.request(
            method, aiohttp.client.URL(url, encoded=True), data=body or None, headers=hdrs
        ) as resp:
            raw = await resp.read()
            return Reply(resp.status, dict(resp.headers), json.loads(raw) if raw else None)

    async def public(self, path: str, query: str = "") -> Reply:
        return await self.send("GET", path, query)

    def stamp(self, pairs: Sequence[tuple[str, str]], offset_ms: int = 0) -> list[tuple[str, str]]:
        return [*pairs, ("timestamp", str(self.emu.now_ms() + offset_ms))]

    async def signed(
        self,
        method: str,
        path: str,
        pairs: Sequence[tuple[str, str]] = (),
        *,
        in_body: bool | None = None,
        secret: str | None = None,
        api_key: str | None = None,
        offset_ms: int = 0,
    ) -> Reply:
        """Sign `pairs` + timestamp; POST sends them in the body, other methods in the
        query (as most clients do)."""
        payload = join(self.stamp(pairs, offset_ms))
        signed = f"{payload}&signature={hmac_hex(secret or self.secret, payload)}"
        body_side = (method == "POST") if in_body is None else in_body
        headers = {"X-MBX-APIKEY": api_key or self.api_key}
        if body_side:
            return await self.send(method, path, body=signed, headers=headers)
        return await self.send(method, path, query=signed, headers=headers)


async def running(**options: Any) -> AsyncIterator[BinanceEmulator]:
    """An emulator with no market of its own moving (tests step it), for streams tests."""
    async with BinanceEmulator(**{"step_interval": None, **options}) as emulator:
        yield emulator


async def receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next frame, which must be a JSON text frame."""
    msg = await ws.receive(timeout=WS_WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


def advance(emu: BinanceEmulator, market: Market, ms: int) -> None:
    """Run `market`'s stream clock forward by `ms` (timed streams push as it passes)."""
    for _ in range(ms // BASE_TICK_MS):
        emu.public_streams.hubs[market].tick()


async def best_bid(raw: RawClient, depth_path: str, symbol: str) -> Decimal:
    book = (await raw.public(depth_path, f"symbol={symbol}&limit=5")).body
    return Decimal(book["bids"][0][0])


def limit_buy(symbol: str, qty: str, price: Decimal, cid: str) -> list[tuple[str, str]]:
    return [
        ("symbol", symbol),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", qty),
        ("price", str(price)),
        ("newClientOrderId", cid),
    ]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    async with BinanceEmulator(step_interval=None, seed=11) as emulator:
        yield emulator


@pytest.fixture
async def raw(emu: BinanceEmulator) -> AsyncIterator[RawClient]:
    async with aiohttp.ClientSession() as session:
        yield RawClient(emu, session)
