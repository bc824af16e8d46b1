"""A local, protocol-faithful Binance: spot (`/api/v3`) and USDⓈ-M (`/fapi`) over HTTP."""

from tradeport.emulator.accounts import DEFAULT_ACCOUNTS, EmulatorAccount
from tradeport.venues.binance.emulator.app import BinanceEmulator

__all__ = ["DEFAULT_ACCOUNTS", "BinanceEmulator", "EmulatorAccount"]
