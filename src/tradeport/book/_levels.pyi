from collections.abc import Callable, Iterable

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
