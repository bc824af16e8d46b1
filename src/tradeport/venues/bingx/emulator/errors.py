"""BingX's answer envelope and the codes this emulator answers with (PROTOCOLS.md §5.3,
§5.7). Every answer is `{"code", "msg", "data"}`; a business error is HTTP 200 with a
non-zero code. The rate restriction answers HTTP 429; an unknown path HTTP 404.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradeport.emulator.host.rest import ApiError


def envelope(code: int | str, msg: str, data: object) -> dict[str, object]:
    return {"code": code, "msg": msg, "data": data}


class BingxApiError(ApiError):
    """A refusal, answered in the envelope with `data: {}`."""

    def __init__(
        self, code: int, msg: str, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{code} {msg}", status=status, headers=headers)
        self.code = code
        self.msg = msg

    def body(self) -> dict[str, object]:
        return envelope(self.code, self.msg, {})


def invalid(name: str, why: str = "is invalid") -> BingxApiError:
    """109400: a parameter missing, malformed or out of range; the message names it."""
    return BingxApiError(109400, f"{name} {why}")


def missing(name: str) -> BingxApiError:
    return invalid(name, "is required")


def bad_timestamp(timestamp: str, now_ms: int) -> BingxApiError:
    return BingxApiError(
        109400, f"timestamp is invalid, server time {now_ms}, request timestamp {timestamp!r}"
    )


def bad_key() -> BingxApiError:
    return BingxApiError(100413, "Incorrect apiKey")


def bad_sign() -> BingxApiError:
    return BingxApiError(100001, "Signature verification failed")


def throttled(headers: Mapping[str, str]) -> BingxApiError:
    """The restriction of a budget run out: HTTP 429 with 100410 (§5.6)."""
    return BingxApiError(
        100410, "Too many error requests in a short time, temporarily restricted",
        status=429, headers=headers,
    )  # fmt: skip


def not_found() -> BingxApiError:
    return BingxApiError(100400, "this api is not exist", status=404)


def unknown_symbol(symbol: str) -> BingxApiError:
    return BingxApiError(109425, f"{symbol} is not exist")


def order_not_found() -> BingxApiError:
    return BingxApiError(109421, "order not exist")
