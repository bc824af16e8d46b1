"""Binance spot (BINANCE___SPOT) and USDⓈ-M perpetuals (BINANCE___SWAP)."""

from __future__ import annotations

from pathlib import Path

from tradeport.model.enums import AssetType
from tradeport.venues.registry import register_venue

CONFIG = Path(__file__).with_name("venue.yaml")

_SPECS = register_venue(
    "BINANCE",
    CONFIG,
    markets={AssetType.SPOT: "Binance Spot", AssetType.SWAP: "Binance USDⓈ-M perpetuals"},
    client="tradeport.venues.binance.client:BinanceClient",
    emulator="tradeport.venues.binance.emulator:BinanceEmulator",
)
SPOT, SWAP = _SPECS[AssetType.SPOT], _SPECS[AssetType.SWAP]
