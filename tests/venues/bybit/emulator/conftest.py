"""Fixtures of the Bybit emulator's REST tests: a started emulator and a raw HTTP client
that signs requests itself (independent of the library's Bybit client and of the
emulator's own verifier; checked against PROTOCOLS.md vectors Y1/Y2), so the tests
control the exact bytes the emulator verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from tradeport.emulator.accounts import DEFAULT_ACCOUNTS
from tradeport.venues.bybit.emulator import BybitEmulator

RECV_WINDOW = "5000"


def bybit_sign(secret: str, timestamp: str, api_key: str, recv_window: str, payload: str) -> str:
    """HMAC-SHA256 over `timestamp + apiKey + recvWindow + payload`, lowercase hex."""
    text = timestamp + api_key + recv_window + payload
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> int:
        return int(self.body["retCode"])

    @property
    def result(self) -> Any:
        assert self.body["retCode"] == 0, self.body
        return self.body["result"]


class RawClient:
    """Sends what it is given, byte for byte; signs with the first account's secret
    unless told otherwise."""

    def __init__(self, emu: BybitEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session
        self.api_key = DEFAULT_ACCOUNTS[0].api_key
        self.secret = DEFAULT_ACCOUNTS[0].secret

    def as_account(self, index: int) -> RawClient:
        other = RawClient(self.emu, self.session)
        other.api_key, other.secret = self.emu.credentials(index)
        return other

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
            hdrs.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method,
            aiohttp.client.URL(url, encoded=True),
            data=body.encode() if body else None,
            headers=hdrs,
        ) as resp:
            raw = await resp.read()
            return Reply(resp.status, dict(resp.headers), json.loads(raw) if raw else None)

    def signed_headers(
        self,
        payload: str,
        *,
        offset_ms: int = 0,
        secret: str | None = None,
        recv_window: str = RECV_WINDOW,
    ) -> dict[str, str]:
        timestamp = str(self.emu.now_ms() + offset_ms)
        signature = bybit_sign(secret or self.secret, timestamp, self.api_key, recv_window, payload)
        return {
            "X-BAPI-API-KEY": self.api_key,
            "X-BAPI-TIMESTAMP": timestamp,
            "X-BAPI-RECV-WINDOW": recv_window,
            "X-BAPI-SIGN": signature,
            "X-BAPI-SIGN-TYPE": "2",
        }

    async def public(self, path: str, **params: Any) -> Reply:
        return await self.send("GET", path, urlencode(params))

    async def get(self, path: str, **params: Any) -> Reply:
        query = urlencode(params)
        return await self.send("GET", path, query, headers=self.signed_headers(query))

    async def post(self, path: str, **fields: Any) -> Reply:
        body = json.dumps(fields, separators=(",", ":"))
        return await self.send("POST", path, body=body, headers=self.signed_headers(body))

    # -- shortcuts used across the test files ------------------------------------------
    async def order(
        self,
        category: str,
        symbol: str,
        side: str,
        qty: str,
        price: str | None = None,
        **extra: Any,
    ) -> Reply:
        fields: dict[str, Any] = {"category": category, "symbol": symbol, "side": side, "qty": qty}
        fields["orderType"] = "Limit" if price is not None else "Market"
        if price is not None:
            fields["price"] = price
        fields.update(extra)
        return await self.post("/v5/order/create", **fields)

    async def order_state(self, category: str, order_id: str) -> dict[str, Any]:
        reply = await self.get("/v5/order/realtime", category=category, orderId=order_id)
        rows = reply.result["list"]
        assert len(rows) == 1, rows
        row: dict[str, Any] = rows[0]
        return row

    async def coin(self, coin: str) -> dict[str, Any]:
        reply = await self.get("/v5/account/wallet-balance", accountType="UNIFIED", coin=coin)
        entries = reply.result["list"][0]["coin"]
        assert len(entries) == 1, entries
        entry: dict[str, Any] = entries[0]
        return entry


def touch(emu: BybitEmulator, category: str, symbol: str) -> tuple[Decimal, Decimal]:
    """The engine's best bid and ask."""
    view = emu.engine(category).depth(symbol, 1)
    return view.bids[0][0], view.asks[0][0]


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=11) as emulator:
        yield emulator


@pytest.fixture
async def raw(emu: BybitEmulator) -> AsyncIterator[RawClient]:
    async with aiohttp.ClientSession() as session:
        yield RawClient(emu, session)
