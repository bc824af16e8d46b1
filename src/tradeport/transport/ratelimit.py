"""Client-side rate limiting (DESIGN.md principle 7: rate limits are budgets, not sleeps).

Every request reserves its weight in each budget that covers it, at the earliest moment
all of them have room; it then sleeps until that moment (or raises, if told not to
wait). Reserving before sleeping is what keeps many concurrent acquirers from
overshooting, and what makes the queue first-come first-served: a later request never
takes a slot an earlier waiter was promised.

Budgets live per scope: `ip` budgets are shared by every limiter of the process that
talks to the same host (the venue counts by source address), `global` budgets belong to
one limiter (one client, one account), `endpoint` budgets are kept per endpoint key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import msgspec

from tradeport.config.schema import RateLimitRule, WeightTiers
from tradeport.model.errors import BadParameter, IpBanned, RateLimitExceeded
from tradeport.transport.budgets import Block, Budget, Now, new_budget

log = logging.getLogger("tradeport.ratelimit")

_Step = tuple[RateLimitRule, Budget, int]

_MAX_ROUNDS = 10_000


@dataclass(frozen=True, slots=True)
class RuleUsage:
    """One budget's state. `resets_in` is the time until the budget is fully restored
    (fixed: the window end; sliding: the last recorded request leaves the window;
    bucket: the bucket is full again); `blocked_until` is epoch seconds while a 429/418
    block holds."""

    rule: str
    scope: str
    endpoint: str | None
    used: int
    limit: int
    resets_in: float
    blocked_until: float | None
    banned: bool


def _tier(tiers: Sequence[tuple[float, int]], value: float, default: int) -> int:
    """Tiers are [[upper_bound_inclusive, weight], ...] ascending; above the last bound
    the last weight applies."""
    for bound, weight in tiers:
        if value <= bound:
            return weight
    return tiers[-1][1] if tiers else default


def _list_length(name: str, value: object) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    text = str(value).strip()
    if text.startswith("["):
        # Binance sends symbol lists as a JSON array in the query: symbols=["A","B"]
        try:
            parsed = json.loads(text)
        except ValueError:
            raise BadParameter(f"{name} must be a JSON list, got {text!r}") from None
        if not isinstance(parsed, list):
            raise BadParameter(f"{name} must be a list, got {text!r}")
        return len(parsed)
    return len([part for part in text.split(",") if part])  # OKX-style "A,B" lists


def _number(name: str, value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        raise BadParameter(f"{name} must be a number, got {value!r}") from None


class RateLimiter:
    """Weighted budgets for one client's requests; see the module docstring."""

    # ip-scope budgets: one per (host, rule name) in the process.
    _shared: ClassVar[dict[tuple[str, str], Budget]] = {}

    def __init__(
        self,
        rules: Sequence[RateLimitRule],
        *,
        host: str,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.host = host
        self.enabled = enabled
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._rules: list[RateLimitRule] = []
        self._own: dict[tuple[str, str | None], Budget] = {}  # (rule, endpoint) -> budget
        self._unruled: dict[str, Block] = {}  # blocks on endpoints no rule covers
        # limits the venue reported (a rule's `limit_header`): (rule, endpoint) -> limit
        self._limits: dict[tuple[str, str | None], int] = {}
        self.set_rules(rules)

    @property
    def rules(self) -> list[RateLimitRule]:
        return list(self._rules)

    @classmethod
    def forget_host(cls, host: str) -> None:
        """Drop the shared ip budgets (and any stop) of `host`, e.g. when an emulator on
        that address is shut down and its port may be handed to the next one."""
        for key in [k for k in cls._shared if k[0] == host]:
            del cls._shared[key]

    def set_rules(self, rules: Sequence[RateLimitRule]) -> None:
        """Replace the rules; a budget survives when a rule of the same name, type and
        interval remains (e.g. the venue's exchangeInfo limits replacing the YAML ones)."""
        by_name = {r.name: r for r in rules}
        if len(by_name) != len(rules):
            raise BadParameter(f"rate-limit rule names must be unique: {[r.name for r in rules]}")
        self._rules = list(rules)
        self._limits = {k: v for k, v in self._limits.items() if k[0] in by_name}
        self._own = {
            key: budget
            for key, budget in self._own.items()
            if key[0] in by_name
            and by_name[key[0]].scope != "ip"
            and budget.matches(by_name[key[0]])
        }

    def weight(
        self, rule: RateLimitRule, endpoint: str, params: Mapping[str, object] | None
    ) -> int:
        spec = rule.weight_map.get(endpoint, rule.weight)
        if isinstance(spec, int):
            return spec
        return self._tiered_weight(spec, params or {})

    @staticmethod
    def _tiered_weight(spec: WeightTiers, params: Mapping[str, object]) -> int:
        if spec.list_param is not None and params.get(spec.list_param) is not None:
            count = _list_length(spec.list_param, params[spec.list_param])
            return _tier(spec.list_tiers, count, spec.default)
        value = params.get(spec.param)
        if value is None:
            return spec.absent if spec.absent is not None else spec.default
        if not spec.tiers:  # present at all is what counts (symbol=X vs every symbol)
            return spec.default
        return _tier(spec.tiers, _number(spec.param, value), spec.default)

    async def acquire(
        self, endpoint: str, params: Mapping[str, object] | None = None, *, wait: bool = True
    ) -> None:
        """Take the request's weight from every budget that covers `endpoint`, waiting
        until all have room (or raising RateLimitExceeded / IpBanned when `wait` is
        False). A scope stopped by the venue is waited out (or raised) first."""
        if not self.enabled:
            return
        now = self._now()
        plan: list[_Step] = [
            (
                self._effective(rule, endpoint),
                self._budget(rule, endpoint, now),
                self.weight(rule, endpoint, params),
            )
            for rule in self._covering(endpoint)
        ]
        for rule, _, w in plan:
            if w > rule.limit:
                raise RateLimitExceeded(
                    f"{endpoint}: weight {w} exceeds rule {rule.name}'s whole limit {rule.limit}"
                )
        blocks = [budget.block for _, budget, _ in plan] or [self._unruled_block(endpoint)]
        while True:
            now = self._now()
            if await self._wait_out_blocks(endpoint, blocks, now, wait):
                continue
            if not plan:
                return
            delay, (culprit, budget, weight) = self._slot(plan, now)
            if delay > 0 and not wait:
                raise RateLimitExceeded(
                    f"{endpoint}: rule {culprit.name} has {budget.used(culprit, now)}/"
                    f"{culprit.limit} used, needs {weight}; retry in {delay:.3f}s",
                    retry_after=delay,
                )
            undos = [b.reserve(r, w, now, delay) for r, b, w in plan if w > 0]
            if delay <= 0:
                return
            log.debug("%s: waiting %.3fs for rule %s", endpoint, delay, culprit.name)
            granted = False
            try:
                await self._sleep(delay)
                granted = not any(b.remaining(self._clock()) > 0 for b in blocks)
            finally:
                if not granted:
                    for undo in undos:
                        undo()
            if granted:
                return

    def update_from_headers(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Adopt the venue's usage counters (e.g. X-MBX-USED-WEIGHT-1M, or Bybit's
        X-Bapi-Limit-Status with X-Bapi-Limit): they count every request from this
        address or account, including other processes'."""
        lowered: dict[str, str] | None = None

        def get(name: str) -> str | None:
            nonlocal lowered
            raw = headers.get(name)
            # aiohttp's headers are case-insensitive already; a plain dict may not be
            if raw is None and isinstance(headers, dict):
                if lowered is None:
                    lowered = {k.lower(): v for k, v in headers.items()}
                raw = lowered.get(name.lower())
            return raw

        now = self._now()
        for rule in self._rules:
            if rule.scope == "endpoint" and not self._covers(rule, endpoint):
                continue
            if rule.limit_header is not None:
                limit = self._header_int(endpoint, rule.limit_header, get(rule.limit_header))
                if limit is not None and limit > 0:
                    self._limits[(rule.name, self._scope_key(rule, endpoint))] = limit
            current = self._effective(rule, endpoint)
            used: int | None = None
            if rule.header is not None:
                used = self._header_int(endpoint, rule.header, get(rule.header))
            elif rule.remaining_header is not None:
                left = self._header_int(endpoint, rule.remaining_header, get(rule.remaining_header))
                used = None if left is None else max(0, current.limit - left)
            if used is not None:
                self._budget(rule, endpoint, now).adopt(current, used, now)

    @staticmethod
    def _header_int(endpoint: str, name: str, raw: str | None) -> int | None:
        if raw is None:
            return None
        try:
            return int(str(raw).strip())
        except ValueError:
            log.warning("%s: ignoring unreadable %s header %r", endpoint, name, raw)
            return None

    def block(
        self,
        endpoint: str,
        retry_after: float,
        *,
        banned: bool = False,
        rules: Collection[str] | None = None,
    ) -> None:
        """Stop every budget scope covering `endpoint` for `retry_after` seconds (HTTP 429,
        or 418 when `banned`: Binance §1.6 bans an IP that keeps going after a 429).
        `rules` narrows the stop to the named rules (e.g. only the order-count budget
        when the venue refused an order for the order rate, not for request weight)."""
        now = self._now()
        until = now.mono + max(0.0, retry_after)
        rules_ = [r for r in self._covering(endpoint) if rules is None or r.name in rules]
        blocks = [self._budget(r, endpoint, now).block for r in rules_]
        for blk in blocks or [self._unruled_block(endpoint)]:
            blk.extend(until, banned, now.mono)
        stop = "banned this address" if banned else "asked to back off"
        log.warning("%s: venue %s on %s for %.1fs", self.host, stop, endpoint, retry_after)

    def usage(self) -> dict[str, RuleUsage]:
        """Per rule name; endpoint-scoped rules report `name[endpoint]` per endpoint seen."""
        now = self._now()
        out: dict[str, RuleUsage] = {}
        for rule in self._rules:
            if rule.scope == "endpoint":
                for (name, endpoint), budget in self._own.items():
                    if name == rule.name and endpoint is not None:
                        current = self._effective(rule, endpoint)
                        out[f"{name}[{endpoint}]"] = self._report(current, budget, endpoint, now)
            else:
                current = self._effective(rule, None)
                out[rule.name] = self._report(current, self._budget(rule, None, now), None, now)
        return out

    # -- internals ---------------------------------------------------------------------
    def _now(self) -> Now:
        return Now(self._clock(), self._wall_clock())

    @staticmethod
    def _scope_key(rule: RateLimitRule, endpoint: str | None) -> str | None:
        return endpoint if rule.scope == "endpoint" else None

    def _effective(self, rule: RateLimitRule, endpoint: str | None) -> RateLimitRule:
        """The rule with the limit the venue last reported for this scope, if any."""
        limit = self._limits.get((rule.name, self._scope_key(rule, endpoint)))
        if limit is None or limit == rule.limit:
            return rule
        return msgspec.structs.replace(rule, limit=limit)

    @staticmethod
    def _covers(rule: RateLimitRule, endpoint: str) -> bool:
        return not rule.endpoints or endpoint in rule.endpoints

    def _covering(self, endpoint: str) -> list[RateLimitRule]:
        return [r for r in self._rules if self._covers(r, endpoint)]

    def _budget(self, rule: RateLimitRule, endpoint: str | None, now: Now) -> Budget:
        if rule.scope == "ip":
            shared_key = (self.host, rule.name)
            budget = RateLimiter._shared.get(shared_key)
            if budget is None or not budget.matches(rule):
                budget = RateLimiter._shared[shared_key] = new_budget(rule, now)
            return budget
        key = (rule.name, endpoint if rule.scope == "endpoint" else None)
        budget = self._own.get(key)
        if budget is None or not budget.matches(rule):
            budget = self._own[key] = new_budget(rule, now)
        return budget

    def _unruled_block(self, endpoint: str) -> Block:
        return self._unruled.setdefault(endpoint, Block())

    async def _wait_out_blocks(
        self, endpoint: str, blocks: list[Block], now: Now, wait: bool
    ) -> bool:
        """Sleep through the longest stop in force; False when none holds."""
        held = max(blocks, key=lambda b: b.remaining(now.mono))
        remaining = held.remaining(now.mono)
        if remaining <= 0:
            return False
        if not wait:
            error = IpBanned if held.banned else RateLimitExceeded
            raise error(
                f"{endpoint}: stopped by the venue ({'418 ban' if held.banned else '429'})"
                f" for another {remaining:.3f}s",
                retry_after=remaining,
            )
        log.debug("%s: waiting %.3fs for the venue's stop to end", endpoint, remaining)
        await self._sleep(remaining)
        return True

    @staticmethod
    def _slot(plan: list[_Step], now: Now) -> tuple[float, _Step]:
        """The earliest delay at which every budget of a non-empty plan has room, and the
        step that set it (meaningful when the delay is positive)."""
        delay, culprit = 0.0, plan[0]
        for _ in range(_MAX_ROUNDS):
            moved = False
            for step in plan:
                rule, budget, w = step
                d = budget.earliest(rule, w, now, delay) if w > 0 else delay
                if d > delay:
                    delay, culprit, moved = d, step, True
            if not moved:
                return delay, culprit
        raise RuntimeError(f"rate-limit rules found no common slot in {_MAX_ROUNDS} rounds")

    def _report(
        self, rule: RateLimitRule, budget: Budget, endpoint: str | None, now: Now
    ) -> RuleUsage:
        remaining = budget.block.remaining(now.mono)
        return RuleUsage(
            rule=rule.name,
            scope=rule.scope,
            endpoint=endpoint,
            used=budget.used(rule, now),
            limit=rule.limit,
            resets_in=budget.resets_in(rule, now),
            blocked_until=now.wall + remaining if remaining > 0 else None,
            banned=budget.block.banned and remaining > 0,
        )
