from collections.abc import Callable, Iterable
from typing import Any

Sizes = Callable[[str], float] | str

def apply_side(
    rows: Iterable[Any],
    keys: dict[str, list[Any]],
    levels: list[list[Any]],
    negate: bool,
    size: Sizes,
    side: str,
    bad_level: Callable[[str, float, float], Exception],
) -> None: ...
def apply_json(
    bids_text: Any,
    asks_text: Any,
    bid_keys: dict[str, list[Any]],
    bid_levels: list[list[Any]],
    ask_keys: dict[str, list[Any]],
    ask_levels: list[list[Any]],
    size: Sizes,
    bad_level: Callable[[str, float, float], Exception],
) -> bool | None: ...
def top(levels: list[list[Any]], n: int | None, size: Sizes) -> list[tuple[float, float]]: ...
def checksum(bid_levels: list[list[Any]], ask_levels: list[list[Any]], depth: int) -> int: ...
def crc32(data: bytes) -> int: ...
