"""The three budget algorithms behind the rate limiter: fixed window, sliding window,
token bucket. Each books a request's weight at a moment it fits; the limiter decides
which budgets a request touches and waits for the latest of their answers.
"""

from __future__ import annotations

import bisect
import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from tradeport.config.schema import RateLimitRule

# A time this close below a window edge counts as past it: a delay computed as
# `edge - now` can land one float ulp short of the edge once added back to `now`.
_EDGE = 1e-6
# A request sent this close to a fixed window's end is counted in the next window too:
# it may reach the venue after the edge (seconds; about one round trip).
_SPILL = 0.1
# A token-bucket level this close to the weight is enough (refill rates are not exact).
_TOKEN_SLACK = 1e-6
_seq = itertools.count()
Undo = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Now:
    mono: float
    wall: float


@dataclass(slots=True)
class Block:
    """A stop ordered by the venue (HTTP 429/418 with Retry-After), on the monotonic clock."""

    until: float = -math.inf
    banned: bool = False

    def extend(self, until: float, banned: bool, now: float) -> None:
        self.banned = banned or (self.banned and self.until > now)
        self.until = max(self.until, until)

    def remaining(self, now: float) -> float:
        return max(0.0, self.until - now)


class Budget(ABC):
    """The recorded weights of one rule in one scope.

    `earliest` is the smallest delay >= `delay` at which a weight fits; `reserve` records
    it at now + delay and returns what takes it back; `adopt` replaces the current count
    with the venue's.
    """

    kind: ClassVar[str]

    def __init__(self, rule: RateLimitRule) -> None:
        self.interval = rule.interval
        self.block = Block()

    def matches(self, rule: RateLimitRule) -> bool:
        return rule.type == self.kind and rule.interval == self.interval

    @abstractmethod
    def earliest(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> float: ...
    @abstractmethod
    def reserve(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> Undo: ...
    @abstractmethod
    def adopt(self, rule: RateLimitRule, used: int, now: Now) -> None: ...
    @abstractmethod
    def used(self, rule: RateLimitRule, now: Now) -> int: ...
    @abstractmethod
    def resets_in(self, rule: RateLimitRule, now: Now) -> float: ...


class _FixedWindow(Budget):
    """Windows aligned to whole multiples of the interval on the wall clock (Binance
    §1.6: a 1-minute window starts at each whole minute, 1 DAY resets at 00:00 UTC)."""

    kind = "fixed_window"

    def __init__(self, rule: RateLimitRule) -> None:
        super().__init__(rule)
        self._used: dict[int, int] = {}  # window index -> weight (current and reserved)

    def _index(self, t: float) -> int:
        return math.floor((t + _EDGE) / self.interval)

    def _prune(self, now: Now) -> int:
        current = self._index(now.wall)
        for idx in [i for i in self._used if i < current]:
            del self._used[idx]
        return current

    def _windows(self, t: float) -> list[int]:
        """The windows a request sent at t may be counted in. The venue counts it where
        it arrives, so one sent in the last moments of a window may land in the next."""
        idx = self._index(t)
        near_end = (idx + 1) * self.interval - t < _SPILL < self.interval / 2
        return [idx, idx + 1] if near_end else [idx]

    def earliest(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> float:
        self._prune(now)
        windows = self._windows(now.wall + delay)
        start = idx = windows[0]
        while any(self._used.get(i, 0) + weight > rule.limit for i in windows):
            idx += 1
            windows = [idx]  # from a window's start
        return delay if idx == start else idx * self.interval - now.wall

    def reserve(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> Undo:
        windows = self._windows(now.wall + delay)
        for i in windows:
            self._used[i] = self._used.get(i, 0) + weight

        def undo() -> None:
            for i in windows:
                if i in self._used:
                    self._used[i] = max(0, self._used[i] - weight)

        return undo

    def adopt(self, rule: RateLimitRule, used: int, now: Now) -> None:
        # never lower: our count includes requests still in flight, which the venue's
        # header does not, and a late header may describe the previous window
        idx = self._prune(now)
        self._used[idx] = max(self._used.get(idx, 0), used)

    def used(self, rule: RateLimitRule, now: Now) -> int:
        return self._used.get(self._prune(now), 0)

    def resets_in(self, rule: RateLimitRule, now: Now) -> float:
        return (self._index(now.wall) + 1) * self.interval - now.wall


class _SlidingWindow(Budget):
    """At most `limit` weight in any span of `interval` seconds (monotonic clock)."""

    kind = "sliding_window"

    def __init__(self, rule: RateLimitRule) -> None:
        super().__init__(rule)
        self._events: list[tuple[float, int, int]] = []  # (time, seq, weight), sorted

    def _prune(self, now: Now) -> None:
        cut = bisect.bisect_right(self._events, (now.mono - self.interval + _EDGE, math.inf, 0))
        del self._events[:cut]

    def _fits(
        self, times: list[float], prefix: list[int], t: float, weight: int, limit: int
    ) -> bool:
        # Inserting at t touches every window that contains t; the fullest of those ends
        # at t or at one of the (reserved) events in [t, t + interval).
        def total(end: float) -> int:
            hi = bisect.bisect_right(times, end)
            lo = bisect.bisect_right(times, end - self.interval + _EDGE)
            return prefix[hi] - prefix[lo]

        ends = [t, *(e for e in times[bisect.bisect_left(times, t) :] if e < t + self.interval)]
        return all(total(end) + weight <= limit for end in ends)

    def earliest(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> float:
        self._prune(now)
        times = [e[0] for e in self._events]
        prefix = [0, *itertools.accumulate(e[2] for e in self._events)]
        t = now.mono + delay
        # Room only ever appears when an event leaves the window, at its time + interval.
        candidates = [t, *(e + self.interval for e in times if e + self.interval > t)]
        for c in candidates:
            if self._fits(times, prefix, c, weight, rule.limit):
                return c - now.mono
        raise AssertionError("a weight within the limit fits once the window is empty")

    def reserve(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> Undo:
        event = (now.mono + delay, next(_seq), weight)
        bisect.insort(self._events, event)

        def undo() -> None:
            i = bisect.bisect_left(self._events, event)
            if i < len(self._events) and self._events[i] == event:
                del self._events[i]

        return undo

    def adopt(self, rule: RateLimitRule, used: int, now: Now) -> None:
        # only ever raise (see the fixed window): the venue saw traffic we did not
        diff = used - self.used(rule, now)
        if diff > 0:
            bisect.insort(self._events, (now.mono, next(_seq), diff))

    def used(self, rule: RateLimitRule, now: Now) -> int:
        self._prune(now)
        return sum(w for t, _, w in self._events if t <= now.mono)

    def resets_in(self, rule: RateLimitRule, now: Now) -> float:
        self._prune(now)
        if not self._events:
            return 0.0
        return max(0.0, self._events[-1][0] + self.interval - now.mono)


class _TokenBucket(Budget):
    """Capacity `limit`, refilled at limit/interval per second (monotonic clock).

    The level is kept at `_base_t` with every past take applied; takes reserved for
    later are kept aside and replayed, so the venue's count can replace the level
    without losing them. Reservations are served in order: a later one never lands
    before an earlier one.
    """

    kind = "token_bucket"

    def __init__(self, rule: RateLimitRule, now: Now) -> None:
        super().__init__(rule)
        self._level = float(rule.limit)
        self._base_t = now.mono
        self._pending: list[tuple[float, int, int]] = []  # (time, seq, weight), in order

    def _advance(self, rule: RateLimitRule, now: Now) -> None:
        while self._pending and self._pending[0][0] <= now.mono:
            t, _, w = self._pending.pop(0)
            self._level = self._refill(rule, self._level, t - self._base_t) - w
            self._base_t = t
        if now.mono > self._base_t:
            self._level = self._refill(rule, self._level, now.mono - self._base_t)
            self._base_t = now.mono

    @staticmethod
    def _refill(rule: RateLimitRule, level: float, seconds: float) -> float:
        return min(float(rule.limit), level + max(0.0, seconds) * rule.limit / rule.interval)

    def _level_at(self, rule: RateLimitRule, t: float) -> float:
        level, at = self._level, self._base_t
        for pt, _, w in self._pending:
            if pt > t:
                break
            level, at = self._refill(rule, level, pt - at) - w, pt
        return self._refill(rule, level, t - at)

    def _last(self) -> float:
        return self._pending[-1][0] if self._pending else self._base_t

    def earliest(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> float:
        self._advance(rule, now)
        t = max(now.mono + delay, self._last())
        level = self._level_at(rule, t)
        if level + _TOKEN_SLACK < weight:
            t += (weight - level) * rule.interval / rule.limit
        return max(delay, t - now.mono)

    def reserve(self, rule: RateLimitRule, weight: int, now: Now, delay: float) -> Undo:
        self._advance(rule, now)
        event = (now.mono + delay, next(_seq), weight)
        if delay <= 0:
            self._level -= weight
        else:
            self._pending.append(event)

        def undo() -> None:
            # A take already applied stays counted: handing tokens back could overfill.
            if event in self._pending:
                self._pending.remove(event)

        return undo

    def adopt(self, rule: RateLimitRule, used: int, now: Now) -> None:
        self._advance(rule, now)
        self._level = min(self._level, float(rule.limit - used))  # only ever raise usage

    def used(self, rule: RateLimitRule, now: Now) -> int:
        self._advance(rule, now)
        return max(0, math.ceil(rule.limit - self._level - _TOKEN_SLACK))

    def resets_in(self, rule: RateLimitRule, now: Now) -> float:
        self._advance(rule, now)
        end = max(now.mono, self._last())
        missing = rule.limit - self._level_at(rule, end)
        return end - now.mono + max(0.0, missing) * rule.interval / rule.limit


# One rule's part in a request: the rule, its budget for this request, the weight.


def new_budget(rule: RateLimitRule, now: Now) -> Budget:
    if rule.type == "fixed_window":
        return _FixedWindow(rule)
    if rule.type == "sliding_window":
        return _SlidingWindow(rule)
    return _TokenBucket(rule, now)
