"""Point a ccxt (or ccxt.pro) `bingx` client at the BingX emulator (URLs only; no
network).

`ccxt_client` and `DIFFERENCES` are the conformance suite's peer: ccxt at its default
options on BingX's VST demo (ccxt's sandbox mode, where tradeport's BingX client trades
unless told otherwise: only the USDT-M perpetual markets exist there, so ccxt asks for
no spot or coin-margined contracts), and where its reading of an account or a stream
differs from tradeport's (keys documented in tests/conformance/ccxt_peers.py).
`ccxt_config` is the benchmarks' lean peer. It never imports ccxt itself."""

from __future__ import annotations

from typing import Any

from tradeport.emulator.marketdata import PublicTrade
from tradeport.model import AssetType

PATH = "/swap-market"


def ccxt_urls(exchange: Any, base_url: str, ws_url: str | None = None) -> None:
    """Rewrite every REST URL (`https://open-api-vst.{hostname}/openApi`) and, given
    `ws_url`, the linear stream URL to the emulator."""
    api = exchange.urls["api"]
    for key, url in list(api.items()):
        if isinstance(url, str):
            api[key] = base_url.rstrip("/") + "/openApi"
    if ws_url is not None:
        api["ws"] = {"linear": ws_url.rstrip("/") + PATH}


def ccxt_config(api_key: str, secret: str) -> dict[str, Any]:
    return {
        "apiKey": api_key,
        "secret": secret,
        "enableRateLimit": False,
        "options": {"defaultType": "swap", "adjustForTimeDifference": False},
    }


# Where ccxt and tradeport read the same account or stream differently
# (tests/conformance/ccxt_peers.py documents each key).
DIFFERENCES: dict[AssetType, dict[str, Any]] = {
    AssetType.SWAP: {
        # ccxt's bingx set_leverage requires the position side (BOTH in one-way mode)
        "set_leverage_params": {"side": "BOTH"},
        # ccxt reads no maximum leverage off the contracts list
        "ccxt_market_has_max_leverage": False,
        # ccxt sends no client order id of its own
        "ccxt_client_order_id": False,
        # ccxt's used is the position margin (`usedMargin`) and its total free plus
        # used: the margin frozen by open orders is in neither; tradeport's total is the
        # wallet balance (`balance`), its locked all the margin held. Free is the
        # available margin in both
        "balance_fields": ("free",),
        # ccxt.pro watches `@depth100` (whole top-100 books, no update id); tradeport
        # the `@incrDepth` book: they meet by their levels, not by ids
        "book_nonce_is_engine_update_id": False,
        "book_update_ids": False,
    },
}


def trade_key(asset_type: AssetType, trade: PublicTrade) -> str:
    """`@trade` pushes carry no trade id: tradeport names a trade by its time, price
    and size (stream_parse.py), as read off the push."""
    return f"{trade.ts_ms}-{float(trade.price)}-{float(trade.qty)}"


def ccxt_trade_key(trade: dict[str, Any]) -> str:
    """The same name of a trade ccxt read (its id is None): a contract is one coin."""
    return f"{trade['timestamp']}-{float(trade['price'])}-{float(trade['amount'])}"


def ccxt_client(module: Any, emulator: Any, asset_type: AssetType, account: int = 0) -> Any:
    """A ccxt (`module` is ccxt.async_support) or ccxt.pro client of `account` on the
    emulator, at ccxt's default options in its sandbox (VST) mode, except its default
    market type: swap, the one market of this venue key (ccxt would read the balance
    of a spot account otherwise)."""
    key, secret = emulator.credentials(account)
    options = {"defaultType": "swap"}
    exchange = module.bingx({"apiKey": key, "secret": secret, "options": options})
    exchange.set_sandbox_mode(True)
    ccxt_urls(exchange, emulator.base_url, emulator.stream_url(asset_type))
    return exchange
