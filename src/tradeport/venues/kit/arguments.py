"""Checks of what a caller passes to the unified methods and to a client's options,
made before anything is sent: each failure is a BadParameter naming the argument, and
nothing reaches the venue."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar

from tradeport.model.errors import BadParameter

E = TypeVar("E", bound=Enum)


def amount(name: str, value: object) -> Decimal:
    """A positive, finite quantity or price: a Decimal, int, float or numeric string
    (a float through its shortest repr, 0.1 → 0.1). A bool is not a number here."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise BadParameter(f"{name} {value!r}: expected a number, e.g. Decimal('0.01')")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise BadParameter(f"{name} {value!r}: not a number") from None
    return positive_amount(name, number)


def positive_amount(name: str, number: object) -> Decimal:
    """A Decimal that is finite and above zero (a typed request's quantity or price)."""
    if not isinstance(number, Decimal):
        raise BadParameter(f"{name} {number!r}: expected a Decimal")
    if not number.is_finite():
        raise BadParameter(f"{name} {number}: must be a finite number")
    if number <= 0:
        raise BadParameter(f"{name} {number}: must be greater than zero")
    return number


def choice(name: str, value: object, kind: type[E]) -> E:
    """One of an enum's values, case-insensitive ("GTC" or "gtc")."""
    options = [m.value for m in kind]
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and value.lower() in options:
        return kind(value.lower())
    raise BadParameter(f"{name} {value!r}: expected one of {options}")


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise BadParameter(f"{name} {value!r}: expected True or False")
    return value


def count(name: str, value: object) -> int:
    """A positive whole number (a limit, a leverage)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadParameter(f"{name} {value!r}: expected a whole number")
    if value < 1:
        raise BadParameter(f"{name} {value}: must be at least 1")
    return value


def text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise BadParameter(f"{name} {value!r}: expected a non-empty string")
    return value


def client_order_id(value: object, pattern: re.Pattern[str] | None, rule: str, venue: str) -> str:
    """A client order id the venue can hold: `pattern` (matched in full) is its rule,
    `rule` says it in words."""
    cid = text("client_order_id", value)
    if pattern is not None and pattern.fullmatch(cid) is None:
        raise BadParameter(f"client_order_id {cid!r}: {venue} takes {rule}")
    return cid


def seconds(name: str, value: object) -> float:
    """A finite, positive duration."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadParameter(f"{name} {value!r}: expected seconds as a number")
    if not math.isfinite(value) or value <= 0:
        raise BadParameter(f"{name} {value!r}: must be a finite number of seconds above zero")
    return float(value)


def recv_window(value: object, maximum: int | None, venue: str) -> int:
    """A signed request's validity window in ms: 1 up to the venue's maximum."""
    window = count("recv_window_ms", value)
    if maximum is not None and window > maximum:
        raise BadParameter(f"recv_window_ms {window}: {venue} allows at most {maximum}")
    return window
