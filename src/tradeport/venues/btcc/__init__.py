"""BTCC perpetual futures (BTCC___SWAP): the session-based trade API on its position
model, the quote stream (tickers, seven-level books), and the emulator. Every protocol
fact is third-party and unverified against the live venue (PROTOCOLS.md §6) [?]."""

from __future__ import annotations

from pathlib import Path

from tradeport.model.enums import AssetType
from tradeport.venues.capability import Capability
from tradeport.venues.registry import register_venue

CONFIG = Path(__file__).with_name("venue.yaml")

# What works: products, orders on the position model, positions with their own
# leverage, the account, candles and a ticker (both asked on the quote socket), and the
# quote stream's tickers, seven-level books and trades. No server time, REST market
# data, fills history or private streams are known for the venue.
CAPABILITIES = {
    Capability.GET_TICK,
    Capability.WATCH_TICKER,
    Capability.WATCH_PARTIAL_BOOK,
    Capability.WATCH_TRADES,
    Capability.GET_EXCHANGE_INFO,
    Capability.GET_KLINE,
    Capability.MAKE_ORDER,
    Capability.CANCEL_ORDER,
    Capability.QUERY_ORDER,
    Capability.GET_OPEN_ORDERS,
    Capability.GET_BALANCE,
    Capability.GET_ACCOUNT,
    Capability.GET_POSITION,
    Capability.SET_LEVERAGE,
    Capability.EMULATOR,
}

_SPECS = register_venue(
    "BTCC",
    CONFIG,
    markets={AssetType.SWAP: "BTCC perpetual futures (unverified against the live venue)"},
    client="tradeport.venues.btcc.client:BtccClient",
    emulator="tradeport.venues.btcc.emulator:BtccEmulator",
    capabilities={AssetType.SWAP: frozenset(CAPABILITIES)},
)
SWAP = _SPECS[AssetType.SWAP]
