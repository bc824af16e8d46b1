"""Prices and sizes of public market data that are real numbers.

"NaN", "inf" and "-1" all read as floats, and a NaN price compares false with
everything, so a reader must refuse them: a trade at NaN, a ticker at infinity or a
negative volume is a malformed message, not an event. Fields decoded by msgspec take
the constraint in their type (`Positive`, `NotNegative`, `Finite`: checked while
decoding, in C); numbers read from text or converted afterwards go through the
functions. Order books are checked by the book engine (book/levels.py).
"""

from __future__ import annotations

import sys
from typing import Annotated

import msgspec

from tradeport.model.errors import MalformedMessage

LARGEST = sys.float_info.max  # msgspec bounds must be finite: this one keeps out inf

Positive = Annotated[float, msgspec.Meta(gt=0.0, le=LARGEST)]  # a trade's price or size
NotNegative = Annotated[float, msgspec.Meta(ge=0.0, le=LARGEST)]  # a volume, a quantity
Finite = Annotated[float, msgspec.Meta(ge=-LARGEST, le=LARGEST)]  # anything else


def positive(value: float, field: str) -> float:
    """`value` if finite and above zero (comparisons with NaN are false)."""
    if not 0.0 < value <= LARGEST:
        raise MalformedMessage(f"{field}: {value!r} is not a positive number")
    return value


def not_negative(value: float, field: str) -> float:
    if not 0.0 <= value <= LARGEST:
        raise MalformedMessage(f"{field}: {value!r} is not a number at least zero")
    return value


def finite(value: float, field: str) -> float:
    if not -LARGEST <= value <= LARGEST:
        raise MalformedMessage(f"{field}: {value!r} is not a finite number")
    return value


def finite_text(text: str, field: str) -> float:
    """A number sent as text: MalformedMessage naming `field` unless it reads as a
    finite float."""
    try:
        value = float(text)
    except ValueError:
        raise MalformedMessage(f"{field}: {text!r} is not a number") from None
    return finite(value, field)
