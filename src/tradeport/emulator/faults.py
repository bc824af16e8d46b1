"""REST fault injection for the venue emulators (DESIGN.md principle 9).

A `FaultPlan` holds faults armed by tests (or an emulator's admin endpoint). A venue
skin asks it once per request, `take(method, path)`, and applies what it gets back in
the venue's own envelope: the plan knows nothing of a venue's paths or error bodies.

The kinds mirror what a real venue does to a client:

- `Latency`: the answer comes late; the request is processed normally.
- `ErrorBefore`: an error answer and nothing processed (a 503 from a busy gateway, a
  429/418 with `Retry-After`).
- `ErrorAfter`: the request is processed (an order IS placed), then a 5xx replaces the
  answer. Binance documents this case: HTTP 503 "Unknown error, please check your
  request or try again later." means the execution status is unknown.
- `DropAfter`: processed, then the connection closes without an answer.
- `TimeoutAfter`: processed, then the answer is held for `seconds`; a client with a
  shorter timeout gives up while the order exists.
- `GarbledAfter`: processed, then an HTTP 200 whose body cannot be read: a proxy's HTML
  page (`body="html"`) or the venue's answer cut short (`body="truncated"`).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec

Seconds = Annotated[float, msgspec.Meta(ge=0)]
HttpStatus = Annotated[int, msgspec.Meta(ge=400, le=599)]
Times = Annotated[int, msgspec.Meta(ge=1)]

ANY = "*"
_MATCH = re.compile(r"^[A-Z]+ /\S*$")


class Latency(msgspec.Struct, frozen=True, tag="latency", tag_field="kind"):
    seconds: Seconds


class ErrorBefore(msgspec.Struct, frozen=True, tag="error_before", tag_field="kind"):
    status: HttpStatus
    code: int | str
    msg: str
    # sent as the Retry-After header (whole seconds) when set, as venues do with 429/418
    retry_after: Seconds | None = None


class ErrorAfter(msgspec.Struct, frozen=True, tag="error_after", tag_field="kind"):
    status: HttpStatus
    code: int | str
    msg: str


class DropAfter(msgspec.Struct, frozen=True, tag="drop_after", tag_field="kind"):
    """Has no parameters: the connection closes once the request is processed."""


class TimeoutAfter(msgspec.Struct, frozen=True, tag="timeout_after", tag_field="kind"):
    seconds: Seconds


class GarbledAfter(msgspec.Struct, frozen=True, tag="garbled_after", tag_field="kind"):
    body: Literal["html", "truncated"] = "truncated"


Fault = Latency | ErrorBefore | ErrorAfter | DropAfter | TimeoutAfter | GarbledAfter


class FaultSpec(msgspec.Struct, frozen=True):
    """The admin endpoint's arming request, minus the fault's own fields."""

    match: str
    times: Times | None = 1


@dataclass(frozen=True, slots=True)
class Firing:
    """One request a fault was applied to: `request` is "METHOD /path"."""

    request: str
    fault: Fault


@dataclass(slots=True)
class ArmedFault:
    match: str
    fault: Fault
    remaining: int | None  # None: fires until the plan is cleared


class FaultPlan:
    """Armed faults in arming order; the first one matching a request fires.

    `fired` records every firing and `seen` counts every request the skin asked about,
    by "METHOD /path", so a test can tell that an order POST reached the venue once.
    Neither is reset by `clear()`.
    """

    def __init__(self) -> None:
        self._armed: list[ArmedFault] = []
        self.fired: list[Firing] = []
        self.seen: Counter[str] = Counter()
        self._release = asyncio.Event()

    @property
    def armed(self) -> list[ArmedFault]:
        return list(self._armed)

    def arm(self, match: str, fault: Fault, times: int | None = 1) -> None:
        """Fire `fault` on the next `times` requests matching `match` ("POST /api/v3/order",
        or "*" for every request); `times=None` keeps it until `clear()`."""
        if match != ANY and not _MATCH.match(match):
            raise ValueError(f'match must be "*" or "METHOD /path", not {match!r}')
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None), not {times}")
        self._armed.append(ArmedFault(match, fault, times))

    def clear(self) -> None:
        """Disarm every fault and answer the requests a fault is still holding."""
        self._armed.clear()
        self._release.set()
        # requests held from now on wait on a fresh event
        self._release = asyncio.Event()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if one is armed; consumes one of its firings."""
        request = f"{method.upper()} {path}"
        self.seen[request] += 1
        for armed in self._armed:
            if armed.match != ANY and armed.match != request:
                continue
            if armed.remaining is not None:
                armed.remaining -= 1
                if armed.remaining == 0:
                    self._armed.remove(armed)
            self.fired.append(Firing(request, armed.fault))
            return armed.fault
        return None

    async def hold(self, seconds: float) -> None:
        """Wait `seconds`, or less if the plan is cleared meanwhile (an emulator that
        stops must not wait out a long injected delay)."""
        try:
            await asyncio.wait_for(self._release.wait(), seconds)
        except TimeoutError:
            return  # the whole delay passed: the usual outcome, not a failure


def parse_fault(spec: object) -> tuple[FaultSpec, Fault]:
    """An admin arming request, e.g. `{"match": "POST /api/v3/order", "kind":
    "error_after", "status": 503, "code": -1000, "msg": "...", "times": 1}`.
    Fields a kind does not use are ignored. Raises ValueError with the reason."""
    try:
        return msgspec.convert(spec, FaultSpec), msgspec.convert(spec, Fault)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from exc
