"""Venue error code → unified error, driven by the venue.yaml `error_map`."""

from __future__ import annotations

from collections.abc import Mapping

from tradeport.config.schema import ErrorRule
from tradeport.model.errors import (
    AuthError,
    BadParameter,
    IpBanned,
    RateLimitError,
    RateLimitExceeded,
    TradeportError,
    UnknownOrderState,
    VenueSystemError,
    error_class,
)
from tradeport.transport.redact import redact


class ErrorMapper:
    def __init__(self, venue: str, error_map: Mapping[str, str | ErrorRule]) -> None:
        self.venue = venue
        self._map = dict(error_map)

    def kind_for(self, code: int | str, message: str) -> str | None:
        rule = self._map.get(str(code))
        if rule is None or isinstance(rule, str):
            return rule
        for fragment, kind in rule.messages.items():
            if fragment.lower() in message.lower():
                return kind
        return rule.default

    def error(
        self,
        code: int | str | None,
        message: str,
        *,
        status: int = 200,
        retry_after: float | None = None,
        mutation: bool = False,
    ) -> TradeportError:
        """The typed error for a venue reply. `mutation`: the request changes state, so a
        5xx means its outcome is unknown rather than failed (DESIGN.md principle 4)."""
        # a venue's text may echo what was sent (a signed parameter, a listen key)
        message = redact(message)
        kind = self.kind_for(code, message) if code is not None else None
        cls: type[TradeportError]
        if status == 418:  # a ban, whatever code the body repeats (-1003)
            cls = IpBanned
        elif kind is not None:
            cls = error_class(kind)
        elif status == 429:
            cls = RateLimitExceeded
        elif status in (401, 403):
            cls = AuthError
        elif status >= 500 or status == 408:  # 408: the backend timed out (§2.6)
            cls = UnknownOrderState if mutation else VenueSystemError
        elif status == 404:
            cls = BadParameter
        else:
            cls = TradeportError
        text = message or f"HTTP {status}"
        if issubclass(cls, RateLimitError):
            return cls(
                text, retry_after=retry_after, venue=self.venue, code=code, raw_message=message
            )
        return cls(text, venue=self.venue, code=code, raw_message=message)
