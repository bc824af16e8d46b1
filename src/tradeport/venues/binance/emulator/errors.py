"""Binance error answers: `{"code": <int>, "msg": "..."}` with an HTTP status.

Codes and message texts: PROTOCOLS.md §1.7 (spot) and §2.7 (USDⓈ-M), completed with the
texts Binance is known to send (as recorded in ccxt 4.5.90's error table comments).
"""

from __future__ import annotations

from collections.abc import Mapping

from tradeport.emulator.host.rest import ApiError

DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
CLIENT_ID_RANGE = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"


class BinanceApiError(ApiError):
    """An error answer. `headers` are added to the response (e.g. Retry-After)."""

    def __init__(
        self, code: int, msg: str, status: int = 400, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{code}: {msg}", status=status, headers=headers)
        self.code = code
        self.msg = msg

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


def mandatory(name: str) -> BinanceApiError:
    return BinanceApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def illegal(name: str, legal_range: str = DECIMAL_RANGE) -> BinanceApiError:
    return BinanceApiError(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal_range}'."
    )


def not_required(name: str) -> BinanceApiError:
    return BinanceApiError(-1106, f"Parameter '{name}' sent when not required.")


def invalid_symbol() -> BinanceApiError:
    return BinanceApiError(-1121, "Invalid symbol.")


def filter_failure(name: str) -> BinanceApiError:
    """Spot filter rejects all share -1013 and name the filter (§1.7)."""
    return BinanceApiError(-1013, f"Filter failure: {name}")


# Fixed answers. Functions, not shared instances: an exception object raised twice would
# carry the first raise's traceback into the second.
def bad_precision() -> BinanceApiError:
    return BinanceApiError(-1111, "Precision is over the maximum defined for this asset.")


def unknown_order() -> BinanceApiError:
    return BinanceApiError(-2011, "Unknown order sent.")


def no_such_order() -> BinanceApiError:
    return BinanceApiError(-2013, "Order does not exist.")


def bad_signature() -> BinanceApiError:
    return BinanceApiError(-1022, "Signature for this request is not valid.")


def timestamp_ahead() -> BinanceApiError:
    return BinanceApiError(
        -1021, "Timestamp for this request was 1000ms ahead of the server's time."
    )


def timestamp_outside() -> BinanceApiError:
    return BinanceApiError(-1021, "Timestamp for this request is outside of the recvWindow.")


def key_format() -> BinanceApiError:
    return BinanceApiError(-2014, "API-key format invalid.", status=401)


def key_invalid() -> BinanceApiError:
    return BinanceApiError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)


def invalid_side() -> BinanceApiError:
    return BinanceApiError(-1117, "Invalid side.")


def invalid_order_type() -> BinanceApiError:
    return BinanceApiError(-1116, "Invalid orderType.")


def invalid_response_type() -> BinanceApiError:
    return BinanceApiError(-1136, "Invalid newOrderRespType.")


def invalid_time_in_force() -> BinanceApiError:
    return BinanceApiError(-1115, "Invalid timeInForce.")


def bad_combination() -> BinanceApiError:
    return BinanceApiError(-1128, "Combination of optional parameters invalid.")


def start_after_end() -> BinanceApiError:
    return BinanceApiError(-1023, "Start time is greater than end time.")


def invalid_json() -> BinanceApiError:
    return BinanceApiError(-1135, "Invalid JSON Request")
