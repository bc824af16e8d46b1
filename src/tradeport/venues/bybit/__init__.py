"""Bybit v5: spot (BYBIT___SPOT, category=spot) and USDT perpetuals (BYBIT___SWAP,
category=linear)."""

from __future__ import annotations

from pathlib import Path

from tradeport.model.enums import AssetType
from tradeport.venues.registry import register_venue

CONFIG = Path(__file__).with_name("venue.yaml")

_SPECS = register_venue(
    "BYBIT",
    CONFIG,
    markets={AssetType.SPOT: "Bybit Spot", AssetType.SWAP: "Bybit USDT perpetuals"},
    client="tradeport.venues.bybit.client:BybitClient",
    emulator="tradeport.venues.bybit.emulator:BybitEmulator",
)
SPOT, SWAP = _SPECS[AssetType.SPOT], _SPECS[AssetType.SWAP]
