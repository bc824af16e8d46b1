"""Readers of the text fields Bybit and OKX send for numbers, times and sides: a
field that does not read raises MalformedMessage naming it."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from tradeport.model import Side
from tradeport.model.errors import MalformedMessage


def dec(value: str, field: str) -> Decimal:
    """A money field sent as decimal text, where "" means zero (nothing filled, no fee
    yet). "NaN" and "inf" read as decimals but are no amount: they are malformed."""
    if value == "":
        return Decimal(0)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise MalformedMessage(f"{field}: {value!r} is not a decimal number") from None
    if not number.is_finite():
        raise MalformedMessage(f"{field}: {value!r} is not a finite number")
    return number


def dec_at_least_zero(value: str, field: str) -> Decimal:
    """A size, quantity or price that cannot be negative ("" is zero)."""
    number = dec(value, field)
    if number < 0:
        raise MalformedMessage(f"{field}: {value!r} is negative")
    return number


def dec_or_none(value: str, field: str) -> Decimal | None:
    """A price that may be absent: "" and zero both mean none (no average price yet,
    no liquidation price)."""
    number = dec(value, field)
    return number if number else None


def ms(value: str, field: str) -> int:
    """A millisecond timestamp sent as text; "" means unknown (0)."""
    if value == "":
        return 0
    try:
        return int(value)
    except ValueError:
        raise MalformedMessage(f"{field}: {value!r} is not a timestamp") from None


def side_of(sides: Mapping[str, Side], value: str, field: str) -> Side:
    """`value` read through the venue's table of side names."""
    side = sides.get(value)
    if side is None:
        raise MalformedMessage(f"{field}: unknown side {value!r}")
    return side


def month_close_ms(open_ms: int) -> int:
    """The last millisecond of a monthly bar opened at `open_ms` (UTC): months are not
    of one length, so the close is read off the calendar."""
    start = datetime.fromtimestamp(open_ms / 1000, UTC)
    days = calendar.monthrange(start.year, start.month)[1]
    return open_ms + days * 86_400_000 - 1
