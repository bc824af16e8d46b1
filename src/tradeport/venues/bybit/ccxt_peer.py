"""Point a ccxt (or ccxt.pro) `bybit` client at the Bybit emulator (URLs and options
only; no network).

Used by the tests (ccxt as an independent client) and the benchmarks (ccxt as the
peer); it never imports ccxt itself."""

from __future__ import annotations

from typing import Any

_PUBLIC = ("spot", "linear", "inverse", "option")


def ccxt_urls(exchange: Any, base_url: str, ws_url: str | None = None) -> None:
    """Rewrite every REST URL (and, given `ws_url`, every stream URL) to the emulator."""
    api = exchange.urls["api"]
    for key, url in list(api.items()):
        if isinstance(url, str):
            api[key] = base_url.rstrip("/")
    if ws_url is not None:
        host = ws_url.rstrip("/")
        api["ws"] = {
            "public": {kind: f"{host}/v5/public/{kind}" for kind in _PUBLIC},
            "private": {
                "spot": {"unified": f"{host}/v5/private", "nonUnified": f"{host}/v5/private"},
                "contract": f"{host}/v5/private",
                "usdc": f"{host}/v5/private",
                "trade": f"{host}/v5/trade",
            },
        }


def ccxt_config(api_key: str, secret: str, market: str) -> dict[str, Any]:
    """`market`: "spot" or "linear". The account is a unified trading account (UTA),
    as every new Bybit account is, so ccxt need not ask the key-info endpoints."""
    return {
        "apiKey": api_key,
        "secret": secret,
        "enableRateLimit": False,
        "options": {
            "fetchMarkets": {"types": [market]},
            "fetchCurrencies": False,
            "defaultType": "spot" if market == "spot" else "swap",
            "adjustForTimeDifference": False,
            "enableUnifiedMargin": False,
            "enableUnifiedAccount": True,
        },
    }
