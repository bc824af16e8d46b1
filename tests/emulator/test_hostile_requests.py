"""Hostile requests get the venue's own error answer, never an HTTP 500 or a dropped
connection (issue 12, defect 11): non-ASCII and non-hex signatures, odd header values,
deeply nested JSON, oversized bodies and invalid UTF-8, over REST and WebSocket."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from tradeport.emulator.host.decoding import MAX_JSON_DEPTH
from tradeport.model import AssetType
from tradeport.venues.binance.emulator import BinanceEmulator
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.auth import sign as bybit_sign
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.emulator.auth import sign as okx_sign

NESTED = b"[" * 5_000 + b"]" * 5_000
NESTED_OBJECT = b'{"category":' + b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1) + b"}"
NON_ASCII_SIGN = "é" * 32
BAD_UTF8 = b'{"category":"spot","symbol":"\xff\xfe"}'
HUGE = 2 * 1024 * 1024
WAIT = 10.0


async def exchange(
    url: str, head: str, body: bytes = b"", length: int | None = None
) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Send a request as raw bytes (headers may hold any UTF-8) and read its answer."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    size = len(body) if length is None else length
    request = f"{head}\r\nHost: emulator\r\nConnection: close\r\nContent-Length: {size}\r\n\r\n"
    writer.write(request.encode() + body)
    try:
        status_line, _, rest = (await reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
        headers = dict(line.decode().lower().split(": ", 1) for line in rest.strip().split(b"\r\n"))
        payload = await reader.readexactly(int(headers["content-length"]))
    finally:
        writer.close()
    return int(status_line.split()[1]), json.loads(payload)


@pytest.fixture
async def bybit() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None) as emulator:
        yield emulator


@pytest.fixture
async def okx() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=None) as emulator:
        yield emulator


@pytest.fixture
async def binance() -> AsyncIterator[BinanceEmulator]:
    async with BinanceEmulator(step_interval=None) as emulator:
        yield emulator


# -- Bybit -------------------------------------------------------------------------------
def bybit_head(emulator: BybitEmulator, request_line: str, payload: str, sign: str | None) -> str:
    key, secret = emulator.credentials()
    ts = str(emulator.now_ms())
    signature = sign if sign is not None else bybit_sign(secret, ts, key, "5000", payload)
    return (
        f"{request_line}\r\nX-BAPI-API-KEY: {key}\r\nX-BAPI-TIMESTAMP: {ts}\r\n"
        f"X-BAPI-RECV-WINDOW: 5000\r\nX-BAPI-SIGN: {signature}\r\nContent-Type: application/json"
    )


@pytest.mark.parametrize("signature", [NON_ASCII_SIGN, "zz" * 32, "\u00ff" * 64])
async def test_bybit_odd_signature_is_a_signature_error(
    bybit: BybitEmulator, signature: str
) -> None:
    query = "accountType=UNIFIED"
    head = bybit_head(bybit, f"GET /v5/account/wallet-balance?{query} HTTP/1.1", query, signature)
    status, body = await exchange(bybit.base_url, head)
    assert status == 200 and body["retCode"] == 10004


@pytest.mark.parametrize(
    "body", [NESTED, NESTED_OBJECT, BAD_UTF8], ids=["nested", "nested-object", "bad-utf8"]
)
async def test_bybit_unreadable_body_is_a_parameter_error(
    bybit: BybitEmulator, body: bytes
) -> None:
    text = body.decode("utf-8", "surrogateescape")
    head = bybit_head(bybit, "POST /v5/order/create HTTP/1.1", text, None)
    status, answer = await exchange(bybit.base_url, head, body)
    assert status == 200 and answer["retCode"] == 10001


async def test_bybit_oversized_body_is_refused_in_bybits_envelope(bybit: BybitEmulator) -> None:
    head = bybit_head(bybit, "POST /v5/order/create HTTP/1.1", "", None)
    status, answer = await exchange(bybit.base_url, head, length=HUGE)
    assert status == 413 and answer["retCode"] == 10001 and "retMsg" in answer


async def test_bybit_ws_auth_with_a_non_ascii_signature_fails_and_keeps_the_connection(
    bybit: BybitEmulator,
) -> None:
    key, _ = bybit.credentials()
    url = bybit.base_url.replace("http", "ws", 1) + "/v5/private"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        expires = bybit.now_ms() + 10_000
        await ws.send_str(json.dumps({"op": "auth", "args": [key, expires, NON_ASCII_SIGN]}))
        refused = await ws.receive_json(timeout=WAIT)
        assert refused["op"] == "auth" and refused["success"] is False
        await ws.send_bytes(b"")  # an empty binary frame is no request either
        await ws.send_str(NESTED.decode())
        nested = await ws.receive_json(timeout=WAIT)
        assert nested["success"] is False
        await ws.send_str(json.dumps({"op": "ping", "req_id": "still-here"}))
        while (reply := await ws.receive_json(timeout=WAIT)).get("req_id") != "still-here":
            pass
        assert reply["op"] in ("ping", "pong")


# -- OKX ---------------------------------------------------------------------------------
def okx_head(
    emulator: OkxEmulator, method: str, path: str, body: str, *, sign: str | None = None,
    passphrase: str | None = None,
) -> str:  # fmt: skip
    key, secret = emulator.credentials()
    now = datetime.fromtimestamp(emulator.now_ms() / 1000, UTC)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    signature = sign if sign is not None else okx_sign(secret, ts + method + path + body)
    phrase = passphrase if passphrase is not None else emulator.passphrase()
    return (
        f"{method} {path} HTTP/1.1\r\nOK-ACCESS-KEY: {key}\r\nOK-ACCESS-SIGN: {signature}\r\n"
        f"OK-ACCESS-TIMESTAMP: {ts}\r\nOK-ACCESS-PASSPHRASE: {phrase}\r\n"
        "Content-Type: application/json"
    )


@pytest.mark.parametrize(
    ("sign", "passphrase", "code"),
    [(NON_ASCII_SIGN, None, "50113"), ("%%%%", None, "50113"), (None, "pässphrase", "50105")],
    ids=["non-ascii-sign", "non-base64-sign", "non-ascii-passphrase"],
)
async def test_okx_odd_credentials_are_okx_auth_errors(
    okx: OkxEmulator, sign: str | None, passphrase: str | None, code: str
) -> None:
    head = okx_head(okx, "GET", "/api/v5/account/balance", "", sign=sign, passphrase=passphrase)
    status, body = await exchange(okx.base_url, head)
    assert status == 401 and body["code"] == code


@pytest.mark.parametrize(
    "body", [NESTED, NESTED_OBJECT, BAD_UTF8], ids=["nested", "nested-object", "bad-utf8"]
)
async def test_okx_unreadable_body_is_okxs_json_error(okx: OkxEmulator, body: bytes) -> None:
    text = body.decode("utf-8", "surrogateescape")
    head = okx_head(okx, "POST", "/api/v5/trade/order", text)
    status, answer = await exchange(okx.base_url, head, body)
    assert status == 400 and answer["code"] == "50002" and answer["data"] == []


async def test_okx_oversized_body_is_refused_in_okxs_envelope(okx: OkxEmulator) -> None:
    head = okx_head(okx, "POST", "/api/v5/trade/order", "")
    status, answer = await exchange(okx.base_url, head, length=HUGE)
    assert status == 413 and answer["code"] == "51000"


async def test_okx_ws_login_with_a_non_ascii_sign_fails_and_keeps_the_connection(
    okx: OkxEmulator,
) -> None:
    key, _ = okx.credentials()
    url = okx.base_url.replace("http", "ws", 1) + "/ws/v5/private"
    login = {"apiKey": key, "passphrase": okx.passphrase(), "timestamp": str(okx.now_ms() // 1000),
             "sign": NON_ASCII_SIGN}  # fmt: skip
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_str(json.dumps({"op": "login", "args": [login]}, ensure_ascii=False))
        refused = await ws.receive_json(timeout=WAIT)
        assert refused["event"] == "error" and refused["code"] == "60007"
        await ws.send_str(NESTED.decode())
        nested = await ws.receive_json(timeout=WAIT)
        assert nested["event"] == "error" and nested["code"] == "60012"
        await ws.send_str("ping")
        assert (await ws.receive(timeout=WAIT)).data == "pong"


# -- Binance -----------------------------------------------------------------------------
def binance_head(emulator: BinanceEmulator, request_line: str, *, key: str | None = None) -> str:
    api_key = key if key is not None else emulator.credentials()[0]
    form = "application/x-www-form-urlencoded"
    return f"{request_line}\r\nX-MBX-APIKEY: {api_key}\r\nContent-Type: {form}"


def binance_query(emulator: BinanceEmulator, query: str, signature: str | None = None) -> str:
    _, secret = emulator.credentials()
    query = f"{query}&timestamp={emulator.now_ms()}"
    mac = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature if signature is not None else mac}"


@pytest.mark.parametrize(
    "signature", ["%C3%A9" * 32, "zz" * 32, base64.b64encode(b"x" * 32).decode()]
)
async def test_binance_odd_signature_is_binances_signature_error(
    binance: BinanceEmulator, signature: str
) -> None:
    query = binance_query(binance, "omitZeroBalances=true", signature)
    status, body = await exchange(
        binance.base_url, binance_head(binance, f"GET /api/v3/account?{query} HTTP/1.1")
    )
    assert status == 400 and body["code"] == -1022


async def test_binance_non_ascii_api_key_is_binances_key_error(binance: BinanceEmulator) -> None:
    query = binance_query(binance, "omitZeroBalances=true")
    head = binance_head(binance, f"GET /api/v3/account?{query} HTTP/1.1", key="clé-" * 8)
    status, body = await exchange(binance.base_url, head)
    assert status == 401 and body["code"] == -2014


async def test_binance_nested_symbols_list_is_an_illegal_parameter(
    binance: BinanceEmulator,
) -> None:
    nested = "[" * 1_000 + "]" * 1_000  # within the request line's size limit
    status, body = await exchange(
        binance.base_url,
        binance_head(binance, f"GET /api/v3/ticker/price?symbols={nested} HTTP/1.1"),
    )
    assert status == 400 and body["code"] == -1100


async def test_binance_invalid_utf8_body_is_a_binance_error(binance: BinanceEmulator) -> None:
    body = b"symbol=BTC\xff\xfeUSDT&side=BUY&type=MARKET&quantity=1&timestamp=1"
    status, answer = await exchange(
        binance.base_url, binance_head(binance, "POST /api/v3/order HTTP/1.1"), body
    )
    assert 400 <= status < 500 and isinstance(answer["code"], int) and answer["code"] < 0


async def test_binance_oversized_body_is_refused_in_binances_envelope(
    binance: BinanceEmulator,
) -> None:
    head = binance_head(binance, "POST /api/v3/order HTTP/1.1")
    status, answer = await exchange(binance.base_url, head, length=HUGE)
    assert status == 413 and answer["code"] == -1101


async def test_binance_ws_nested_frame_is_an_error_frame_and_keeps_the_connection(
    binance: BinanceEmulator,
) -> None:
    url = binance.stream_url(AssetType.SPOT) + "/ws"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_str(NESTED.decode())
        error = await ws.receive_json(timeout=WAIT)
        assert error["error"]["code"] == 3
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 7}))
        assert await ws.receive_json(timeout=WAIT) == {"result": [], "id": 7}
