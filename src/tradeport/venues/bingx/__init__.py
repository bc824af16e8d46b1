"""BingX USDT-M perpetual swap (BINGX___SWAP): REST market data and trading, on the
`vst` demo environment, `live` (trading needs allow_mainnet=True) and the emulator;
public streams (books, trades, quotes, mark price) and the account stream."""

from __future__ import annotations

from pathlib import Path

from tradeport.model.enums import AssetType
from tradeport.venues.capability import (
    DERIVATIVES,
    MARKET_DATA,
    PRIVATE_STREAMS,
    TRADING,
    Capability,
)
from tradeport.venues.registry import register_venue

CONFIG = Path(__file__).with_name("venue.yaml")

# What works now: REST market data and trading, the public streams (incremental and
# partial books, trades, quotes, ticker, klines, mark price) and the account stream
# (orders, fills, balances, positions; leverage changes through watch_leverage).
PUBLIC_STREAMS = {
    Capability.WATCH_TICKER,
    Capability.WATCH_KLINES,
    Capability.WATCH_ORDER_BOOK,
    Capability.WATCH_PARTIAL_BOOK,
    Capability.WATCH_TRADES,
    Capability.WATCH_QUOTES,
    Capability.WATCH_MARK_PRICE,
}
ACCOUNT_STREAMS = PRIVATE_STREAMS | {Capability.WATCH_POSITIONS}
CAPABILITIES = (
    MARKET_DATA | TRADING | DERIVATIVES | PUBLIC_STREAMS | ACCOUNT_STREAMS | {Capability.EMULATOR}
)

_SPECS = register_venue(
    "BINGX",
    CONFIG,
    markets={AssetType.SWAP: "BingX USDT-M perpetual swap"},
    client="tradeport.venues.bingx.client:BingxClient",
    emulator="tradeport.venues.bingx.emulator:BingxEmulator",
    capabilities={AssetType.SWAP: frozenset(CAPABILITIES)},
)
SWAP = _SPECS[AssetType.SWAP]
