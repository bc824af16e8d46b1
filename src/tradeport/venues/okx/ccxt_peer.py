"""Point a ccxt (or ccxt.pro) `okx` client at the OKX emulator (URLs and options only;
no network).

Used by the tests (ccxt as an independent client) and the benchmarks (ccxt as the
peer); it never imports ccxt itself."""

from __future__ import annotations

from typing import Any

_MARKETS = ("spot", "swap")


def ccxt_urls(exchange: Any, base_url: str, ws_url: str | None = None) -> None:
    """Rewrite the REST URL (and, given `ws_url`, the emulator's stream host
    `ws://host:port`, the stream URL) of a ccxt `okx` instance to the emulator.

    ccxt signs `/api/v5/<path>` under `urls['api']['rest']`; ccxt.pro appends
    `/public`, `/private` or `/business` to `urls['api']['ws']`, as on
    wss://ws.okx.com:8443/ws/v5."""
    api = exchange.urls["api"]
    api["rest"] = base_url.rstrip("/")
    if ws_url is not None:
        api["ws"] = ws_url.rstrip("/") + "/ws/v5"


def ccxt_config(api_key: str, secret: str, passphrase: str, market: str) -> dict[str, Any]:
    """`market`: "spot" or "swap" (USDT-margined perpetuals): the only instType ccxt
    loads and its default market type. `password` is OKX's API key passphrase."""
    if market not in _MARKETS:
        raise ValueError(f"market must be 'spot' or 'swap', not {market!r}")
    return {
        "apiKey": api_key,
        "secret": secret,
        "password": passphrase,
        "enableRateLimit": False,
        "options": {
            "fetchMarkets": {"types": [market]},
            "defaultType": market,
            "adjustForTimeDifference": False,
        },
    }
