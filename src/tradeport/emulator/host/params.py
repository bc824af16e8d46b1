"""Request parameters and their typed getters, raising the venue's own errors.

A venue's `Params` subclasses `TypedParams` and says how it refuses a parameter
(`missing`, `invalid`); the getters here decide when. Values may be query text or
decoded JSON (numbers as Decimal, so nothing is rounded on the way in).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from urllib.parse import unquote_plus

DECIMAL = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,20})?$")
INTEGER = re.compile(r"^-?[0-9]{1,19}$")
Value = str | int | Decimal | bool


def split_pairs(raw: str) -> list[tuple[str, str]]:
    """`a=1&b=%20x` -> [("a", "1"), ("b", " x")]; empty segments are skipped."""
    pairs = []
    for segment in raw.split("&"):
        if segment:
            name, _, value = segment.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def split_query(raw: str) -> dict[str, str]:
    """`a=1&b=%20x` -> {"a": "1", "b": " x"}; a repeated name keeps its last value."""
    return dict(split_pairs(raw))


class TypedParams(ABC):
    """The parameters of one request, read through typed getters."""

    # the texts a boolean takes (a JSON true / false reads as "true" / "false")
    TRUE: ClassVar[tuple[str, ...]] = ("true",)
    FALSE: ClassVar[tuple[str, ...]] = ("false",)

    def __init__(self, values: dict[str, Value]) -> None:
        self._values = values

    @abstractmethod
    def missing(self, name: str) -> Exception:
        """The venue's error for a required parameter that was not sent."""

    @abstractmethod
    def invalid(self, name: str, why: str = "invalid") -> Exception:
        """The venue's error for a malformed parameter; `why` says what was wrong."""

    def has(self, name: str) -> bool:
        return self.text(name) is not None

    def text(self, name: str) -> str | None:
        """The value as text, or None when absent or empty."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return f"{value:f}"
        return str(value)

    def require(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise self.missing(name)
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name)
        if value is None:
            if default is None:
                raise self.missing(name)
            return default
        if value not in options:
            raise self.invalid(name, f"must be one of {', '.join(options)}, not {value!r}")
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.require(name) if required else self.text(name)
        if value is None:
            return None
        if not DECIMAL.match(value):
            raise self.invalid(name, f"must be a non-negative decimal number, not {value!r}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise self.invalid(name) from None

    def integer(
        self,
        name: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        text = self._integer_text(name)
        if text is None:
            return default
        return self._bounded(name, text, low, high)

    def _integer_text(self, name: str) -> str | None:
        """An integer's text, None when absent; a venue taking JSON numbers checks
        them here."""
        return self.text(name)

    def boolean(self, name: str, default: bool = False) -> bool:
        text = self.text(name)
        if text is None:
            return default
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise self.invalid(name, f"must be true or false, not {text!r}")

    def _bounded(self, name: str, text: str, low: int | None, high: int | None) -> int:
        if not INTEGER.match(text):
            raise self.invalid(name, f"must be an integer, not {text!r}")
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.invalid(name, f"must be from {low} to {high}, not {number}")
        return number
