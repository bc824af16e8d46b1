"""Point a ccxt (or ccxt.pro) `okx` client at the OKX emulator (URLs and options only;
no network).

`ccxt_client` and `DIFFERENCES` are the conformance suite's peer: ccxt at its default
options, and where its reading of an account or a stream differs from tradeport's (keys
documented in tests/conformance/ccxt_peers.py). `ccxt_config` is the benchmarks' lean
peer: one market type loaded, no rate limiter. It never imports ccxt itself."""

from __future__ import annotations

from typing import Any

from tradeport.model import AssetType

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


# -- the conformance suite's view of this peer -----------------------------------------
# ccxt's class for each asset type
CCXT_CLASSES: dict[AssetType, str] = {AssetType.SPOT: "okx", AssetType.SWAP: "okx"}

# Where ccxt and tradeport read the same account or stream differently, by asset type
# (tests/conformance/ccxt_peers.py documents each key).
DIFFERENCES: dict[AssetType, dict[str, Any]] = {
    # ccxt reads OKX's `eq` as the total and `availEq` as free: both include the
    # unrealized pnl of cross positions; tradeport's total is the cash balance `cashBal`
    # and its free `availBal`, the pnl staying on the positions
    asset_type: {
        "balance_upl": {"total": "pnl", "free": "pnl"},
        # ccxt asks the bills of its default market type (spot) unless told
        "fetch_ledger_params": {"type": asset_type.value},
    }
    for asset_type in CCXT_CLASSES
}


def ccxt_client(module: Any, emulator: Any, asset_type: AssetType, account: int = 0) -> Any:
    """A ccxt (`module` is ccxt.async_support) or ccxt.pro client of `account` on the
    emulator's `asset_type` market, at ccxt's default options."""
    key, secret = emulator.credentials(account)
    config = {"apiKey": key, "secret": secret, "password": emulator.passphrase(account)}
    exchange = getattr(module, CCXT_CLASSES[asset_type])(config)
    ccxt_urls(exchange, emulator.base_url, emulator.stream_url(asset_type))
    return exchange
