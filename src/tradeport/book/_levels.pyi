from collections.abc import Callable, Iterable
from typing import Literal

from msgspec import Raw

def apply_side(
    rows: Iterable[tuple[float, float]],
    levels: dict[float, float],
    prices: list[float],
    negate: bool,
    side: str,
    bad_level: Callable[[str, float, float], Exception],
    cache: list[tuple[float, float]] | None,
) -> None: ...
def top(
    levels: dict[float, float], prices: list[float], n: int | None, negate: bool
) -> list[tuple[float, float]]: ...
def apply_json(
    bids_text: bytes | bytearray | memoryview | Raw,
    asks_text: bytes | bytearray | memoryview | Raw,
    bids: dict[float, float],
    bid_prices: list[float],
    bid_cache: list[tuple[float, float]] | None,
    asks: dict[float, float],
    ask_prices: list[float],
    ask_cache: list[tuple[float, float]] | None,
    bad_level: Callable[[str, float, float], Exception],
) -> Literal[True] | None: ...
