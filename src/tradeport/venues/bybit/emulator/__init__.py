"""A local, protocol-faithful Bybit v5: spot and linear (USDT perpetual) REST and WebSocket."""

from tradeport.venues.bybit.emulator.app import BybitEmulator

__all__ = ["BybitEmulator"]
