"""The symbols every venue's emulator lists, in venue-neutral terms: tick, step,
minimums, start price, leverage cap. Each venue renders them in its own
instruments payload. Values follow the live Binance BTCUSDT / ETHUSDT / DOGEUSDT
filters (PROTOCOLS.md §1.8 spot, §2.8 USDⓈ-M), which are close to the other venues'.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from tradeport.emulator.decimal_text import significant_decimals
from tradeport.emulator.engine import EngineInstrument

D = Decimal
DEFAULT_MAINT_MARGIN_RATE = Decimal("0.004")


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal  # MARKET_LOT_SIZE maxQty
    min_notional: Decimal
    start_price: Decimal
    min_price: Decimal
    max_price: Decimal
    price_precision: int  # USDⓈ-M pricePrecision
    quantity_precision: int  # USDⓈ-M quantityPrecision
    max_leverage: int = 125
    maint_margin_rate: Decimal = DEFAULT_MAINT_MARGIN_RATE
    max_num_orders: int = 200

    def engine(self) -> EngineInstrument:
        return EngineInstrument(
            symbol=self.symbol,
            base=self.base,
            quote=self.quote,
            tick_size=self.tick_size,
            step_size=self.step_size,
            min_qty=self.min_qty,
            max_qty=self.max_qty,
            min_notional=self.min_notional,
            start_price=self.start_price,
            max_leverage=self.max_leverage,
            maint_margin_rate=self.maint_margin_rate,
        )


def _usdt(symbol: str, **fields: object) -> SymbolSpec:
    """A `<BASE>USDT` symbol; decimals given as strings."""
    values = {k: D(v) if isinstance(v, str) else v for k, v in fields.items()}
    return SymbolSpec(symbol=symbol, base=symbol.removesuffix("USDT"), quote="USDT", **values)  # type: ignore[arg-type]


# Spot values follow the live BTCUSDT / ETHUSDT / DOGEUSDT filters (§1.8). The precision
# fields are USDⓈ-M-only and unused for spot.
SPOT_SYMBOLS: tuple[SymbolSpec, ...] = (
    _usdt(
        "BTCUSDT",
        tick_size="0.01",
        step_size="0.00001",
        min_qty="0.00001",
        max_qty="9000",
        market_max_qty="120",
        min_notional="5",
        start_price="65000",
        min_price="0.01",
        max_price="1000000",
        price_precision=2,
        quantity_precision=5,
    ),
    _usdt(
        "ETHUSDT",
        tick_size="0.01",
        step_size="0.0001",
        min_qty="0.0001",
        max_qty="9000",
        market_max_qty="2000",
        min_notional="5",
        start_price="3500",
        min_price="0.01",
        max_price="1000000",
        price_precision=2,
        quantity_precision=4,
    ),
    _usdt(
        "DOGEUSDT",
        tick_size="0.00001",
        step_size="1",
        min_qty="1",
        max_qty="9000000",
        market_max_qty="2500000",
        min_notional="1",
        start_price="0.1",
        min_price="0.00001",
        max_price="1000",
        price_precision=5,
        quantity_precision=0,
    ),
)

# USDⓈ-M perpetuals (§2.8): MIN_NOTIONAL is 100 / 20 / 5 USDT, leverage caps 125 / 100 / 75.
FUTURES_SYMBOLS: tuple[SymbolSpec, ...] = (
    _usdt(
        "BTCUSDT",
        tick_size="0.10",
        step_size="0.001",
        min_qty="0.001",
        max_qty="1000",
        market_max_qty="120",
        min_notional="100",
        start_price="65000",
        min_price="556.80",
        max_price="4529764",
        price_precision=2,
        quantity_precision=3,
        max_leverage=125,
        maint_margin_rate="0.004",
    ),
    _usdt(
        "ETHUSDT",
        tick_size="0.01",
        step_size="0.001",
        min_qty="0.001",
        max_qty="10000",
        market_max_qty="2000",
        min_notional="20",
        start_price="3500",
        min_price="39.86",
        max_price="306177",
        price_precision=2,
        quantity_precision=3,
        max_leverage=100,
        maint_margin_rate="0.005",
    ),
    _usdt(
        "DOGEUSDT",
        tick_size="0.00001",
        step_size="1",
        min_qty="1",
        max_qty="50000000",
        market_max_qty="30000000",
        min_notional="5",
        start_price="0.1",
        min_price="0.00244",
        max_price="30",
        price_precision=6,
        quantity_precision=0,
        max_leverage=75,
        maint_margin_rate="0.005",
    ),
)


def synthetic_symbols(count: int) -> tuple[tuple[SymbolSpec, ...], tuple[SymbolSpec, ...]]:
    """`count` made-up USDT pairs, SYM001USDT, SYM002USDT, …, as (spot, USDⓈ-M) specs:
    for load tests that need many symbols streaming at once. Filters are in the range of
    a mid-priced altcoin; start prices differ so the symbols' books do not coincide."""
    if not 0 <= count <= 999:
        raise ValueError(f"extra symbols must be from 0 to 999, not {count}")
    spot: list[SymbolSpec] = []
    futures: list[SymbolSpec] = []
    for n in range(1, count + 1):
        symbol, start = f"SYM{n:03d}USDT", str(10 + n)
        common: dict[str, object] = {
            "step_size": "0.01",
            "min_qty": "0.01",
            "max_qty": "1000000",
            "market_max_qty": "100000",
            "min_notional": "5",
            "start_price": start,
            "quantity_precision": 2,
        }
        spot.append(
            _usdt(
                symbol,
                tick_size="0.0001",
                min_price="0.0001",
                max_price="100000",
                price_precision=4,
                **common,
            )
        )
        futures.append(
            _usdt(
                symbol,
                tick_size="0.001",
                min_price="0.001",
                max_price="100000",
                price_precision=3,
                max_leverage=50,
                maint_margin_rate="0.01",
                **common,
            )
        )
    return tuple(spot), tuple(futures)


def is_made_up(base: str) -> bool:
    """Whether `base` is one of `synthetic_symbols`' made-up assets (SYM001, …)."""
    return len(base) == 6 and base.startswith("SYM") and base[3:].isdigit()


def listed_symbols(extra: int) -> tuple[tuple[SymbolSpec, ...], tuple[SymbolSpec, ...]]:
    """What an emulator lists, as (spot, derivatives) specs: the standard symbols, then
    `extra` made-up pairs (`synthetic_symbols`) in each market."""
    extra_spot, extra_futures = synthetic_symbols(extra)
    return (*SPOT_SYMBOLS, *extra_spot), (*FUTURES_SYMBOLS, *extra_futures)


def on_step(value: Decimal, step: Decimal, origin: Decimal = Decimal(0)) -> bool:
    """Whether `value` sits on the grid of `step` counted from `origin` (a tick or lot
    filter); a zero step disables the rule, as the venues document."""
    offset = value - origin if origin else value
    return step <= 0 or offset % step == 0


class NewContract(msgspec.Struct, frozen=True, kw_only=True):
    """A contract listed while an emulator runs: what a venue's listing announces. The
    other filters follow from these (`spec`)."""

    symbol: str  # BASE-QUOTE
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal  # the lot
    min_qty: Decimal
    min_notional: Decimal
    start_price: Decimal  # where its synthetic market opens
    max_leverage: int = 50

    def __post_init__(self) -> None:
        if self.symbol.replace("-", "") != f"{self.base}{self.quote}":
            raise ValueError(f"symbol {self.symbol!r} must be {self.base}-{self.quote}")
        for name in ("tick_size", "step_size", "min_qty", "start_price"):
            value = getattr(self, name)
            if not value.is_finite() or value <= 0:
                raise ValueError(f"{name} must be a positive number, not {value}")
        if not self.min_notional.is_finite() or self.min_notional < 0:
            raise ValueError(f"min_notional must not be negative, not {self.min_notional}")
        if not on_step(self.start_price, self.tick_size):
            raise ValueError(f"start_price {self.start_price} is not on the tick {self.tick_size}")
        if not 1 <= self.max_leverage <= 125:
            raise ValueError(f"max_leverage must be from 1 to 125, not {self.max_leverage}")

    def spec(self) -> SymbolSpec:
        """The contract as every emulator lists it (engine symbol BASEQUOTE): up to a
        million lots per order (a tenth of that at market), prices from one tick to a
        thousand times the start price, maintenance margin as the made-up pairs'."""
        max_qty = max(self.step_size, self.min_qty) * 1_000_000
        return SymbolSpec(
            symbol=f"{self.base}{self.quote}",
            base=self.base,
            quote=self.quote,
            tick_size=self.tick_size,
            step_size=self.step_size,
            min_qty=self.min_qty,
            max_qty=max_qty,
            market_max_qty=max_qty / 10,
            min_notional=self.min_notional,
            start_price=self.start_price,
            min_price=self.tick_size,
            max_price=self.start_price * 1000,
            price_precision=significant_decimals(self.tick_size),
            quantity_precision=significant_decimals(self.step_size),
            max_leverage=self.max_leverage,
            maint_margin_rate=Decimal("0.01"),
        )
