"""SIGNED requests: key, signature over the received bytes, timestamp and recvWindow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tradeport.venues.binance.emulator import BinanceEmulator, EmulatorAccount
from tradeport.venues.binance.emulator.auth import expected_signature, signed_payload

from .conftest import RawClient, hmac_hex, join

# PROTOCOLS.md §8 vectors B1, B3, B7 (documented inputs and outputs)
SPOT_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
SPOT_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
FUTURES_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
FUTURES_KEY = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
B1 = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
B3_QUERY = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
B3_BODY = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
B7 = (
    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
    "&recvWindow=5000&timestamp=1591702613943"
)


def test_documented_vectors_match_the_server_side_digest() -> None:
    assert expected_signature(SPOT_SECRET, B1) == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )
    payload, sig = signed_payload(B3_QUERY, B3_BODY + "&signature=abc")
    assert payload == B3_QUERY + B3_BODY and sig == "abc"
    assert expected_signature(SPOT_SECRET, payload) == (
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    )
    assert expected_signature(FUTURES_SECRET, B7) == (
        "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
    )


@pytest.fixture
async def doc_emu() -> AsyncIterator[BinanceEmulator]:
    """An emulator whose accounts carry the keys of the documentation examples."""
    accounts = [
        EmulatorAccount(api_key=SPOT_KEY, secret=SPOT_SECRET),
        EmulatorAccount(api_key=FUTURES_KEY, secret=FUTURES_SECRET),
    ]
    async with BinanceEmulator(accounts=accounts, step_interval=None) as emu:
        yield emu


async def post(
    emu: BinanceEmulator, path: str, key: str, query: str, body: str
) -> tuple[int, dict[str, object]]:
    url = emu.base_url + path + (f"?{query}" if query else "")
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            aiohttp.client.URL(url, encoded=True),
            data=body or None,
            headers={"X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"},
        ) as r,
    ):
        return r.status, await r.json()


def now_vector(template: str, emu: BinanceEmulator, symbol: str) -> str:
    """A documented request shape with a live timestamp and a real symbol."""
    fresh = template.replace("1499827319559", str(emu.now_ms()))
    fresh = fresh.replace("1591702613943", str(emu.now_ms()))
    return fresh.replace("LTCBTC", symbol)


async def test_b1_shape_in_the_body_is_accepted(doc_emu: BinanceEmulator) -> None:
    payload = now_vector(B1, doc_emu, "BTCUSDT").replace("quantity=1", "quantity=0.001")
    payload = payload.replace("price=0.1", "price=20000")
    body = f"{payload}&signature={hmac_hex(SPOT_SECRET, payload)}"
    status, reply = await post(doc_emu, "/api/v3/order", SPOT_KEY, "", body)
    assert status == 200 and reply["status"] == "NEW" and reply["price"] == "20000.00000000"


async def test_b3_mixed_query_and_body_is_signed_without_separator(
    doc_emu: BinanceEmulator,
) -> None:
    query = B3_QUERY.replace("LTCBTC", "BTCUSDT")
    body = now_vector(B3_BODY, doc_emu, "BTCUSDT").replace("quantity=1", "quantity=0.001")
    body = body.replace("price=0.1", "price=20000")
    sig = hmac_hex(SPOT_SECRET, query + body)  # no "&" between query and body (§1.2)
    status, reply = await post(doc_emu, "/api/v3/order", SPOT_KEY, query, f"{body}&signature={sig}")
    assert status == 200 and reply["origQty"] == "0.00100000"
    wrong = hmac_hex(SPOT_SECRET, query + "&" + body)
    status, reply = await post(
        doc_emu, "/api/v3/order", SPOT_KEY, query, f"{body}&signature={wrong}"
    )
    assert (status, reply["code"]) == (400, -1022)


async def test_b7_futures_shape_with_time_in_force_last_is_accepted(
    doc_emu: BinanceEmulator,
) -> None:
    payload = now_vector(B7, doc_emu, "BTCUSDT").replace("quantity=1", "quantity=0.01")
    payload = payload.replace("price=9000", "price=50000")
    query = f"{payload}&signature={hmac_hex(FUTURES_SECRET, payload)}"
    status, reply = await post(doc_emu, "/fapi/v1/order", FUTURES_KEY, query, "")
    assert status == 200 and reply["status"] == "NEW" and reply["timeInForce"] == "GTC"


async def test_tampered_value_is_an_invalid_signature(raw: RawClient) -> None:
    pairs = raw.stamp(
        [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.001"),
            ("price", "20000"),
        ]
    )
    payload = join(pairs)
    sig = hmac_hex(raw.secret, payload)
    tampered = payload.replace("quantity=0.001", "quantity=0.002")
    reply = await raw.send(
        "POST",
        "/api/v3/order",
        body=f"{tampered}&signature={sig}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert (reply.status, reply.body) == (
        400,
        {"code": -1022, "msg": "Signature for this request is not valid."},
    )


async def test_signature_is_over_the_encoded_bytes_and_case_insensitive(raw: RawClient) -> None:
    # a percent-encoded non-ASCII symbol (B2 style): the signature holds, the symbol does not
    encoded = "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"
    payload = join(raw.stamp([("symbol", encoded)]))
    sig = hmac_hex(raw.secret, payload).upper()
    reply = await raw.send(
        "GET",
        "/api/v3/openOrders",
        query=f"{payload}&signature={sig}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert (reply.status, reply.body["code"]) == (400, -1121)


async def test_parameter_order_is_free(raw: RawClient) -> None:
    # ccxt puts timestamp first; the digest is over whatever order arrived
    payload = f"timestamp={raw.emu.now_ms()}&symbol=BTCUSDT"
    reply = await raw.send(
        "GET",
        "/api/v3/openOrders",
        query=f"{payload}&signature={hmac_hex(raw.secret, payload)}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert (reply.status, reply.body) == (200, [])


async def test_query_wins_over_body_for_the_same_name(raw: RawClient) -> None:
    query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
    body = f"symbol=NOPEUSDT&quantity=0.001&price=10000&timestamp={raw.emu.now_ms()}"
    sig = hmac_hex(raw.secret, query + body)
    reply = await raw.send(
        "POST",
        "/api/v3/order/test",
        query=query,
        body=f"{body}&signature={sig}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert (reply.status, reply.body) == (200, {})


async def test_key_problems_are_401(raw: RawClient) -> None:
    missing = await raw.send("GET", "/api/v3/account", query="timestamp=1&signature=00")
    assert (missing.status, missing.body["code"]) == (401, -2014)
    unknown = await raw.signed("GET", "/api/v3/account", api_key="nobody")
    assert (unknown.status, unknown.body) == (
        401,
        {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
    )
    wrong_secret = await raw.signed("GET", "/fapi/v2/balance", secret="guess")
    assert (wrong_secret.status, wrong_secret.body["code"]) == (400, -1022)


async def test_missing_signature_or_timestamp_is_mandatory(raw: RawClient) -> None:
    no_sig = await raw.send(
        "GET",
        "/api/v3/account",
        query=f"timestamp={raw.emu.now_ms()}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert no_sig.body["code"] == -1102 and "'signature'" in no_sig.body["msg"]
    sig = hmac_hex(raw.secret, "recvWindow=5000")
    no_ts = await raw.send(
        "GET",
        "/api/v3/account",
        query=f"recvWindow=5000&signature={sig}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert no_ts.body["code"] == -1102 and "'timestamp'" in no_ts.body["msg"]


AHEAD = "Timestamp for this request was 1000ms ahead of the server's time."
OUTSIDE = "Timestamp for this request is outside of the recvWindow."


async def test_timestamp_ahead_of_the_server_is_rejected(raw: RawClient) -> None:
    reply = await raw.signed("GET", "/api/v3/account", offset_ms=5_000)
    assert (reply.status, reply.body) == (400, {"code": -1021, "msg": AHEAD})
    assert (await raw.signed("GET", "/api/v3/account", offset_ms=500)).status == 200


async def test_timestamp_older_than_recv_window_is_rejected(raw: RawClient) -> None:
    reply = await raw.signed("GET", "/fapi/v2/balance", offset_ms=-8_000)
    assert (reply.status, reply.body) == (400, {"code": -1021, "msg": OUTSIDE})
    wider = await raw.signed("GET", "/fapi/v2/balance", [("recvWindow", "20000")], offset_ms=-8_000)
    assert wider.status == 200
    too_wide = await raw.signed("GET", "/fapi/v2/balance", [("recvWindow", "60001")])
    assert too_wide.body["code"] == -1131


async def test_microsecond_timestamp_is_accepted(raw: RawClient) -> None:
    payload = f"timestamp={raw.emu.now_ms() * 1000}"
    reply = await raw.send(
        "GET",
        "/api/v3/account",
        query=f"{payload}&signature={hmac_hex(raw.secret, payload)}",
        headers={"X-MBX-APIKEY": raw.api_key},
    )
    assert reply.status == 200


async def test_clock_skew_moves_the_server_clock(raw: RawClient) -> None:
    before = (await raw.public("/api/v3/time")).body["serverTime"]
    raw.emu.clock_skew_ms = 60_000
    after = (await raw.public("/fapi/v1/time")).body["serverTime"]
    assert after - before >= 60_000
    # a client still on real time is now far behind the server
    stale = await raw.signed("GET", "/api/v3/account", offset_ms=-60_000)
    assert stale.body == {"code": -1021, "msg": OUTSIDE}
