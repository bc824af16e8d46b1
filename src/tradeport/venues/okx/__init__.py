"""OKX v5: spot (OKX___SPOT, instType=SPOT) and USDT-margined perpetual swaps
(OKX___SWAP, instType=SWAP, linear contracts)."""

from __future__ import annotations

from pathlib import Path

from tradeport.model.enums import AssetType
from tradeport.venues.registry import register_venue

CONFIG = Path(__file__).with_name("venue.yaml")

_SPECS = register_venue(
    "OKX",
    CONFIG,
    markets={AssetType.SPOT: "OKX Spot", AssetType.SWAP: "OKX USDT perpetual swaps"},
    client="tradeport.venues.okx.client:OkxClient",
    emulator="tradeport.venues.okx.emulator:OkxEmulator",
)
SPOT, SWAP = _SPECS[AssetType.SPOT], _SPECS[AssetType.SWAP]
