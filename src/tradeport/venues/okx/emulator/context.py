"""What the OKX skin's REST and stream handlers are given: the shared emulator context
with OKX's two instTypes (`SPOT`, `SWAP`), their symbols and fees, contract sizing, the
order terms OKX shows beyond the engine's, and the rate-limit options."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.context import EmulatorContext
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.okx.emulator.contracts import Sizing
from tradeport.venues.okx.emulator.order_info import OrderInfo

# Fees of a regular (Lv1) account: spot 0.08 % maker / 0.1 % taker, USDT-margined
# perpetuals 0.02 % / 0.05 %.
SPOT_FEES = (Decimal("0.0008"), Decimal("0.001"))
SWAP_FEES = (Decimal("0.0002"), Decimal("0.0005"))


@dataclass(frozen=True, kw_only=True)
class OkxContext(EmulatorContext):
    """`weight_limit` / `weight_interval` / `order_limit`: the budgets (see
    `OkxEmulator`); `checksum()` tells whether book pushes carry their checksum now."""

    market_field: ClassVar[str] = "instType"

    spot_symbols: Sequence[SymbolSpec]
    swap_symbols: Sequence[SymbolSpec]
    sizing: Sizing
    order_info: OrderInfo
    checksum: Callable[[], bool]
    weight_limit: int | None = None
    weight_interval: tuple[int, str] = (2, "SECOND")
    order_limit: int | None = None
    # the accounts' keys are demo-trading keys (requests must carry x-simulated-trading: 1)
    demo_keys: bool = False

    @property
    def spot(self) -> Engine:
        return self.engines["SPOT"]

    @property
    def swap(self) -> Engine:
        return self.engines["SWAP"]
