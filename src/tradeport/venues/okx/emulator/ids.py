"""OKX's instrument and order ids, derived from the shared symbols and the engines' ids.

Instrument ids (PROTOCOLS.md §3.8): spot `BTC-USDT`, USDT-margined perpetual
`BTC-USDT-SWAP`. The engines are keyed by these instIds. Order ids are numeric strings
(`"312269865356374016"` in the docs' samples); each engine numbers its orders from 1, so
spot and swap ids live in separate ranges and an id of one never parses as the other.
"""

from __future__ import annotations

from typing import Literal

from tradeport.emulator.symbols import SymbolSpec
from tradeport.model import AssetType

InstType = Literal["SPOT", "SWAP"]
INST_TYPES: tuple[InstType, ...] = ("SPOT", "SWAP")
ASSET_INST_TYPES: dict[AssetType, InstType] = {AssetType.SPOT: "SPOT", AssetType.SWAP: "SWAP"}
SWAP_SUFFIX = "-SWAP"

# 18-digit ids like OKX's; the leading digit tells the engine apart
_ORDER_BASE: dict[InstType, int] = {
    "SPOT": 600_000_000_000_000_000,
    "SWAP": 700_000_000_000_000_000,
}
_ORDER_SPAN = 100_000_000_000_000_000
_BILL_BASE = 800_000_000_000_000_000


def inst_id(spec: SymbolSpec, inst_type: InstType) -> str:
    """`BTC-USDT` (SPOT) or `BTC-USDT-SWAP` (SWAP) for a shared symbol spec."""
    pair = f"{spec.base}-{spec.quote}"
    return pair + SWAP_SUFFIX if inst_type == "SWAP" else pair


def inst_type_of(inst: str) -> InstType:
    """The instType an instId belongs to, by its shape."""
    return "SWAP" if inst.endswith(SWAP_SUFFIX) else "SPOT"


def unified_symbol(inst: str) -> str:
    """`BTC-USDT-SWAP` -> `BTC-USDT` (the library's BASE-QUOTE form); spot ids are that
    form already."""
    return inst.removesuffix(SWAP_SUFFIX)


def from_unified(symbol: str, inst_type: InstType) -> str:
    """`BTC-USDT` -> the instId of that pair in `inst_type`."""
    return symbol + SWAP_SUFFIX if inst_type == "SWAP" else symbol


def uly(inst: str) -> str:
    """`uly` / `instFamily` of a derivative: the pair without the `-SWAP`."""
    return unified_symbol(inst)


def order_id_text(inst_type: InstType, order_id: int) -> str:
    """The `ordId` OKX would show for engine order `order_id`."""
    if not 0 < order_id < _ORDER_SPAN:
        raise ValueError(f"engine order id out of range: {order_id}")
    return str(_ORDER_BASE[inst_type] + order_id)


def parse_order_id(inst_type: InstType, text: str) -> int | None:
    """The engine id behind an `ordId` of `inst_type`, or None when it is none."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text) - _ORDER_BASE[inst_type]
    return number if 0 < number < _ORDER_SPAN else None


def trade_id_text(trade_id: int) -> str:
    """`tradeId`: the engine's per-instrument trade number, as OKX numbers per instId."""
    return str(trade_id)


def bill_id_text(inst_type: InstType, trade_id: int, is_maker: bool) -> str:
    """A fill's `billId`: unique per account and fill (maker and taker of one trade
    differ, so an account trading with itself still sees two bills)."""
    engine_bit = 1 if inst_type == "SWAP" else 0
    return str(_BILL_BASE + (trade_id * 2 + (1 if is_maker else 0)) * 2 + engine_bit)
