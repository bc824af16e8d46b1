"""Point a ccxt Binance client at the Binance emulator (URLs only; no network).

`ccxt_client` and `DIFFERENCES` are the conformance suite's peer: ccxt at its default
options, and where its reading of an account or a stream differs from tradeport's (keys
documented in tests/conformance/ccxt_peers.py). `ccxt_config` is the benchmarks' lean
peer: one market type loaded, no rate limiter. It never imports ccxt itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tradeport.model import AssetType


def ccxt_urls(exchange: Any, base_url: str) -> None:
    """Rewrite every REST URL of a ccxt binance/binanceusdm instance to the emulator."""
    for key, url in list(exchange.urls["api"].items()):
        if isinstance(url, str) and url.startswith("https://"):
            path = urlsplit(url).path
            exchange.urls["api"][key] = base_url.rstrip("/") + path


def ccxt_config(api_key: str, secret: str, market: str) -> dict[str, Any]:
    """`market`: "spot" (ccxt.binance) or "linear" (ccxt.binanceusdm)."""
    return {
        "apiKey": api_key,
        "secret": secret,
        "enableRateLimit": False,
        "options": {
            "fetchMarkets": {"types": [market]},
            "fetchCurrencies": False,
            "fetchMargins": False,
            "defaultType": "spot" if market == "spot" else "future",
            "adjustForTimeDifference": False,
        },
    }


# -- the conformance suite's view of this peer -----------------------------------------
# ccxt's class and its market (the key of its stream URL) for each asset type
CCXT_CLASSES: dict[AssetType, tuple[str, str]] = {
    AssetType.SPOT: ("binance", "spot"),
    AssetType.SWAP: ("binanceusdm", "linear"),
}

# tradeport reads tickers from `@ticker` (venue.yaml wss_paths); ccxt.pro, which reads
# `@miniTicker` (no best bid / ask) unless told, is told to read the same stream
_TICKER = {"name": "ticker"}

# Where ccxt and tradeport read the same account or stream differently, by asset type
# (tests/conformance/ccxt_peers.py documents each key).
DIFFERENCES: dict[AssetType, dict[str, Any]] = {
    AssetType.SPOT: {"watch_ticker_params": _TICKER},
    AssetType.SWAP: {
        "watch_ticker_params": _TICKER,
        # USDⓈ-M `@ticker` carries no best bid / ask; and ccxt.pro stamps it with the
        # 24 h window's close time `C`, tradeport with the event time `E`
        "stream_ticker_has_top": False,
        "stream_ticker_time_is_event_time": False,
        # tradeport reads USDⓈ-M trades from `@aggTrade` (venue.yaml wss_paths);
        # ccxt.pro is told to read the same stream, whose ids number aggregates, not
        # the engine's trades
        "watch_trades_params": {"name": "aggTrade"},
        "watched_trade_ids_are_the_engines": False,
        # ccxt reads /fapi/v1/ticker/24hr, which carries no best bid / ask; tradeport
        # adds them from the book ticker
        "rest_ticker_has_top": False,
        # ccxt's total is the margin balance (wallet + unrealised pnl), and its used
        # the total less free; tradeport's total is the wallet balance, the pnl staying
        # on the positions
        "balance_upl": {"total": "pnl", "used": "pnl"},
        # ccxt reads positions from /fapi/v3/positionRisk, which carries no leverage
        "ccxt_position_has_leverage": False,
    },
}


def ccxt_client(module: Any, emulator: Any, asset_type: AssetType, account: int = 0) -> Any:
    """A ccxt (`module` is ccxt.async_support) or ccxt.pro client of `account` on the
    emulator's `asset_type` market, at ccxt's default options. One exception, for
    ccxt.pro only: it tells a spot push from a USDⓈ-M one by `/stream` in its URL
    (stream.binance.com), which a loopback URL lacks, so it loads only the market under
    test (its BTCUSDT is then not ambiguous); this is the one way it reaches a host
    other than Binance's."""
    name, market = CCXT_CLASSES[asset_type]
    key, secret = emulator.credentials(account)
    config: dict[str, Any] = {"apiKey": key, "secret": secret}
    if hasattr(getattr(module, name), "watch_order_book"):  # ccxt.pro
        config["options"] = {"fetchMarkets": {"types": [market]}}
    exchange = getattr(module, name)(config)
    ccxt_urls(exchange, emulator.base_url)
    # ccxt.pro appends /<connection index>; for linear it rewrites .../ws to
    # .../public/ws or .../market/ws by channel, as on fstream.binance.com
    streams = exchange.urls["api"].get("ws")  # ccxt.pro only
    if isinstance(streams, dict):
        streams[market] = emulator.stream_url(asset_type) + "/ws"
        # the spot WS API (private spot streams, ws-api.binance.com) is on the spot host
        streams["ws-api"]["spot"] = emulator.stream_url(AssetType.SPOT) + "/ws-api/v3"
    return exchange
