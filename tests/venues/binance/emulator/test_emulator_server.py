"""The server host, the admin endpoints and the emulator's lifecycle."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import pytest
from aiohttp import web

from tradeport.emulator.accounts import EmulatorAccount
from tradeport.emulator.faults import Latency
from tradeport.emulator.server import EmulatorServer
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

from .conftest import RawClient


async def test_server_binds_a_free_loopback_port_and_stops() -> None:
    app = web.Application()

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    app.router.add_get("/hello", hello)
    server = EmulatorServer(app)
    url = await server.start()
    try:
        assert url == server.base_url and url.startswith("http://127.0.0.1:") and server.port > 0
        async with aiohttp.ClientSession() as s, s.get(url + "/hello") as r:
            assert await r.json() == {"hello": "world"}
        with pytest.raises(RuntimeError, match="already serving"):
            await server.start()
    finally:
        await server.stop()
    with pytest.raises(RuntimeError, match="not running"):
        server.base_url  # noqa: B018


async def admin(raw: RawClient, path: str, payload: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with raw.session.post(
        raw.emu.base_url + path, json=payload, headers=raw.emu.admin_headers()
    ) as r:
        return r.status, await r.json()


async def test_admin_step_moves_the_book(raw: RawClient) -> None:
    before = (await raw.public("/api/v3/depth", "symbol=BTCUSDT&limit=5")).body["lastUpdateId"]
    assert await admin(raw, "/_emulator/step", {"n": 3}) == (200, {"steps": 3})
    after = (await raw.public("/api/v3/depth", "symbol=BTCUSDT&limit=5")).body["lastUpdateId"]
    assert after > before
    status, body = await admin(raw, "/_emulator/step", {"n": 0})
    assert status == 400 and "n must be" in body["error"]


async def test_admin_move_fills_a_resting_order(raw: RawClient) -> None:
    bid = Decimal((await raw.public("/fapi/v1/depth", "symbol=ETHUSDT")).body["bids"][0][0])
    placed = await raw.signed(
        "POST",
        "/fapi/v1/order",
        [
            ("symbol", "ETHUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.1"),
            ("price", str(bid)),
        ],
    )
    target = str(bid * Decimal("0.99"))
    status, body = await admin(
        raw, "/_emulator/move", {"market": "futures", "symbol": "ETHUSDT", "price": target}
    )
    assert status == 200 and body["symbol"] == "ETHUSDT"
    order = await raw.signed(
        "GET", "/fapi/v1/order", [("symbol", "ETHUSDT"), ("orderId", str(placed.body["orderId"]))]
    )
    assert order.body["status"] == "FILLED"
    status, body = await admin(
        raw, "/_emulator/move", {"market": "options", "symbol": "ETHUSDT", "price": "1"}
    )
    assert status == 400 and "market" in body["error"]


async def test_admin_clock_skews_server_time(raw: RawClient) -> None:
    status, body = await admin(raw, "/_emulator/clock", {"skew_ms": 3_600_000})
    assert status == 200 and raw.emu.clock_skew_ms == 3_600_000
    server_time = (await raw.public("/api/v3/time")).body["serverTime"]
    assert server_time >= body["serverTime"]
    assert (await admin(raw, "/_emulator/clock", {"skew_ms": "soon"}))[0] == 400


def test_python_controls_validate_their_arguments() -> None:
    emu = BinanceEmulator(step_interval=None)
    with pytest.raises(ValueError, match="market"):
        emu.move_to("options", "BTCUSDT", "1")
    with pytest.raises(ValueError, match="unknown spot symbol"):
        emu.move_to("spot", "NOPEUSDT", "1")
    assert emu.credentials() == (DEFAULT_ACCOUNTS[0].api_key, DEFAULT_ACCOUNTS[0].secret)
    with pytest.raises(RuntimeError, match="not running"):
        emu.base_url  # noqa: B018


async def test_market_task_steps_on_its_own_and_stops_cleanly() -> None:
    emu = BinanceEmulator(step_interval=0.001)
    first = emu.spot.depth("BTCUSDT", 1).update_id
    await emu.start()
    try:
        for _ in range(1000):  # yields to the stepping task until it has run
            if emu.spot.depth("BTCUSDT", 1).update_id != first:
                break
            await asyncio.sleep(0.005)
        assert emu.spot.depth("BTCUSDT", 1).update_id != first
    finally:
        await emu.stop()


def test_describe_accounts_shows_credentials_and_funds() -> None:
    lines = BinanceEmulator(step_interval=None).describe_accounts()
    assert len(lines) == len(DEFAULT_ACCOUNTS)
    first = DEFAULT_ACCOUNTS[0]
    assert f"api_key={first.api_key} secret={first.secret}" in lines[0]
    assert "BTC 2" in lines[0] and "USDT 100000" in lines[0]


def test_describe_accounts_redacts_the_credentials_of_supplied_accounts() -> None:
    supplied = EmulatorAccount(api_key="erin-key-0123456789", secret="erin-secret")
    [line] = BinanceEmulator(step_interval=None, accounts=[supplied]).describe_accounts()
    assert "erin-secret" not in line and "erin-key-0123456789" not in line
    assert "api_key=erin***(redacted) secret=***(redacted)" in line


@pytest.mark.parametrize("token", [None, "guess", "jeton-é"], ids=["missing", "wrong", "non-ascii"])
@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/_emulator/step", {"n": 5}),
        ("/_emulator/move", {"market": "spot", "symbol": "BTCUSDT", "price": "1"}),
        ("/_emulator/clock", {"skew_ms": 3_600_000}),
        ("/_emulator/listing", {"market": "futures", "symbol": "BTCUSDT", "state": "delisted"}),
        ("/_emulator/fault", {"match": "GET /api/v3/time", "kind": "drop_after"}),
        ("/_emulator/fault/clear", {}),
        ("/_emulator/stream_fault", {"kind": "disconnect"}),
        ("/_emulator/stream_fault/clear", {}),
    ],
)
async def test_admin_endpoints_refuse_a_request_without_the_token(
    raw: RawClient, path: str, payload: dict[str, object], token: str | None
) -> None:
    emu = raw.emu
    emu.faults.arm("GET /api/v3/ping", Latency(0.01))
    armed, skew = list(emu.faults.armed), emu.clock_skew_ms
    book = emu.spot.depth("BTCUSDT", 5).update_id
    headers = {} if token is None else {"X-Emulator-Token": token.encode().decode("latin-1")}
    async with raw.session.post(emu.base_url + path, json=payload, headers=headers) as r:
        assert r.status == 401
        assert "X-Emulator-Token" in (await r.json())["error"]
    assert emu.faults.armed == armed and emu.clock_skew_ms == skew
    assert emu.spot.depth("BTCUSDT", 5).update_id == book
    assert emu.stream_faults.history == []
    assert emu.listings.state("futures", "BTCUSDT") == "trading"
