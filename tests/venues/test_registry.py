"""The registry tells the truth: a listed capability is implemented, an unlisted one
raises NotSupported (a client class serving several asset types refuses, per asset
type, what that type does not offer)."""

import pytest

import tradeport as tp
from tradeport.model.errors import BadParameter, NotSupported, PermissionDenied
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability
from tradeport.venues.kit.venue import missing_methods

# a stream capability: the venue opens channels, and venue.yaml names the stream
STREAM_PATH = {
    Capability.WATCH_TICKER: "ticker",
    Capability.WATCH_TRADES: "trades",
    Capability.WATCH_KLINES: "klines",
    Capability.WATCH_ORDER_BOOK: "book",
    Capability.WATCH_PARTIAL_BOOK: "partial_book",
    Capability.WATCH_QUOTES: "quotes",
    Capability.WATCH_MARK_PRICE: "mark",
    Capability.WATCH_ORDERS: "user",
    Capability.WATCH_FILLS: "user",
    Capability.WATCH_BALANCE: "user",
    Capability.WATCH_POSITIONS: "user",
}


@pytest.mark.parametrize("spec", registry.list_venues(), ids=lambda s: s.key)
async def test_listed_capabilities_are_implemented(
    spec: registry.VenueSpec,
) -> None:
    client = await tp.create_client(spec.key, environment="live", api_key="k", secret="s")
    try:
        cls = type(client)
        for cap in spec.capabilities - {Capability.EMULATOR}:
            if cap in STREAM_PATH:
                assert cls._open_channel is not VenueClient._open_channel, (spec.key, cap)
                assert STREAM_PATH[cap] in client.config.wss_paths, (spec.key, cap)
                continue
            assert missing_methods(cls, {cap}) == [], (spec.key, cap)
        assert (Capability.EMULATOR in spec.capabilities) == (spec.emulator_factory is not None)
    finally:
        await client.close()


async def test_unlisted_capability_raises_not_supported() -> None:
    client = await tp.create_client("BINANCE___SPOT", environment="live", api_key="k", secret="s")
    try:
        assert Capability.GET_POSITION not in registry.get_venue("BINANCE___SPOT").capabilities
        with pytest.raises(NotSupported, match="get_position"):
            await client.get_position()
        with pytest.raises(NotSupported, match="set_leverage"):
            await client.set_leverage("BTC-USDT", 5)
        for watch in (client.watch_mark_price("BTC-USDT"), client.watch_positions()):
            with pytest.raises(NotSupported):
                await watch.start()
    finally:
        await client.close()


def test_keys_are_exchange_and_asset_type() -> None:
    keys = [s.key for s in registry.list_venues()]
    assert "BINANCE___SPOT" in keys and "BINANCE___SWAP" in keys
    assert registry.get_venue("binance___swap").key == "BINANCE___SWAP"
    with pytest.raises(BadParameter, match="unknown venue"):
        registry.get_venue("NOWHERE___SPOT")


async def test_live_trading_needs_allow_mainnet() -> None:
    client = await tp.create_client("BINANCE___SWAP", environment="live", api_key="k", secret="s")
    try:
        with pytest.raises(PermissionDenied, match="allow_mainnet"):
            await client.make_order("BTC-USDT", "0.01", "50000", "buy-limit")
        with pytest.raises(PermissionDenied, match="allow_mainnet"):
            await client.set_leverage("BTC-USDT", 5)  # refused before anything is sent
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("key", "name"),
    [("BINANCE___SPOT", "Binance"), ("BYBIT___SWAP", "Bybit"), ("OKX___SWAP", "OKX")],
)
async def test_an_unknown_option_is_refused_naming_the_venue(key: str, name: str) -> None:
    with pytest.raises(BadParameter, match=rf"unexpected options for {name}: \['colour'\]"):
        await tp.create_client(key, environment="live", colour="blue")


@pytest.mark.parametrize("key", ["BINANCE___SPOT", "BYBIT___SWAP", "OKX___SWAP"])
async def test_every_venue_takes_the_shared_options(key: str) -> None:
    client = await tp.create_client(
        key,
        environment="live",
        rate_limit_wait=False,
        timeout=3.0,
        readiness="refuse",
        ready_timeout=1.0,
    )
    try:
        assert (client.readiness_mode, client.ready_timeout) == ("refuse", 1.0)
        assert client.base_url == client.config.rest_url("live")
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("key", "option"), [("BINANCE___SPOT", "passphrase"), ("OKX___SWAP", "recv_window_ms")]
)
async def test_a_venue_refuses_another_venues_own_option(key: str, option: str) -> None:
    with pytest.raises(BadParameter, match=option):
        await tp.create_client(key, environment="live", **{option: 1})
