"""A local, protocol-faithful BingX USDT-M perpetual swap: REST (`/openApi/swap/...`)."""

from tradeport.venues.bingx.emulator.app import BingxEmulator

__all__ = ["BingxEmulator"]
