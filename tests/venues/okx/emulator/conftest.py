"""Fixtures of the OKX emulator's REST tests: a started emulator and a raw HTTP client
that signs requests itself (independent of the library's OKX client and of the
emulator's own verifier; checked against PROTOCOLS.md vectors O3/O4), so the tests
control the exact bytes the emulator verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from tradeport.venues.okx.emulator import OkxEmulator


def okx_sign(secret: str, prehash: str) -> str:
    """Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))."""
    return base64.b64encode(
        hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
    ).decode()


def iso_ms(ms: int) -> str:
    """`2020-12-08T09:08:57.715Z` for a time in ms."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str:
        return str(self.body["code"])

    @property
    def data(self) -> Any:
        assert self.body["code"] == "0", self.body
        return self.body["data"]

    @property
    def item(self) -> dict[str, Any]:
        """The only data item of a trade answer."""
        (item,) = self.body["data"]
        return dict(item)


class RawClient:
    """Sends what it is given, byte for byte; signs as the first account unless told
    otherwise."""

    def __init__(self, emu: OkxEmulator, session: aiohttp.ClientSession, index: int = 0) -> None:
        self.emu = emu
        self.session = session
        self.api_key, self.secret = emu.credentials(index)
        self.passphrase = emu.passphrase(index)

    def as_account(self, index: int) -> RawClient:
        return RawClient(self.emu, self.session, index)

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
        method: str,
        request_path: str,
        body: str = "",
        *,
        offset_ms: int = 0,
        secret: str | None = None,
        passphrase: str | None = None,
    ) -> dict[str, str]:
        timestamp = iso_ms(self.emu.now_ms() + offset_ms)
        signature = okx_sign(secret or self.secret, timestamp + method + request_path + body)
        return {
            "OK-ACCESS-KEY": self.api_key,
            "OK-ACCESS-SIGN": signature,
            "OK-ACCESS-TIMESTAMP": timestamp,
            "OK-ACCESS-PASSPHRASE": self.passphrase if passphrase is None else passphrase,
        }

    async def public(self, path: str, **params: Any) -> Reply:
        return await self.send("GET", path, urlencode(params))

    async def get(self, path: str, **params: Any) -> Reply:
        query = urlencode(params)
        request_path = path + (f"?{query}" if query else "")
        return await self.send("GET", path, query, headers=self.signed_headers("GET", request_path))

    async def post(self, path: str, payload: Any) -> Reply:
        body = json.dumps(payload, separators=(",", ":"))
        return await self.send(
            "POST", path, body=body, headers=self.signed_headers("POST", path, body)
        )

    # -- shortcuts used across the test files ------------------------------------------
    async def order(
        self,
        inst_id: str,
        side: str,
        sz: str,
        px: str | None = None,
        **extra: Any,
    ) -> Reply:
        fields: dict[str, Any] = {
            "instId": inst_id,
            "tdMode": "cross" if inst_id.endswith("-SWAP") else "cash",
            "side": side,
            "ordType": "limit" if px is not None else "market",
            "sz": sz,
        }
        if px is not None:
            fields["px"] = px
        fields.update(extra)
        return await self.post("/api/v5/trade/order", fields)

    async def order_state(self, inst_id: str, ord_id: str) -> dict[str, Any]:
        reply = await self.get("/api/v5/trade/order", instId=inst_id, ordId=ord_id)
        (row,) = reply.data
        return dict(row)

    async def detail(self, ccy: str) -> dict[str, Any]:
        reply = await self.get("/api/v5/account/balance", ccy=ccy)
        (details,) = [a["details"] for a in reply.data]
        assert len(details) == 1, details
        return dict(details[0])


def touch(emu: OkxEmulator, inst_id: str) -> tuple[Decimal, Decimal]:
    """The engine's best bid and ask."""
    engine = emu.swap if inst_id.endswith("-SWAP") else emu.spot
    view = engine.depth(inst_id, 1)
    return view.bids[0][0], view.asks[0][0]


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=None, seed=11) as emulator:
        yield emulator


@pytest.fixture
async def raw(emu: OkxEmulator) -> AsyncIterator[RawClient]:
    async with aiohttp.ClientSession() as session:
        yield RawClient(emu, session)
