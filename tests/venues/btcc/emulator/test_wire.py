"""The BTCC emulator on the wire, with a plain HTTP and WebSocket client: envelopes,
codes, the session rules and the quote stream's control frames (PROTOCOLS.md §6)."""

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tradeport.venues.btcc.emulator import BtccEmulator
from tradeport.venues.btcc.emulator.context import login_name

SECRET = "tp-emu-secret-1"


def signed(params: dict[str, Any], secret: str = SECRET) -> dict[str, str]:
    """The default rule written out: sorted with `secret_key` among the keys, MD5 hex."""
    fields = {k: str(v) for k, v in params.items()}
    text = "&".join(f"{k}={v}" for k, v in sorted({**fields, "secret_key": secret}.items()))
    return {**fields, "sign": hashlib.md5(text.encode()).hexdigest()}


@pytest.fixture
async def emulator() -> AsyncIterator[BtccEmulator]:
    async with BtccEmulator(step_interval=None, seed=11) as emu:
        yield emu


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def login(emulator: BtccEmulator, http: aiohttp.ClientSession) -> dict[str, Any]:
    ref = emulator.keys.refs[0]
    form = signed(
        {
            "user_name": login_name(ref),
            "password": ref.account.passphrase,
            "company_id": 1,
            "api_key": ref.account.api_key,
        }
    )
    async with http.post(emulator.base_url + "/v1/user/login", data=form) as resp:
        answer: dict[str, Any] = await resp.json()
    return answer


async def test_login_answers_a_token_and_the_account(
    emulator: BtccEmulator, http: aiohttp.ClientSession
) -> None:
    answer = await login(emulator, http)
    assert answer["code"] == 0 and answer["token"]
    assert answer["account"]["id"] == emulator.keys.refs[0].uid
    assert answer["account"]["balance"] == "100000"


async def test_session_calls_need_a_live_token_and_a_good_sign(
    emulator: BtccEmulator, http: aiohttp.ClientSession
) -> None:
    session = await login(emulator, http)
    base = {"token": session["token"], "accountid": session["account"]["id"]}
    url = emulator.base_url + "/v1/account/account"
    async with http.get(url, params=signed(base)) as resp:
        assert (await resp.json())["account"]["free_margin"] == "100000"
    async with http.get(url, params=signed(base, "wrong")) as resp:
        assert (await resp.json())["code"] == 1002
    async with http.get(url, params=signed({**base, "token": "nope"})) as resp:
        assert (await resp.json()) == {"code": 1003, "msg": "TOKEN INVALID OR EXPIRED"}
    emulator.expire_sessions()
    async with http.get(url, params=signed(base)) as resp:
        assert (await resp.json())["code"] == 1003


async def test_the_product_list_is_public(
    emulator: BtccEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emulator.base_url + "/v1/config/symbollist") as resp:
        answer = await resp.json()
    names = [row["name"] for row in answer["symbols"]]
    assert "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT125x" in names
    # the digits published are the ones the order check enforces (BTCUSDT: tick 0.1)
    assert answer["symbols"][0]["digits"] == 1


async def test_a_stop_open_waits_for_its_price(
    emulator: BtccEmulator, http: aiohttp.ClientSession
) -> None:
    session = await login(emulator, http)
    form = signed(
        {
            "token": session["token"],
            "accountid": session["account"]["id"],
            "type": 2,
            "symbol": "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT125x",
            "direction": 1,
            "request_volume": "0.01",
            "request_price": "70000",
            "multiple": 5,
        }
    )
    async with http.post(emulator.base_url + "/v1/account/openpending", data=form) as resp:
        answer = await resp.json()
    assert answer["code"] == 0
    assert answer["pending"]["status"] == 1 and answer["pending"]["type"] == 2


async def test_an_unknown_path_is_a_404(
    emulator: BtccEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emulator.base_url + "/v1/nothing") as resp:
        assert resp.status == 404


async def test_quote_stream_login_dictionary_and_keep_alive(
    emulator: BtccEmulator, http: aiohttp.ClientSession
) -> None:
    ref = emulator.keys.refs[0]
    async with http.ws_connect(emulator.base_url.replace("http", "ws") + "/") as ws:
        await ws.send_str(json.dumps({"action": "ReqSubcri", "symbols": ["3289142"]}))
        assert json.loads(await ws.receive_str())["result"] == 0  # not logged in yet
        await ws.send_str(json.dumps({"action": "KeepLive"}))
        assert json.loads(await ws.receive_str()) == {"action": "keeplive"}
        await ws.send_str(json.dumps({"action": "Login", "name": "1", "key": "x"}))
        assert json.loads(await ws.receive_str())["result"] == 0
        login_frame = {"action": "Login", "name": str(ref.uid), "key": ref.account.api_key}
        await ws.send_str(json.dumps(login_frame))
        frames = [json.loads(await ws.receive_str()) for _ in range(3)]
        assert [f["action"] for f in frames] == ["Login", "Dict", "All Products"]
        dictionary = {row["ShortName"]: row["SecID"] for row in frames[1]["data"]}
        assert dictionary["BTC/USDT.125x"] == "3289142"
        request = {"action": "ReqSubcri", "symbols": ["3289142"], "deep": "3289142"}
        await ws.send_str(json.dumps(request))
        answers = [json.loads(await ws.receive_str()) for _ in range(3)]
        assert [a["action"] for a in answers] == ["ReqSubcri", "tickinfo", "tickinfo_deep"]
        deep = answers[2]["data"]
        assert len(deep["A"]) == len(deep["U"]) == len(deep["B"]) == len(deep["M"]) == 7
        assert float(deep["B"][0]) < float(deep["A"][0])
