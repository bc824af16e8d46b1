"""ccxt.pro's `okx` class builds its stream URLs from one host (`/public`, `/private`,
`/business`), and the peer puts that host on the emulator. The agreement of ccxt.pro's
streams with tradeport's is in tests/conformance/test_ccxtpro_agreement.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tradeport.model import AssetType
from tradeport.venues.okx.ccxt_peer import ccxt_client
from tradeport.venues.okx.emulator import OkxEmulator


@pytest.fixture(params=[AssetType.SPOT, AssetType.SWAP], ids=["OKX___SPOT", "OKX___SWAP"])
async def theirs(emulator: OkxEmulator, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    client = ccxt_client(ccxtpro, emulator, request.param)
    try:
        await client.load_markets()
        yield client, request.param
    finally:
        await client.close()


def test_ccxt_pro_builds_okx_stream_urls_under_the_emulator_host(
    emulator: OkxEmulator, theirs: tuple[Any, AssetType]
) -> None:
    client, asset_type = theirs
    host = emulator.stream_url(asset_type)
    assert client.get_url("books") == f"{host}/ws/v5/public"
    assert client.get_url("orders", "private") == f"{host}/ws/v5/private"
    assert client.get_url("candle1m") == f"{host}/ws/v5/business"
    # ccxt.pro okx reads `books` and keeps no checksum of its own: the agreement is of
    # two independent merges of the same pushes
    assert client.options["watchOrderBook"]["depth"] == "books"
