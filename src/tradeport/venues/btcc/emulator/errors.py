"""The BTCC emulator's answer envelope and codes (PROTOCOLS.md §6.3) [?]. Every answer is
`{"code": 0, "msg": ..., <results>}` with HTTP 200. The sources name no codes, only
messages such as "API KEY NOT TRADE AUTH": the numbers are this emulator's own."""

from __future__ import annotations

from tradeport.emulator.host.rest import ApiError

OK = 0
PARAM_ERROR = 1001
SIGN_ERROR = 1002
TOKEN_INVALID = 1003
KEY_INVALID = 1004
LOGIN_FAILED = 1005
NOT_TRADE_AUTH = 1006
SYMBOL_NOT_EXIST = 2001
NOT_ENOUGH_MARGIN = 2002
POSITION_NOT_EXIST = 2003
PENDING_NOT_EXIST = 2004
VOLUME_ERROR = 2005
PRICE_ERROR = 2006
REFID_EXISTS = 2007
NO_LIQUIDITY = 2009
# a product not open for trading (close-only: opening refused; pre-launch, delisted) [?]:
# BTCC publishes no product status, so this is the emulator's own answer
SYMBOL_NOT_TRADING = 2010


def envelope(code: int, msg: str, **results: object) -> dict[str, object]:
    return {"code": code, "msg": msg, **results}


class BtccApiError(ApiError):
    def __init__(self, code: int, msg: str, *, status: int = 200) -> None:
        super().__init__(f"{code} {msg}", status=status)
        self.code = code
        self.msg = msg

    def body(self) -> dict[str, object]:
        return envelope(self.code, self.msg)


def invalid(name: str, why: str = "is invalid") -> BtccApiError:
    return BtccApiError(PARAM_ERROR, f"PARAM ERROR: {name} {why}")


def missing(name: str) -> BtccApiError:
    return invalid(name, "is required")


def not_found() -> BtccApiError:
    return BtccApiError(PARAM_ERROR, "PARAM ERROR: no such api", status=404)


def bad_sign() -> BtccApiError:
    return BtccApiError(SIGN_ERROR, "SIGN ERROR")


def token_invalid() -> BtccApiError:
    return BtccApiError(TOKEN_INVALID, "TOKEN INVALID OR EXPIRED")


def bad_key() -> BtccApiError:
    return BtccApiError(KEY_INVALID, "API KEY INVALID")


def login_failed() -> BtccApiError:
    return BtccApiError(LOGIN_FAILED, "USER NAME OR PASSWORD ERROR")


def not_trade_auth() -> BtccApiError:
    """The one message the sources quote (§6.3): a key without trading rights."""
    return BtccApiError(NOT_TRADE_AUTH, "API KEY NOT TRADE AUTH")


def unknown_symbol(name: str) -> BtccApiError:
    return BtccApiError(SYMBOL_NOT_EXIST, f"SYMBOL NOT EXIST: {name}")


def position_not_found(position_id: int) -> BtccApiError:
    return BtccApiError(POSITION_NOT_EXIST, f"POSITION NOT EXIST: {position_id}")


def pending_not_found(pending_id: int) -> BtccApiError:
    return BtccApiError(PENDING_NOT_EXIST, f"PENDING NOT EXIST: {pending_id}")
