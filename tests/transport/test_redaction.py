"""No signature, listen key, key, token or passphrase reaches a log line or an error
text: the request path logs and raises through `transport/redact.py`."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import msgspec
import pytest

import tradeport as tp
from tradeport.emulator.handle import EmulatorHandle
from tradeport.model.errors import BadParameter, Disconnected
from tradeport.transport.http import HttpTransport
from tradeport.transport.redact import redact, redact_headers
from tradeport.transport.ws_conn import WsConnection
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues import registry
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.errormap import ErrorMapper

from .ws_test_server import LoopbackEndpoint


@asynccontextmanager
async def binance(key: str) -> AsyncIterator[tuple[EmulatorHandle, BinanceClient]]:
    spec = registry.get_venue(key)
    assert spec.emulator_factory is not None
    emulator = spec.emulator_factory(seed=11, step_interval=None)
    await emulator.start()
    api_key, secret = emulator.credentials(0)
    client = await tp.create_client(
        key,
        environment="emulator",
        base_url=emulator.base_url,
        ws_url=emulator.stream_url(spec.asset_type),
        api_key=api_key,
        secret=secret,
    )
    assert isinstance(client, BinanceClient)
    try:
        yield emulator, client
    finally:
        await client.close()
        await emulator.stop()


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET http://h/api/v3/account?recvWindow=5000&timestamp=1&signature=ab12cd", "ab12cd"),
        ("DELETE http://h/fapi/v1/listenKey?listenKey=Zq9LkQ2&x=1", "Zq9LkQ2"),
        ("wss://h/private/ws?listenKey=Zq9LkQ2wP", "Zq9LkQ2wP"),
        ("wss://fstream.h/ws/" + "k" * 60, "k" * 60),
        ('{"op": "auth", "args": ["key", 1, "f00dcafe"], "sign": "f00dcafe"}', '"f00dcafe"}'),
        ('{"apiKey": "K1", "passphrase": "pp-9", "timestamp": "1"}', "pp-9"),
        ("OK-ACCESS-PASSPHRASE: pp-9\r\nOK-ACCESS-SIGN: c2ln\r\n", "c2ln"),
        ("{'X-MBX-APIKEY': 'K1abc', 'Content-Type': 'x'}", "K1abc"),
        ("token=t0k3n&symbol=BTCUSDT", "t0k3n"),
    ],
)
def test_redact_blanks_secrets_wherever_they_sit(text: str, secret: str) -> None:
    clean = redact(text)
    assert secret not in clean and "***" in clean


def test_redact_keeps_what_is_no_secret() -> None:
    text = "GET /api/v3/order?symbol=BTCUSDT&design=1&side=BUY"
    assert redact(text) == text
    assert redact("secret value s3cr3t here", ["s3cr3t", ""]) == "secret value *** here"


def test_redact_headers_blanks_keys_signatures_and_passphrases() -> None:
    headers = {"X-BAPI-API-KEY": "k", "X-BAPI-SIGN": "s", "OK-ACCESS-PASSPHRASE": "p", "A": "1"}
    assert redact_headers(headers) == {
        "X-BAPI-API-KEY": "***",
        "X-BAPI-SIGN": "***",
        "OK-ACCESS-PASSPHRASE": "***",
        "A": "1",
    }


async def test_signed_and_listen_key_requests_log_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with binance("BINANCE___SWAP") as (emulator, client):
        _, secret = emulator.credentials(0)
        caplog.set_level(logging.DEBUG, logger="tradeport")
        await client.get_balance()  # signed: the query ends with its signature
        created = await client._keyed("create_listen_key")
        key = msgspec.json.decode(created)["listenKey"]
        await client._keyed("keepalive_listen_key")
        await client._keyed("delete_listen_key", {"listenKey": key})
    logged = caplog.text
    # the requests were logged, with their secrets blanked
    assert "signature=***" in logged and "listenKey=***" in logged
    assert re.search(r"signature=(?!\*\*\*)", logged) is None
    assert key not in logged and secret not in logged


async def test_error_naming_a_signed_url_hides_the_signature() -> None:
    async with binance("BINANCE___SPOT") as (emulator, _):
        http = HttpTransport(emulator.base_url, venue="test", engine="h1")
        try:
            with pytest.raises(BadParameter) as raised:
                # a header with a line break is refused before anything is sent
                await http.request(
                    "GET",
                    "/api/v3/account",
                    query="timestamp=1&signature=5ec7e75160",
                    headers={"X-Note": "a\r\nb"},
                )
        finally:
            await http.close()
    text = str(raised.value)
    assert "/api/v3/account" in text and "signature=***" in text
    assert "5ec7e75160" not in text


def test_venue_error_echoing_a_signed_parameter_hides_it() -> None:
    mapper = ErrorMapper("BINANCE___SPOT", {})
    error = mapper.error(-1102, "Illegal value for parameter 'signature=7a9f00de1c'", status=400)
    assert "7a9f00de1c" not in str(error) and "signature=***" in str(error)


async def test_unreachable_stream_url_names_no_listen_key() -> None:
    """A private stream that cannot connect says so without the listen key in its URL
    (the text reaches the log and the caller)."""
    listen_key = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = LoopbackEndpoint(f"ws://127.0.0.1:{port}/ws/{listen_key}", name="binance.user")
    conn = WsConnection(
        endpoint,
        lambda frame, ts: None,
        WsStats(),
        serial=1,
        on_move=lambda c, r: None,
        on_done=lambda c: None,
    )
    async with aiohttp.ClientSession() as session:
        with pytest.raises(Disconnected) as raised:
            await conn.open(session)
    assert listen_key not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
