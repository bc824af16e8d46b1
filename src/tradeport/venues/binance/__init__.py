"""Binance spot (BINANCE___SPOT) and USDⓈ-M perpetuals (BINANCE___SWAP)."""

from __future__ import annotations

from pathlib import Path

from tradeport.venues.registry import register_spot_and_swap

CONFIG = Path(__file__).with_name("venue.yaml")

SPOT, SWAP = register_spot_and_swap(
    "BINANCE",
    CONFIG,
    display_names=("Binance Spot", "Binance USDⓈ-M perpetuals"),
    client="tradeport.venues.binance.client:BinanceClient",
    emulator="tradeport.venues.binance.emulator:BinanceEmulator",
)
