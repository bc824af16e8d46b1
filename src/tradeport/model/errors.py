"""The unified error taxonomy (DESIGN.md principle 8).

Every venue error is raised as one of these classes, keeping the venue's raw code and
message. Venue codes map to the snake_case `kind` names below in each venue.yaml.
"""

from __future__ import annotations


class TradeportError(Exception):
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        venue: str | None = None,
        code: int | str | None = None,
        raw_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.venue = venue
        self.code = code
        self.raw_message = raw_message

    def __str__(self) -> str:
        where = f"[{self.venue}] " if self.venue else ""
        raw = f" (venue code {self.code}: {self.raw_message})" if self.code is not None else ""
        return f"{where}{self.message}{raw}"


# -- network ---------------------------------------------------------------------------
class NetworkError(TradeportError):
    kind = "network"


class RequestTimeout(NetworkError):
    kind = "timeout"


class Disconnected(NetworkError):
    kind = "disconnected"


class MalformedMessage(NetworkError):
    """The venue sent bytes that do not parse as the message they claim to be: the
    message names the stream or event and what was wrong. Nothing is half-applied."""

    kind = "malformed_message"


# -- streams ---------------------------------------------------------------------------
class StreamError(TradeportError):
    kind = "stream"


class SubscriptionError(StreamError):
    """The venue refused a subscription (unknown stream, over a cap, bad parameters)."""

    kind = "subscription_refused"

    def __init__(
        self,
        message: str,
        *,
        topics: list[str] | None = None,
        venue: str | None = None,
        code: int | str | None = None,
        raw_message: str | None = None,
    ) -> None:
        super().__init__(message, venue=venue, code=code, raw_message=raw_message)
        self.topics = topics or []


class SlowConsumer(StreamError):
    """A consumer fell so far behind that its bounded queue overflowed: events were
    lost for it (never silently: this is raised where it reads next)."""

    kind = "slow_consumer"


class NotReady(StreamError):
    """An order was not sent because a subsystem it depends on (the user stream, order
    or position tracking, the instruments) is not up; `down` names them."""

    kind = "not_ready"

    def __init__(self, message: str, *, down: list[str] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.down = down or []


# -- auth ------------------------------------------------------------------------------
class AuthError(TradeportError):
    kind = "auth"


class InvalidApiKey(AuthError):
    kind = "invalid_key"


class InvalidSignature(AuthError):
    kind = "invalid_signature"


class InvalidTimestamp(AuthError):
    kind = "invalid_timestamp"


class PermissionDenied(AuthError):
    kind = "permission"


# -- rate limits -----------------------------------------------------------------------
class RateLimitError(TradeportError):
    kind = "rate_limit"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RateLimitExceeded(RateLimitError):
    kind = "rate_limit_exceeded"


class IpBanned(RateLimitError):
    kind = "ip_banned"


# -- business --------------------------------------------------------------------------
class BusinessError(TradeportError):
    kind = "business"


class OrderRejected(BusinessError):
    kind = "order_rejected"


class InsufficientBalance(OrderRejected):
    kind = "insufficient_balance"


class InsufficientMargin(OrderRejected):
    kind = "insufficient_margin"


class DuplicateClientOrderId(OrderRejected):
    kind = "duplicate_client_order_id"


class MinNotional(OrderRejected):
    kind = "min_notional"


class InvalidQuantity(OrderRejected):
    """Quantity breaks the lot rules: step size, min or max quantity."""

    kind = "lot_size"


class InvalidPrice(OrderRejected):
    """Price breaks the tick or price-band rules."""

    kind = "tick_size"


class ReduceOnlyRejected(OrderRejected):
    kind = "reduce_only"


class PostOnlyRejected(OrderRejected):
    kind = "post_only"


class OrderNotFound(BusinessError):
    """The venue does not know the order, or it is already closed (filled/cancelled)."""

    kind = "order_not_found"


class OrderFilled(OrderNotFound):
    """A cancel came too late: the order had filled. `order` is it as the venue shows
    it (a `model.Order`); an OrderNotFound, as the venue's own refusal of such a cancel."""

    kind = "order_filled"

    def __init__(self, message: str, *, order: object = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.order = order


# -- system ----------------------------------------------------------------------------
class VenueSystemError(TradeportError):
    kind = "system"


class Maintenance(VenueSystemError):
    kind = "maintenance"


class Overloaded(VenueSystemError):
    kind = "overloaded"


class UnknownOrderState(VenueSystemError):
    """The venue may or may not have executed the request (timeout, 5xx): reconcile."""

    kind = "unknown_state"


# -- capability / validation / config --------------------------------------------------
class NotSupported(TradeportError):
    kind = "not_supported"


class ValidationError(TradeportError):
    kind = "validation"


class BadParameter(ValidationError):
    kind = "bad_parameter"


class UnknownSymbol(ValidationError):
    kind = "unknown_symbol"


class ConfigError(TradeportError):
    """A venue.yaml (or user config) is invalid: names the file, the field and why."""

    kind = "config"

    def __init__(self, file: str, field: str, reason: str) -> None:
        super().__init__(f"{file}: {field}: {reason}")
        self.file = file
        self.field = field
        self.reason = reason


class JournalError(TradeportError):
    """An execution journal cannot be used: the path is not a journal, cannot be
    written, or was written by a newer tradeport. Names the path and why."""

    kind = "journal"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"journal {path}: {reason}")
        self.path = path
        self.reason = reason


def _all_subclasses(cls: type[TradeportError]) -> list[type[TradeportError]]:
    out: list[type[TradeportError]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


_ALL: list[type[TradeportError]] = [TradeportError, *_all_subclasses(TradeportError)]
ERROR_KINDS: dict[str, type[TradeportError]] = {c.kind: c for c in _ALL}


def error_class(kind: str) -> type[TradeportError]:
    """The class for a taxonomy name used in venue.yaml error maps."""
    try:
        return ERROR_KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown error kind {kind!r}; known: {sorted(ERROR_KINDS)}") from None
