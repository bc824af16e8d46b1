"""Signature, timestamp, key and passphrase checks over the bytes received
(PROTOCOLS.md §3.2, §3.7), and the test signer against the derived vectors O3/O4."""

from __future__ import annotations

import json

import aiohttp

from tradeport.venues.okx.emulator import OkxEmulator

from .conftest import RawClient, iso_ms, okx_sign

DOC_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"  # the OKX docs' example secret


def test_the_test_signer_matches_vectors_o3_and_o4() -> None:
    ts = "2020-12-08T09:08:57.715Z"
    assert okx_sign(DOC_SECRET, ts + "GET/api/v5/account/balance?ccy=BTC") == (
        "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
    )
    body = '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'
    assert okx_sign(DOC_SECRET, ts + "POST/api/v5/account/set-leverage" + body) == (
        "eCnnCgWLjlQ9XnpUkrcny3qNq3WW/81KNrDr/XR6Xv8="
    )


def test_iso_timestamps_carry_milliseconds() -> None:
    assert iso_ms(1607418537715) == "2020-12-08T09:08:57.715Z"


async def test_a_signed_get_with_a_query_is_accepted(raw: RawClient) -> None:
    reply = await raw.get("/api/v5/account/balance", ccy="USDT")
    assert reply.status == 200 and reply.data[0]["details"][0]["ccy"] == "USDT"


async def test_a_body_signed_with_other_spacing_is_verified_as_sent(raw: RawClient) -> None:
    # python-okx sends json.dumps' default spacing; the signature covers those bytes
    body = json.dumps({"posMode": "net_mode"})
    path = "/api/v5/account/set-position-mode"
    reply = await raw.send("POST", path, body=body, headers=raw.signed_headers("POST", path, body))
    assert reply.data == [{"posMode": "net_mode"}]


async def test_a_wrong_signature_is_50113(raw: RawClient) -> None:
    headers = raw.signed_headers("GET", "/api/v5/account/config", secret="not-the-secret")
    reply = await raw.send("GET", "/api/v5/account/config", headers=headers)
    assert (reply.status, reply.code, reply.body["msg"]) == (401, "50113", "Invalid Sign")


async def test_a_live_key_sent_to_demo_trading_is_50101(raw: RawClient) -> None:
    headers = raw.signed_headers("GET", "/api/v5/account/config")
    reply = await raw.send(
        "GET", "/api/v5/account/config", headers={**headers, "x-simulated-trading": "1"}
    )
    assert (reply.status, reply.code) == (401, "50101")
    live = await raw.send("GET", "/api/v5/account/config", headers=headers)
    assert live.status == 200


async def test_demo_keys_need_the_demo_header() -> None:
    async with OkxEmulator(step_interval=None, demo_keys=True) as emu, aiohttp.ClientSession() as s:
        raw = RawClient(emu, s)
        headers = raw.signed_headers("GET", "/api/v5/account/config")
        live = await raw.send("GET", "/api/v5/account/config", headers=headers)
        assert (live.status, live.code) == (401, "50101")
        demo = await raw.send(
            "GET", "/api/v5/account/config", headers={**headers, "x-simulated-trading": "1"}
        )
        assert demo.status == 200


async def test_a_signature_over_other_bytes_is_50113(raw: RawClient) -> None:
    signed = raw.signed_headers("GET", "/api/v5/account/balance?ccy=BTC")
    reply = await raw.send("GET", "/api/v5/account/balance", "ccy=USDT", headers=signed)
    assert (reply.status, reply.code) == (401, "50113")


async def test_an_unknown_key_is_50111(raw: RawClient) -> None:
    headers = raw.signed_headers("GET", "/api/v5/account/config")
    headers["OK-ACCESS-KEY"] = "no-such-key"
    reply = await raw.send("GET", "/api/v5/account/config", headers=headers)
    assert (reply.status, reply.code) == (401, "50111")


async def test_a_wrong_passphrase_is_50105(raw: RawClient) -> None:
    headers = raw.signed_headers("GET", "/api/v5/account/config", passphrase="wrong")
    reply = await raw.send("GET", "/api/v5/account/config", headers=headers)
    assert (reply.status, reply.code) == (401, "50105")


async def test_each_missing_header_names_its_code(raw: RawClient) -> None:
    expected = {
        "OK-ACCESS-KEY": "50103",
        "OK-ACCESS-PASSPHRASE": "50104",
        "OK-ACCESS-SIGN": "50106",
        "OK-ACCESS-TIMESTAMP": "50107",
    }
    for header, code in expected.items():
        headers = raw.signed_headers("GET", "/api/v5/account/config")
        del headers[header]
        reply = await raw.send("GET", "/api/v5/account/config", headers=headers)
        assert (reply.status, reply.code) == (401, code), header
        assert header in reply.body["msg"]


async def test_a_stale_timestamp_is_50102_and_a_malformed_one_50112(raw: RawClient) -> None:
    stale = raw.signed_headers("GET", "/api/v5/account/config", offset_ms=-31_000)
    reply = await raw.send("GET", "/api/v5/account/config", headers=stale)
    assert (reply.status, reply.code) == (401, "50102")
    future = raw.signed_headers("GET", "/api/v5/account/config", offset_ms=31_000)
    assert (await raw.send("GET", "/api/v5/account/config", headers=future)).code == "50102"
    malformed = raw.signed_headers("GET", "/api/v5/account/config")
    malformed["OK-ACCESS-TIMESTAMP"] = "1607418537715"
    reply = await raw.send("GET", "/api/v5/account/config", headers=malformed)
    assert (reply.status, reply.code) == (401, "50112")


async def test_a_skewed_server_clock_moves_the_window(emu: OkxEmulator, raw: RawClient) -> None:
    emu.clock_skew_ms = 60_000
    headers = raw.signed_headers("GET", "/api/v5/account/config")  # signed on the server clock
    assert (await raw.send("GET", "/api/v5/account/config", headers=headers)).code == "0"
    emu.clock_skew_ms = 0
    late = raw.signed_headers("GET", "/api/v5/account/config", offset_ms=45_000)
    assert (await raw.send("GET", "/api/v5/account/config", headers=late)).code == "50102"


async def test_an_unknown_path_is_http_404(raw: RawClient) -> None:
    reply = await raw.public("/api/v5/market/nothing-here")
    assert reply.status == 404


async def test_the_second_account_has_its_own_passphrase(emu: OkxEmulator, raw: RawClient) -> None:
    other = raw.as_account(1)
    assert other.passphrase == emu.passphrase(1) != emu.passphrase(0)
    reply = await other.get("/api/v5/account/config")
    assert reply.data[0]["uid"] == "100000002"
