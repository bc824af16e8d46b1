"""Signed requests: the key, the signature over the bytes received, the timestamp window
(PROTOCOLS.md §4.2, vectors Y1/Y2 of §8)."""

from __future__ import annotations

import json

from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.auth import sign

from .conftest import RawClient, bybit_sign

# §8: derived with secret "XXXXXXXXXX" (the documented examples do not publish theirs)
Y_SECRET = "XXXXXXXXXX"
Y1 = ("1658384314791", "XXXXXXXXXX", "5000", "category=option&symbol=BTC-29JUL22-25000-C")
Y1_SIGN = "c00720f96c5934ca7057ac28ae65b823f83b8b67a8fe784e7795ca0fa3c148ec"
Y2 = ("1658385579423", "XXXXXXXXXX", "5000", '{"category": "option"}')
Y2_SIGN = "fbb4648b585b3e62de2c4eaecc8f3b6066aa18e98cc300eaff4d87f15b55724a"
WALLET = "/v5/account/wallet-balance"


def test_the_test_signer_and_the_server_agree_on_the_vectors() -> None:
    assert bybit_sign(Y_SECRET, *Y1) == Y1_SIGN == sign(Y_SECRET, *Y1)
    assert bybit_sign(Y_SECRET, *Y2) == Y2_SIGN == sign(Y_SECRET, *Y2)


async def test_a_signed_get_is_answered(raw: RawClient) -> None:
    reply = await raw.get(WALLET, accountType="UNIFIED")
    assert reply.status == 200 and reply.code == 0
    assert reply.result["list"][0]["accountType"] == "UNIFIED"


async def test_the_query_is_verified_as_sent_in_any_parameter_order(raw: RawClient) -> None:
    for query in ("category=linear&symbol=BTCUSDT", "symbol=BTCUSDT&category=linear"):
        reply = await raw.send("GET", "/v5/position/list", query, headers=raw.signed_headers(query))
        assert reply.code == 0, reply.body


async def test_a_post_body_is_verified_byte_for_byte_whatever_its_spacing(
    raw: RawClient,
) -> None:
    fields = {"category": "linear", "symbol": "BTCUSDT", "buyLeverage": "7", "sellLeverage": "7"}
    body = json.dumps(fields)  # ", " and ": " spacing, as pybit sends it
    reply = await raw.send(
        "POST", "/v5/position/set-leverage", body=body, headers=raw.signed_headers(body)
    )
    assert reply.code == 0, reply.body
    tampered = body.replace('"7"', '"8"')
    reply = await raw.send(
        "POST", "/v5/position/set-leverage", body=tampered, headers=raw.signed_headers(body)
    )
    assert (reply.status, reply.code) == (200, 10004)


async def test_a_wrong_secret_is_a_sign_error(raw: RawClient) -> None:
    query = "accountType=UNIFIED"
    headers = raw.signed_headers(query, secret="not-the-secret")
    reply = await raw.send("GET", WALLET, query, headers=headers)
    assert (reply.status, reply.code, reply.body["result"]) == (200, 10004, {})
    assert reply.body["retMsg"] == "error sign!"


async def test_an_unknown_or_missing_key_is_invalid(raw: RawClient) -> None:
    query = "accountType=UNIFIED"
    headers = raw.signed_headers(query)
    headers["X-BAPI-API-KEY"] = "no-such-key"
    unknown = await raw.send("GET", WALLET, query, headers=headers)
    assert (unknown.status, unknown.code) == (401, 10003)  # Bybit answers HTTP 401
    del headers["X-BAPI-API-KEY"]
    assert (await raw.send("GET", WALLET, query, headers=headers)).code == 10003
    assert (await raw.send("GET", WALLET, query)).code == 10003


async def test_the_timestamp_must_sit_inside_the_receive_window(raw: RawClient) -> None:
    query = "accountType=UNIFIED"
    # server_time - recv_window <= timestamp < server_time + 1000
    stale = await raw.send("GET", WALLET, query, headers=raw.signed_headers(query, offset_ms=-6000))
    ahead = await raw.send("GET", WALLET, query, headers=raw.signed_headers(query, offset_ms=5000))
    wide = await raw.send(
        "GET",
        WALLET,
        query,
        headers=raw.signed_headers(query, offset_ms=-6000, recv_window="20000"),
    )
    assert stale.code == ahead.code == 10002
    assert "recv_window[5000]" in stale.body["retMsg"]
    assert wide.code == 0


async def test_a_skewed_server_clock_rejects_a_client_that_ignores_it(
    emu: BybitEmulator, raw: RawClient
) -> None:
    query = "accountType=UNIFIED"
    headers = raw.signed_headers(query)  # stamped with the server's clock of now
    emu.clock_skew_ms = 30_000
    assert (await raw.send("GET", WALLET, query, headers=headers)).code == 10002
    # a client that reads /v5/market/time stamps with the server's clock and passes
    server = (await raw.public("/v5/market/time")).result
    assert int(server["timeSecond"]) * 1000 >= emu.now_ms() - 1000
    assert (await raw.send("GET", WALLET, query, headers=raw.signed_headers(query))).code == 0


async def test_public_endpoints_need_no_signature(raw: RawClient) -> None:
    reply = await raw.public("/v5/market/time")
    assert reply.code == 0 and "X-Bapi-Limit" not in reply.headers
