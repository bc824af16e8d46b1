"""A local, protocol-faithful OKX v5: spot and USDT-margined perpetual (SWAP) REST and
WebSocket."""

from tradeport.venues.okx.emulator.app import OkxEmulator

__all__ = ["OkxEmulator"]
