"""BingX USDT-M perpetual swap (BINGX___SWAP): REST market data and trading, on the
`vst` demo environment, `live` (trading needs allow_mainnet=True) and the emulator."""

from __future__ import annotations

from pathlib import Path

from tradeport.model.enums import AssetType
from tradeport.venues.capability import DERIVATIVES, MARKET_DATA, Capability
from tradeport.venues.registry import register_venue

CONFIG = Path(__file__).with_name("venue.yaml")

# What works now: REST market data and trading without fills; no streams yet.
CAPABILITIES = (
    MARKET_DATA
    | DERIVATIVES
    | {
        Capability.MAKE_ORDER,
        Capability.CANCEL_ORDER,
        Capability.QUERY_ORDER,
        Capability.GET_OPEN_ORDERS,
        Capability.GET_BALANCE,
        Capability.GET_ACCOUNT,
        Capability.EMULATOR,
    }
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
