"""Point a ccxt (or ccxt.pro) `bybit` client at the Bybit emulator (URLs and options
only; no network).

`ccxt_client` and `DIFFERENCES` are the conformance suite's peer: ccxt at its default
options, and where its reading of an account or a stream differs from tradeport's (keys
documented in tests/conformance/ccxt_peers.py). `ccxt_config` is the benchmarks' lean
peer: one market type loaded, no rate limiter. It never imports ccxt itself."""

from __future__ import annotations

from typing import Any

from tradeport.model import AssetType
from tradeport.venues.bybit.emulator.ids import Category, public_trade_id_text

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


# -- the conformance suite's view of this peer -----------------------------------------
# ccxt's class for each asset type
CCXT_CLASSES: dict[AssetType, str] = {AssetType.SPOT: "bybit", AssetType.SWAP: "bybit"}

_EVERY_CATEGORY: dict[str, Any] = {
    # ccxt's fetch_order on a unified account raises unless the caller acknowledges
    # that Bybit's /v5/order/realtime finds only an account's last 500 orders
    "fetch_order_params": {"acknowledged": True},
    # ccxt sends no orderLinkId of its own
    "ccxt_client_order_id": False,
    # Bybit numbers book pushes per topic (`u`), not by the engine's update id
    "book_nonce_is_engine_update_id": False,
}

# Where ccxt and tradeport read the same account or stream differently, by asset type
# (tests/conformance/ccxt_peers.py documents each key).
DIFFERENCES: dict[AssetType, dict[str, Any]] = {
    AssetType.SPOT: {
        **_EVERY_CATEGORY,
        # spot tickers carry no best bid / ask on the stream (websocket/public/ticker)
        "stream_ticker_has_top": False,
    },
    AssetType.SWAP: {
        **_EVERY_CATEGORY,
        # ccxt's free is the venue's availableToWithdraw, which an unrealised loss
        # lowers (and a gain does not raise); tradeport's is the wallet balance less
        # the margin held
        "balance_upl": {"free": "loss", "used": "-loss"},
    },
}


def trade_id(asset_type: AssetType, engine_trade_id: int) -> str:
    """The public trade id Bybit shows for one of the engine's trades."""
    category: Category = "spot" if asset_type is AssetType.SPOT else "linear"
    return public_trade_id_text(category, engine_trade_id)


def _with_book_nonce(cls: Any) -> Any:
    """ccxt.pro's bybit as it is, except that each book also carries the `u` of the
    last frame applied to it as its `nonce` (ccxt drops it for Bybit), so its books can
    be matched with tradeport's by update id. How ccxt builds the book is untouched."""

    def handle_order_book(self: Any, client: Any, message: dict[str, Any]) -> None:
        cls.handle_order_book(self, client, message)
        # the waiter ccxt resolved above runs only after this returns
        book_type = "spot" if "spot" in client.url else "contract"
        market = self.safe_market(message["data"]["s"], None, None, book_type)
        self.orderbooks[market["symbol"]]["nonce"] = message["data"]["u"]

    return type(f"Nonced{cls.__name__}", (cls,), {"handle_order_book": handle_order_book})


def ccxt_client(module: Any, emulator: Any, asset_type: AssetType, account: int = 0) -> Any:
    """A ccxt (`module` is ccxt.async_support) or ccxt.pro client of `account` on the
    emulator's `asset_type` market, at ccxt's default options (ccxt.pro's books carry
    Bybit's `u` as `nonce`)."""
    cls = getattr(module, CCXT_CLASSES[asset_type])
    if hasattr(cls, "handle_order_book"):  # ccxt.pro
        cls = _with_book_nonce(cls)
    key, secret = emulator.credentials(account)
    exchange = cls({"apiKey": key, "secret": secret})
    ccxt_urls(exchange, emulator.base_url, emulator.stream_url(asset_type))
    return exchange
