"""Venue replies become the right unified errors."""

from tradeport.model.errors import (
    IpBanned,
    RateLimitExceeded,
    UnknownOrderState,
    VenueSystemError,
)
from tradeport.transport.http import retry_after_seconds
from tradeport.venues.errormap import ErrorMapper

MAPPER = ErrorMapper("X", {"-1003": "rate_limit_exceeded"})


def test_a_418_is_a_ban_whatever_code_the_body_repeats() -> None:
    err = MAPPER.error(-1003, "Way too much request weight used; IP banned", status=418)
    assert isinstance(err, IpBanned) and err.code == -1003
    assert isinstance(MAPPER.error(-1003, "Too much request weight", status=429), RateLimitExceeded)


def test_408_and_5xx_mean_unknown_outcome_for_mutations_only() -> None:
    assert isinstance(MAPPER.error(None, "", status=408, mutation=True), UnknownOrderState)
    assert isinstance(MAPPER.error(None, "", status=503, mutation=True), UnknownOrderState)
    plain = MAPPER.error(None, "", status=503, mutation=False)
    assert isinstance(plain, VenueSystemError) and not isinstance(plain, UnknownOrderState)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    future = retry_after_seconds({"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert future is not None and future > 86400
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None
