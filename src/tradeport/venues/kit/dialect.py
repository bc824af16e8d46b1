"""What a venue tells the REST pipeline (kit/rest.py): how its requests are encoded and
signed, how its answers are unwrapped, which of its codes mean "refused for the rate"
or "timestamp refused", and how its lists are paged. Everything else about a call (the
endpoint table, the mainnet guard, the clock, rate limits, unknown outcomes) is the
pipeline's, the same for every venue.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from tradeport.config.schema import RateLimitRule
from tradeport.transport.http import Response

P_contra = TypeVar("P_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class Request:
    """What goes on the wire besides method and path: exactly what was signed."""

    query: str = ""
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VenueError:
    """A refusal in the venue's own words. `code` is None when the answer was not the
    venue's (a proxy's HTML page, an empty body): the HTTP status classifies it then."""

    code: int | str | None
    message: str


def foreign_answer(resp: Response) -> VenueError:
    """An answer that is not the venue's JSON (a proxy's HTML page, an empty body): its
    start is the message, the HTTP status classifies it."""
    return VenueError(None, resp.body[:200].decode(errors="replace"))


class RestDialect(Protocol):
    """One venue's REST conventions.

    `credentials`: what a signed request needs, by the name an error message gives it
    ("api_key", "secret", "passphrase"); every value but the API key is a secret,
    scrubbed from logs.
    `throttled`: codes of a request refused for its rate and provably not processed,
    so that sending it once more, after its window, is safe even for an order.
    `timestamp_refused`: codes of a request refused for its timestamp (not acted upon):
    the clock is resampled and the request sent once more.
    `unknown_on_5xx`: a 5xx answer to a mutation means its outcome is unknown whatever
    code it carries (the gateway failed after the request may have reached the
    engine); otherwise the code decides and only an unmapped 5xx is unknown.
    `ip_stop_status` / `ip_stop_s`: an HTTP status that means the IP budget is blown,
    and for how long every request to the host then stops (None: no such status).
    """

    @property
    def credentials(self) -> Mapping[str, str]: ...

    @property
    def throttled(self) -> Collection[str]: ...

    @property
    def timestamp_refused(self) -> Collection[str]: ...

    @property
    def unknown_on_5xx(self) -> bool: ...

    @property
    def ip_stop_status(self) -> int | None: ...

    @property
    def ip_stop_s(self) -> float: ...

    def encode(self, method: str, path: str, params: Mapping[str, Any]) -> Request:
        """An unsigned request."""
        ...

    def sign(self, method: str, path: str, params: Mapping[str, Any], timestamp_ms: int) -> Request:
        """A signed request, stamped with the venue time `timestamp_ms`."""
        ...

    def unwrap(self, resp: Response) -> bytes | VenueError:
        """The data of a successful answer, or the venue's refusal."""
        ...

    def server_time(self, data: bytes) -> int:
        """The venue clock (epoch ms) from the data of `get_server_time`."""
        ...

    def observe(self, resp: Response, now_ms: int) -> None:
        """Header feedback: every answer passes here (usage headers, for example)."""
        ...

    def throttle_window(self, resp: Response, retry_after: float | None, now_ms: int) -> float:
        """How long a throttled endpoint stays closed, given the answer and its
        Retry-After (None when absent), when the venue does not say otherwise."""
        ...

    def broken_budget(self, resp: Response, rules: Sequence[RateLimitRule]) -> list[str] | None:
        """Which limiter rules a 429/418 stops (None: every rule covering the endpoint)."""
        ...


class Cursor(Protocol[P_contra]):
    """How one paged list is walked: where the cursor goes in the parameters, and what
    a page adds and where the next one starts."""

    def place(self, params: Mapping[str, Any], token: str | None) -> dict[str, Any]:
        """The parameters of the page at `token` (None: the first page)."""
        ...

    def advance(self, page: P_contra) -> tuple[int, str | None]:
        """How many rows `page` adds, and the next page's token (None: it was the last)."""
        ...
