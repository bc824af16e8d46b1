"""OKX's answer envelope and its errors (PROTOCOLS.md §0.7, §3.3, §3.7; the docs' error
code tables give each code's HTTP status).

Every answer is `{"code": "0", "msg": "", "data": [...]}` with `code` a string. Trade
endpoints add `inTime` / `outTime` (µs) and report each order's outcome in its data item
(`sCode`, `sMsg`): one failed order is top-level `code "1"`, a batch with some failures
`code "2"`, HTTP 200 either way. The gateway's refusals (authentication 401, bad
parameters 400, rate limit 429, unknown path 404) carry the code at the top level.
"""

from __future__ import annotations

from tradeport.emulator.host.rest import ApiError

ALL_FAILED = "All operations failed"
PARTIAL = "Bulk operation partially succeeded"


def envelope(code: str, msg: str, data: object) -> dict[str, object]:
    return {"code": code, "msg": msg, "data": data}


class OkxApiError(ApiError):
    """A refusal answered at the top level of the envelope, `data: []`."""

    def __init__(self, code: str, msg: str, *, status: int = 200) -> None:
        super().__init__(f"{code} {msg}", status=status)
        self.code = code
        self.msg = msg

    def body(self) -> dict[str, object]:
        return envelope(self.code, self.msg, [])


class ItemError(Exception):
    """One order's failure, written into its data item as `sCode` / `sMsg`."""

    def __init__(self, s_code: str, s_msg: str) -> None:
        super().__init__(f"{s_code} {s_msg}")
        self.s_code = s_code
        self.s_msg = s_msg


# -- the codes this emulator answers with, by what went wrong --------------------------
def missing(name: str) -> OkxApiError:
    return OkxApiError("50014", f"Parameter {name} can not be empty.", status=400)


def invalid(name: str) -> OkxApiError:
    return OkxApiError("51000", f"Parameter {name} error", status=400)


def either(first: str, second: str) -> OkxApiError:
    return OkxApiError("50015", f"Either parameter {first} or {second} is required", status=400)


def unauthorized(code: str, msg: str) -> OkxApiError:
    return OkxApiError(code, msg, status=401)


def rate_limited() -> OkxApiError:
    return OkxApiError(
        "50011",
        "Rate limit reached. Please refer to API documentation and throttle requests accordingly.",
        status=429,
    )


def unknown_path() -> OkxApiError:
    # OKX's gateway answers an unknown path with HTTP 404 and no v5 error code
    return OkxApiError("404", "Not Found", status=404)


def body_required() -> OkxApiError:
    return OkxApiError("50000", "Body for POST request cannot be empty.", status=400)


def bad_json() -> OkxApiError:
    return OkxApiError("50002", "JSON syntax error", status=400)


def no_instrument() -> OkxApiError:
    return OkxApiError("51001", "Instrument ID or Spread ID doesn't exist.")
