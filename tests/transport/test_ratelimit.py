"""The client-side rate limiter, driven by a virtual clock: no test sleeps for real."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
from collections import defaultdict
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.config.schema import RateLimitRule, WeightTiers
from tradeport.model.errors import BadParameter, IpBanned, RateLimitExceeded
from tradeport.transport.ratelimit import RateLimiter

# Whole seconds since the epoch, a multiple of 60: windows of 1..60 s whose length
# divides 60 start exactly here. Virtual steps are multiples of 1/8 s, so every sum
# of times stays exact in binary floating point.
EPOCH = 1_700_000_040.0
_hosts = itertools.count()


def fresh_host() -> str:
    """ip budgets are process-wide per host: each test takes its own host."""
    return f"test-{next(_hosts)}.invalid"


class VirtualTime:
    """A monotonic clock, a wall clock and a sleep that only advance virtual time.

    `run` drives tasks: once every task is finished or asleep, it wakes the sleeper
    due first (ties in the order they fell asleep) and jumps the clocks to its time.
    """

    def __init__(self, wall_start: float = EPOCH) -> None:
        self.mono = 0.0
        self._wall_offset = wall_start
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self._wall_offset + self.mono

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.mono + delay, next(self._order), future))
        await future

    def limiter(self, rules: list[RateLimitRule], host: str, **kw: Any) -> RateLimiter:
        return RateLimiter(
            rules, host=host, clock=self.clock, wall_clock=self.wall, sleep=self.sleep, **kw
        )

    async def run(self, *coros: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coros]
        while True:
            for _ in range(10_000):
                self._sleepers = [s for s in self._sleepers if not s[2].done()]
                heapq.heapify(self._sleepers)
                if len(self._sleepers) >= sum(not t.done() for t in tasks):
                    break
                await asyncio.sleep(0)
            else:
                raise AssertionError("a task neither finished nor slept")
            if all(t.done() for t in tasks):
                return [t.result() for t in tasks]
            due, _, future = heapq.heappop(self._sleepers)
            self.mono = max(self.mono, due)
            future.set_result(None)


def rule(
    name: str = "w",
    type: str = "fixed_window",
    interval: float = 60,
    limit: int = 100,
    **kw: Any,
) -> RateLimitRule:
    return RateLimitRule(name=name, type=type, interval=interval, limit=limit, **kw)  # type: ignore[arg-type]


SPOT_DEPTH = WeightTiers(
    param="limit", default=5, tiers=[(100, 5), (500, 25), (1000, 50), (5000, 250)]
)
FUTURES_DEPTH = WeightTiers(
    param="limit", default=10, tiers=[(50, 2), (100, 5), (500, 10), (1000, 20)]
)
SPOT_TICKER = WeightTiers(
    param="symbol",
    default=2,
    absent=80,
    list_param="symbols",
    list_tiers=[(20, 2), (100, 40), (1_000_000, 80)],
)


# -- weights ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("limit", "weight"),
    [(1, 5), (100, 5), (101, 25), (500, 25), (501, 50), (1000, 50), (1001, 250), (5000, 250)],
)
def test_spot_depth_weight_follows_the_limit_parameter(limit: int, weight: int) -> None:
    r = rule(weight_map={"GET /api/v3/depth": SPOT_DEPTH})
    limiter = RateLimiter([r], host=fresh_host())
    assert limiter.weight(r, "GET /api/v3/depth", {"symbol": "BTCUSDT", "limit": limit}) == weight
    assert limiter.weight(r, "GET /api/v3/depth", {"limit": str(limit)}) == weight


@pytest.mark.parametrize(
    ("limit", "weight"), [(5, 2), (10, 2), (20, 2), (50, 2), (100, 5), (500, 10), (1000, 20)]
)
def test_futures_depth_weight_follows_the_limit_parameter(limit: int, weight: int) -> None:
    r = rule(weight_map={"GET /fapi/v1/depth": FUTURES_DEPTH})
    limiter = RateLimiter([r], host=fresh_host())
    assert limiter.weight(r, "GET /fapi/v1/depth", {"limit": limit}) == weight


def test_missing_parameter_takes_the_default_or_the_absent_weight() -> None:
    r = rule(weight=1, weight_map={"GET /api/v3/depth": SPOT_DEPTH, "GET /t": SPOT_TICKER})
    limiter = RateLimiter([r], host=fresh_host())
    assert limiter.weight(r, "GET /api/v3/depth", {"symbol": "BTCUSDT"}) == 5
    assert limiter.weight(r, "GET /t", None) == 80  # every symbol
    assert limiter.weight(r, "GET /t", {"symbol": "BTCUSDT"}) == 2
    assert limiter.weight(r, "GET /other", None) == 1


def test_symbols_list_is_weighed_by_its_length() -> None:
    r = rule(weight_map={"GET /t": SPOT_TICKER})
    limiter = RateLimiter([r], host=fresh_host())

    def symbols(n: int) -> str:
        return "[" + ",".join(f'"S{i}"' for i in range(n)) + "]"

    assert limiter.weight(r, "GET /t", {"symbols": symbols(1)}) == 2
    assert limiter.weight(r, "GET /t", {"symbols": symbols(20)}) == 2
    assert limiter.weight(r, "GET /t", {"symbols": symbols(21)}) == 40
    assert limiter.weight(r, "GET /t", {"symbols": symbols(101)}) == 80
    assert limiter.weight(r, "GET /t", {"symbols": ["A", "B", "C"] * 10}) == 40


def test_unreadable_weight_parameters_are_bad_parameters() -> None:
    r = rule(weight_map={"GET /api/v3/depth": SPOT_DEPTH, "GET /t": SPOT_TICKER})
    limiter = RateLimiter([r], host=fresh_host())
    with pytest.raises(BadParameter, match="limit"):
        limiter.weight(r, "GET /api/v3/depth", {"limit": "lots"})
    with pytest.raises(BadParameter, match="symbols"):
        limiter.weight(r, "GET /t", {"symbols": "[not json"})


def test_rule_names_must_be_unique() -> None:
    with pytest.raises(BadParameter, match="unique"):
        RateLimiter([rule("a"), rule("a")], host=fresh_host())


# -- waiting and raising ---------------------------------------------------------------
async def test_waiter_waits_exactly_until_the_fixed_window_resets() -> None:
    vt = VirtualTime(wall_start=EPOCH + 10)  # 10 s into a whole minute
    limiter = vt.limiter([rule(limit=10)], fresh_host())
    await vt.run(limiter.acquire("GET /a", None), limiter.acquire("GET /a", None))
    assert limiter.usage()["w"].used == 2
    for _ in range(8):
        await vt.run(limiter.acquire("GET /a"))
    assert vt.sleeps == []
    await vt.run(limiter.acquire("GET /a"))
    assert vt.sleeps == [50.0]
    assert vt.wall() == EPOCH + 60
    usage = limiter.usage()["w"]
    assert (usage.used, usage.resets_in) == (1, 60.0)


async def test_fixed_windows_align_to_the_wall_clock_not_to_the_first_request() -> None:
    vt = VirtualTime(wall_start=EPOCH + 59.5)
    limiter = vt.limiter([rule(limit=1)], fresh_host())
    await vt.run(limiter.acquire("GET /a"))
    assert limiter.usage()["w"].resets_in == 0.5
    with pytest.raises(RateLimitExceeded) as info:
        await limiter.acquire("GET /a", wait=False)
    assert info.value.retry_after == 0.5


async def test_a_request_sent_at_a_windows_very_end_counts_in_the_next_one_too() -> None:
    vt = VirtualTime(wall_start=EPOCH + 59.9375)  # it may reach the venue after the edge
    limiter = vt.limiter([rule(limit=1)], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    vt.mono += 0.0625
    assert limiter.usage()["w"].used == 1
    await vt.run(limiter.acquire("GET /a"))
    assert vt.wall() == EPOCH + 120


async def test_wait_false_raises_with_the_time_until_room() -> None:
    vt = VirtualTime(wall_start=EPOCH + 15)
    depth = {"GET /api/v3/depth": SPOT_DEPTH}
    limiter = vt.limiter([rule("request_weight", limit=60, weight_map=depth)], fresh_host())
    await limiter.acquire("GET /api/v3/depth", {"limit": 1000}, wait=False)  # 50
    with pytest.raises(RateLimitExceeded) as info:
        await limiter.acquire("GET /api/v3/depth", {"limit": 500}, wait=False)  # 25
    assert info.value.retry_after == 45.0
    assert "request_weight" in str(info.value) and "50/60" in str(info.value)
    await limiter.acquire("GET /api/v3/depth", {"limit": 100}, wait=False)  # 5 still fits
    assert limiter.usage()["request_weight"].used == 55


async def test_sliding_window_retry_after_is_when_the_oldest_request_leaves() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(type="sliding_window", interval=10, limit=2)], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    vt.mono += 3
    await limiter.acquire("GET /a", wait=False)
    vt.mono += 1
    with pytest.raises(RateLimitExceeded) as info:
        await limiter.acquire("GET /a", wait=False)
    assert info.value.retry_after == 6.0
    await vt.run(limiter.acquire("GET /a"))
    assert vt.sleeps == [6.0]


async def test_token_bucket_refills_at_limit_per_interval() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(type="token_bucket", interval=4, limit=8)], fresh_host())
    for _ in range(8):
        await limiter.acquire("GET /a", wait=False)
    with pytest.raises(RateLimitExceeded) as info:
        await limiter.acquire("GET /a", wait=False)
    assert info.value.retry_after == pytest.approx(0.5)  # 2 tokens per second
    vt.mono += 1.5
    assert limiter.usage()["w"].used == 5
    assert limiter.usage()["w"].resets_in == pytest.approx(2.5)


async def test_weight_above_the_whole_limit_is_refused_at_once() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=10, weight=11)], fresh_host())
    with pytest.raises(RateLimitExceeded, match="whole limit"):
        await vt.run(limiter.acquire("GET /a"))
    assert vt.sleeps == []


async def test_zero_weight_requests_pass_a_full_budget() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=1, weight_map={"POST /fapi/v1/order": 0})], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    await limiter.acquire("POST /fapi/v1/order", wait=False)
    assert limiter.usage()["w"].used == 1


async def test_endpoint_filter_limits_which_requests_a_rule_counts() -> None:
    vt = VirtualTime()
    orders = rule("orders", interval=10, limit=1, endpoints=["POST /api/v3/order"])
    limiter = vt.limiter([rule(limit=100), orders], fresh_host())
    await limiter.acquire("POST /api/v3/order", wait=False)
    await limiter.acquire("GET /api/v3/depth", wait=False)
    with pytest.raises(RateLimitExceeded, match="orders"):
        await limiter.acquire("POST /api/v3/order", wait=False)
    usage = limiter.usage()
    assert (usage["w"].used, usage["orders"].used) == (2, 1)


async def test_waits_are_logged_at_debug_with_the_rule(caplog: pytest.LogCaptureFixture) -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule("request_weight", limit=1)], fresh_host())
    with caplog.at_level(logging.DEBUG, logger="tradeport.ratelimit"):
        await vt.run(limiter.acquire("GET /a"), limiter.acquire("GET /a"))
    waits = [r for r in caplog.records if r.name == "tradeport.ratelimit"]
    assert any("request_weight" in r.getMessage() for r in waits)
    assert all(r.levelno == logging.DEBUG for r in waits)


# -- concurrency -----------------------------------------------------------------------
async def test_concurrent_acquirers_never_overshoot_and_are_served_in_order() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=10, weight=3)], fresh_host())
    granted: list[tuple[int, float]] = []

    async def request(i: int) -> None:
        await limiter.acquire("GET /a")
        granted.append((i, vt.wall()))

    await vt.run(*(request(i) for i in range(10)))
    assert [i for i, _ in granted] == list(range(10))
    per_window: dict[int, int] = defaultdict(int)
    for _, t in granted:
        per_window[math.floor(t / 60)] += 3
    assert max(per_window.values()) <= 10
    assert sorted(per_window.values()) == [3, 9, 9, 9]


async def test_a_heavy_waiter_is_not_starved_by_light_requests() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=10, weight_map={"GET /heavy": 10})], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    granted: dict[str, float] = {}

    async def heavy() -> None:
        await limiter.acquire("GET /heavy")
        granted["heavy"] = vt.wall()

    async def light_stream() -> None:
        for i in range(30):
            await vt.sleep(3)
            await limiter.acquire("GET /a")
            granted[f"light{i}"] = vt.wall()

    await vt.run(heavy(), light_stream())
    assert granted["heavy"] == EPOCH + 60  # the first window boundary
    in_heavy_window = [k for k, t in granted.items() if EPOCH + 60 <= t < EPOCH + 120]
    assert in_heavy_window == ["heavy"]


async def test_a_cancelled_waiter_gives_its_slot_back() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=10, weight=10)], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    first = asyncio.ensure_future(limiter.acquire("GET /a"))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await vt.run(limiter.acquire("GET /a"))
    assert vt.wall() == EPOCH + 60  # the slot the cancelled waiter had reserved


async def test_acquire_meets_every_covering_rule_at_once() -> None:
    vt = VirtualTime()
    rules = [
        rule("minute", limit=100),
        rule("burst", type="sliding_window", interval=2, limit=3),
        rule("bucket", type="token_bucket", interval=1, limit=4),
    ]
    limiter = vt.limiter(rules, fresh_host())
    times: list[float] = []

    async def request() -> None:
        await limiter.acquire("GET /a")
        times.append(vt.mono)

    await vt.run(*(request() for _ in range(9)))
    # the sliding rule is the tightest: three per 2-second span
    assert times == [0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 4.0, 4.0, 4.0]


# -- properties ------------------------------------------------------------------------
ENDPOINTS = ("GET /a", "GET /b", "POST /order")


@st.composite
def scenarios(draw: st.DrawFn, kind: str) -> tuple[list[RateLimitRule], list[Any]]:
    interval = draw(st.sampled_from([1, 2, 3, 5, 10, 60]))
    limit = draw(st.integers(1, 30))
    main = RateLimitRule(
        name="main",
        type=kind,  # type: ignore[arg-type]
        interval=interval,
        limit=limit,
        weight_map={e: draw(st.integers(0, limit)) for e in ENDPOINTS},
    )
    orders = RateLimitRule(
        name="orders",
        type=draw(st.sampled_from(["fixed_window", "sliding_window", "token_bucket"])),
        interval=draw(st.sampled_from([1, 2, 10])),
        limit=draw(st.integers(1, 5)),
        endpoints=["POST /order"],
    )
    rules = [main, orders] if draw(st.booleans()) else [main]
    requests = draw(
        st.lists(
            st.tuples(st.integers(0, 40).map(lambda n: n / 8), st.sampled_from(ENDPOINTS)),
            min_size=1,
            max_size=40,
        )
    )
    return rules, requests


def assert_within_budget(r: RateLimitRule, grants: list[tuple[float, float, int]]) -> None:
    """grants: (monotonic time, wall time, weight) of the requests the rule covers."""
    if r.type == "fixed_window":
        per_window: dict[int, int] = defaultdict(int)
        for _, wall, w in grants:
            per_window[math.floor(wall / r.interval)] += w
        assert max(per_window.values(), default=0) <= r.limit
    elif r.type == "sliding_window":
        for end, _, _ in grants:
            span = sum(w for t, _, w in grants if end - r.interval < t <= end)
            assert span <= r.limit
    else:
        tokens, last = float(r.limit), 0.0
        for t, _, w in sorted(grants):
            tokens = min(r.limit, tokens + (t - last) * r.limit / r.interval) - w
            last = t
            assert tokens >= -1e-6


def run_scenario(rules: list[RateLimitRule], requests: list[Any]) -> None:
    vt = VirtualTime()
    limiter = vt.limiter(rules, fresh_host())
    grants: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    served: list[str] = []

    async def request(arrival: float, endpoint: str) -> None:
        await vt.sleep(arrival)
        await limiter.acquire(endpoint)
        served.append(endpoint)
        for r in rules:
            if not r.endpoints or endpoint in r.endpoints:
                grants[r.name].append((vt.mono, vt.wall(), limiter.weight(r, endpoint, None)))

    arrivals = itertools.accumulate(gap for gap, _ in requests)
    asyncio.run(vt.run(*(request(t, e) for t, (_, e) in zip(arrivals, requests, strict=True))))
    assert len(served) == len(requests)
    for r in rules:
        assert_within_budget(r, grants[r.name])


@settings(max_examples=60, deadline=None)
@given(scenarios("fixed_window"))
def test_fixed_window_usage_never_exceeds_the_limit(case: Any) -> None:
    run_scenario(*case)


@settings(max_examples=60, deadline=None)
@given(scenarios("sliding_window"))
def test_sliding_window_usage_never_exceeds_the_limit(case: Any) -> None:
    run_scenario(*case)


@settings(max_examples=60, deadline=None)
@given(scenarios("token_bucket"))
def test_token_bucket_never_goes_negative(case: Any) -> None:
    run_scenario(*case)


# -- venue feedback: headers and blocks ------------------------------------------------
async def test_usage_header_raises_but_never_lowers_the_count() -> None:
    vt = VirtualTime(wall_start=EPOCH + 1)
    r = rule("request_weight", limit=100, weight=10, header="X-MBX-USED-WEIGHT-1M")
    limiter = vt.limiter([r], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    limiter.update_from_headers("GET /a", {"x-mbx-used-weight-1m": "95"})
    assert limiter.usage()["request_weight"].used == 95
    with pytest.raises(RateLimitExceeded):
        await limiter.acquire("GET /a", wait=False)
    # a lower count is a header that missed our requests in flight, or a late one
    limiter.update_from_headers("GET /a", {"X-MBX-USED-WEIGHT-1M": "3"})
    assert limiter.usage()["request_weight"].used == 95


@pytest.mark.parametrize("kind", ["sliding_window", "token_bucket"])
async def test_usage_header_is_adopted_by_every_rule_type(kind: str) -> None:
    vt = VirtualTime()
    r = rule(type=kind, interval=10, limit=50, header="X-Used")
    limiter = vt.limiter([r], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    vt.mono += 1
    limiter.update_from_headers("GET /a", {"x-used": "40"})
    assert limiter.usage()["w"].used == 40
    limiter.update_from_headers("GET /a", {"x-used": "7"})
    assert limiter.usage()["w"].used == 40


async def test_disabled_limiter_never_waits_but_records_headers() -> None:
    vt = VirtualTime()
    r = rule(limit=1, header="X-Used")
    limiter = vt.limiter([r], fresh_host(), enabled=False)
    limiter.block("GET /a", 30)
    await vt.run(*(limiter.acquire("GET /a", wait=False) for _ in range(5)))
    assert vt.sleeps == []
    limiter.update_from_headers("GET /a", {"X-Used": "42"})
    assert limiter.usage()["w"].used == 42


async def test_block_makes_every_acquire_wait_until_retry_after() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=1000, scope="ip")], fresh_host())
    limiter.block("GET /api/v3/depth", 7.5)
    assert limiter.usage()["w"].blocked_until == EPOCH + 7.5
    with pytest.raises(RateLimitExceeded) as info:
        await limiter.acquire("GET /api/v3/ticker/24hr", wait=False)
    assert info.value.retry_after == 7.5
    times: list[float] = []

    async def request(endpoint: str) -> None:
        await limiter.acquire(endpoint)
        times.append(vt.mono)

    await vt.run(request("GET /api/v3/depth"), request("GET /api/v3/time"))
    assert times == [7.5, 7.5]
    assert limiter.usage()["w"].blocked_until is None


async def test_block_arriving_while_waiting_holds_the_waiter() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(limit=1)], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    done: list[float] = []

    async def waiter() -> None:
        await limiter.acquire("GET /a")
        done.append(vt.wall())

    async def venue_says_stop() -> None:
        await vt.sleep(59)
        limiter.block("GET /a", 30)

    await vt.run(waiter(), venue_says_stop())
    assert done == [EPOCH + 89]


async def test_ban_raises_ip_banned_for_non_waiting_callers() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(scope="ip")], fresh_host())
    limiter.block("GET /a", 120, banned=True)
    with pytest.raises(IpBanned) as info:
        await limiter.acquire("GET /b", wait=False)
    assert info.value.retry_after == 120
    assert limiter.usage()["w"].banned


async def test_block_on_an_endpoint_no_rule_covers_still_holds() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule(endpoints=["GET /a"])], fresh_host())
    limiter.block("GET /b", 5)
    with pytest.raises(RateLimitExceeded):
        await limiter.acquire("GET /b", wait=False)
    await limiter.acquire("GET /a", wait=False)


# -- scopes ----------------------------------------------------------------------------
async def test_ip_scope_is_shared_by_limiters_of_the_same_host_only() -> None:
    vt = VirtualTime()
    host = fresh_host()
    r = rule(limit=10, scope="ip")
    first, second = vt.limiter([r], host), vt.limiter([r], host)
    elsewhere = vt.limiter([r], fresh_host())
    for _ in range(10):
        await first.acquire("GET /a", wait=False)
    with pytest.raises(RateLimitExceeded):
        await second.acquire("GET /b", wait=False)
    await elsewhere.acquire("GET /a", wait=False)
    first.block("GET /a", 3)
    assert second.usage()["w"].blocked_until == EPOCH + 3
    assert elsewhere.usage()["w"].blocked_until is None


async def test_forgetting_a_host_drops_its_shared_budgets_and_stops() -> None:
    vt = VirtualTime()
    host = fresh_host()
    first = vt.limiter([rule(limit=1, scope="ip")], host)
    await first.acquire("GET /a", wait=False)
    first.block("GET /a", 600, banned=True)
    RateLimiter.forget_host(host)
    later = vt.limiter([rule(limit=1, scope="ip")], host)
    await later.acquire("GET /a", wait=False)
    assert later.usage()["w"].used == 1
    assert later.usage()["w"].blocked_until is None


async def test_global_scope_belongs_to_one_limiter() -> None:
    vt = VirtualTime()
    host = fresh_host()
    first, second = vt.limiter([rule(limit=1)], host), vt.limiter([rule(limit=1)], host)
    await first.acquire("GET /a", wait=False)
    await second.acquire("GET /a", wait=False)
    assert first.usage()["w"].used == second.usage()["w"].used == 1


async def test_endpoint_scope_keeps_a_budget_per_endpoint() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule("per", limit=1, scope="endpoint")], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    await limiter.acquire("GET /b", wait=False)
    with pytest.raises(RateLimitExceeded):
        await limiter.acquire("GET /a", wait=False)
    usage = limiter.usage()
    assert set(usage) == {"per[GET /a]", "per[GET /b]"}
    assert usage["per[GET /a]"].endpoint == "GET /a"


async def test_set_rules_keeps_usage_of_rules_with_the_same_name() -> None:
    vt = VirtualTime()
    limiter = vt.limiter([rule("request_weight", limit=100, weight=7)], fresh_host())
    await limiter.acquire("GET /a", wait=False)
    limiter.set_rules([rule("request_weight", limit=6000), rule("orders", interval=10)])
    usage = limiter.usage()
    assert (usage["request_weight"].used, usage["request_weight"].limit) == (7, 6000)
    assert usage["orders"].used == 0
    limiter.set_rules([rule("request_weight", type="sliding_window")])
    assert limiter.usage()["request_weight"].used == 0  # another kind of budget
