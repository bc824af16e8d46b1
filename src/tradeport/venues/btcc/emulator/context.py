"""What the BTCC skin's handlers are given: the shared emulator context with the one
market (`futures`), its products by name, the trade sessions, the position book, the
sign rule checked and the keys that may only read."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.engine import Engine
from tradeport.emulator.host.context import EmulatorContext
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.btcc.auth import SignRule
from tradeport.venues.btcc.emulator.positions import PositionBook
from tradeport.venues.btcc.emulator.sessions import Sessions

# Fees of a standard account [?]: BTCC publishes 0.045 % for takers on its site; the
# same is charged here to makers and takers alike
FEES = (Decimal("0.00045"), Decimal("0.00045"))
PRODUCT_PREFIX = "GWFX/USDT/GTS/MM/MIN/0/A/"  # the shape of the one name quoted (§6.5)


def product_name(spec: SymbolSpec) -> str:
    """`GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT125x`: the long internal name of a product."""
    return f"{PRODUCT_PREFIX}{spec.base}{spec.quote}{spec.max_leverage}x"


def short_name(spec: SymbolSpec) -> str:
    """`BTC/USDT.125x`: the quote stream's name of a product."""
    return f"{spec.base}/{spec.quote}.{spec.max_leverage}x"


def login_name(ref: AccountRef) -> str:
    """The user name an emulator account logs in with."""
    return f"{ref.engine_id}@emulator.btcc.invalid"


@dataclass(frozen=True, kw_only=True)
class BtccContext(EmulatorContext):
    market_field: ClassVar[str] = "market"

    symbols: Sequence[SymbolSpec]
    sessions: Sessions
    book: PositionBook
    sign_rule: SignRule
    read_only_keys: Collection[str] = ()

    @property
    def futures(self) -> Engine:
        return self.engines["futures"]

    def spec(self, name: str) -> SymbolSpec | None:
        """The listed product called `name`."""
        return next((s for s in self.symbols if product_name(s) == name), None)

    def spec_of(self, engine_symbol: str) -> SymbolSpec:
        return next(s for s in self.symbols if s.symbol == engine_symbol)
