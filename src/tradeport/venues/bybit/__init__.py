"""Bybit v5: spot (BYBIT___SPOT, category=spot) and USDT perpetuals (BYBIT___SWAP,
category=linear)."""

from __future__ import annotations

from pathlib import Path

from tradeport.venues.registry import register_spot_and_swap

CONFIG = Path(__file__).with_name("venue.yaml")

SPOT, SWAP = register_spot_and_swap(
    "BYBIT",
    CONFIG,
    display_names=("Bybit Spot", "Bybit USDT perpetuals"),
    client="tradeport.venues.bybit.client:BybitClient",
    emulator="tradeport.venues.bybit.emulator:BybitEmulator",
)
