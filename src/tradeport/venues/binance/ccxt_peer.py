"""Point a ccxt Binance client at the Binance emulator (URLs only; no network).

Used by the tests (ccxt as an independent client) and the benchmarks (ccxt as the
peer); it never imports ccxt itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


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
