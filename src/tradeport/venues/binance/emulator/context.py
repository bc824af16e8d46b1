"""What the Binance skin's REST and stream handlers are given: the shared emulator
context with Binance's two markets (`spot`, USDⓈ-M `futures`), their symbols and the
server's WebSocket ping intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.context import EmulatorContext
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator.calls import Market


@dataclass(frozen=True, kw_only=True)
class BinanceContext(EmulatorContext):
    spot_symbols: Sequence[SymbolSpec]
    futures_symbols: Sequence[SymbolSpec]
    ping_intervals: Mapping[Market, float]  # seconds between the server's pings

    @property
    def spot(self) -> Engine:
        return self.engines["spot"]

    @property
    def futures(self) -> Engine:
        return self.engines["futures"]
