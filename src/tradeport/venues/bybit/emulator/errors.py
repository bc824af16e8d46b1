"""Bybit's answer envelope and its errors (PROTOCOLS.md §0.7, §4.7; error.mdx).

Every answer is `{"retCode", "retMsg", "result", "retExtInfo", "time"}`; a business
error is HTTP 200 with a non-zero `retCode` and `result: {}`. Only the gateway's own
refusals (unknown route, IP limit) use another HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tradeport.emulator.host.rest import ApiError

Result = object


def envelope(
    ret_code: int | str,
    ret_msg: str,
    result: Result,
    now_ms: int,
    ext_info: dict[str, object] | None = None,
) -> dict[str, object]:
    return {
        "retCode": ret_code,
        "retMsg": ret_msg,
        "result": result,
        "retExtInfo": {} if ext_info is None else ext_info,
        "time": now_ms,
    }


@dataclass(frozen=True)
class WithExtInfo:
    """A result whose envelope also fills `retExtInfo` (a batch's per-item outcomes)."""

    result: Result
    ext_info: dict[str, object]


class BybitApiError(ApiError):
    """A refusal, answered in the envelope with `result: {}`."""

    def __init__(
        self,
        ret_code: int,
        ret_msg: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{ret_code} {ret_msg}", status=status, headers=headers)
        self.ret_code = ret_code
        self.ret_msg = ret_msg

    def body(self, now_ms: int) -> dict[str, object]:
        return envelope(self.ret_code, self.ret_msg, {}, now_ms)


# -- the codes this emulator answers with, by what went wrong --------------------------
def bad_param(message: str) -> BybitApiError:
    """10001: a parameter is missing, malformed or out of range; `message` names it."""
    return BybitApiError(10001, message)


def missing(name: str) -> BybitApiError:
    return bad_param(f"Missing some parameters that must filled in, {name}")


def invalid(name: str, why: str = "invalid") -> BybitApiError:
    return bad_param(f"params error: {name} {why}")


def bad_timestamp(req_ts: str, server_ms: int, recv_window: str) -> BybitApiError:
    return BybitApiError(
        10002,
        "invalid request, please check your server timestamp or recv_window param. "
        f"req_timestamp[{req_ts}],server_timestamp[{server_ms}],recv_window[{recv_window}]",
    )


def bad_key() -> BybitApiError:
    # an unknown key is refused with HTTP 401 (PROTOCOLS.md §4.7 "401 invalid key")
    return BybitApiError(10003, "API key is invalid.", status=401)


def bad_sign() -> BybitApiError:
    # Bybit appends the string it signed ("error sign! origin_string[...]"); it holds
    # the API key, so the emulator leaves it out.
    return BybitApiError(10004, "error sign!")


def too_many_visits(headers: Mapping[str, str]) -> BybitApiError:
    return BybitApiError(10006, "Too many visits!", headers=headers)


def ip_limited() -> BybitApiError:
    """HTTP 403 "access too frequent" (rate-limit.mdx); 10018 is error.mdx's code for
    "Exceeded the IP Rate Limit"."""
    return BybitApiError(10018, "access too frequent", status=403)


def route_not_found() -> BybitApiError:
    return BybitApiError(10017, "Route not found", status=404)


def order_not_found(category: str) -> BybitApiError:
    if category == "spot":
        return BybitApiError(170213, "Order does not exist.")
    return BybitApiError(110001, "order not exists or too late to cancel")


def symbol_invalid(symbol: str) -> BybitApiError:
    return BybitApiError(10001, f"params error: symbol invalid: {symbol!r}")


def unknown_symbol(category: str, symbol: str) -> BybitApiError:
    """An order for a symbol the category does not list: spot has its own code."""
    if category == "spot":
        return BybitApiError(170121, "Invalid symbol.")
    return symbol_invalid(symbol)


def illegal_category(category: str) -> BybitApiError:
    return bad_param(f"Illegal category: {category!r}")
