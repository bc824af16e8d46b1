"""The fault plan on its own: matching, firing counts, clearing and the record."""

import asyncio

import pytest

from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    FaultPlan,
    Firing,
    Latency,
    TimeoutAfter,
    parse_fault,
)

ORDER = "POST /api/v3/order"
UNKNOWN = ErrorAfter(503, -1000, "Unknown error, please check your request or try again later.")


def test_fault_fires_only_on_its_exact_method_and_path() -> None:
    plan = FaultPlan()
    plan.arm(ORDER, UNKNOWN)
    assert plan.take("GET", "/api/v3/order") is None
    assert plan.take("POST", "/api/v3/order/test") is None
    assert plan.take("POST", "/fapi/v1/order") is None
    assert plan.take("POST", "/api/v3/order") == UNKNOWN


def test_star_matches_every_request() -> None:
    plan = FaultPlan()
    plan.arm("*", DropAfter(), times=2)
    assert plan.take("GET", "/api/v3/depth") == DropAfter()
    assert plan.take("DELETE", "/fapi/v1/order") == DropAfter()
    assert plan.take("GET", "/api/v3/depth") is None


def test_method_is_matched_case_insensitively() -> None:
    plan = FaultPlan()
    plan.arm(ORDER, UNKNOWN)
    assert plan.take("post", "/api/v3/order") == UNKNOWN


def test_default_fires_once() -> None:
    plan = FaultPlan()
    plan.arm(ORDER, UNKNOWN)
    assert plan.take("POST", "/api/v3/order") == UNKNOWN
    assert plan.take("POST", "/api/v3/order") is None
    assert plan.armed == []


def test_times_counts_down_then_disarms() -> None:
    plan = FaultPlan()
    plan.arm(ORDER, UNKNOWN, times=3)
    fired = [plan.take("POST", "/api/v3/order") for _ in range(5)]
    assert fired == [UNKNOWN, UNKNOWN, UNKNOWN, None, None]


def test_times_none_fires_until_cleared() -> None:
    plan = FaultPlan()
    slow = Latency(0.5)
    plan.arm("GET /api/v3/depth", slow, times=None)
    assert all(plan.take("GET", "/api/v3/depth") == slow for _ in range(50))
    assert plan.armed[0].remaining is None
    plan.clear()
    assert plan.take("GET", "/api/v3/depth") is None


def test_first_armed_match_fires_first_and_the_next_takes_over() -> None:
    plan = FaultPlan()
    busy = ErrorBefore(503, -1000, "Service Unavailable.")
    plan.arm(ORDER, busy)
    plan.arm("*", TimeoutAfter(2.0))
    assert plan.take("POST", "/api/v3/order") == busy
    assert plan.take("POST", "/api/v3/order") == TimeoutAfter(2.0)
    assert plan.take("POST", "/api/v3/order") is None


def test_a_non_matching_request_consumes_nothing() -> None:
    plan = FaultPlan()
    plan.arm(ORDER, UNKNOWN)
    for _ in range(3):
        plan.take("GET", "/api/v3/depth")
    assert plan.armed[0].remaining == 1


def test_clear_disarms_everything_but_keeps_the_record() -> None:
    plan = FaultPlan()
    plan.arm(ORDER, UNKNOWN)
    plan.arm("*", DropAfter(), times=None)
    plan.take("POST", "/api/v3/order")
    plan.clear()
    assert plan.armed == []
    assert plan.take("POST", "/api/v3/order") is None
    assert plan.fired == [Firing(ORDER, UNKNOWN)]


def test_record_lists_firings_in_order_and_counts_every_request_seen() -> None:
    plan = FaultPlan()
    limited = ErrorBefore(429, -1003, "Too many requests.", retry_after=1)
    plan.arm("GET /api/v3/depth", limited)
    plan.arm(ORDER, UNKNOWN)
    plan.take("GET", "/api/v3/time")
    plan.take("GET", "/api/v3/depth")
    plan.take("GET", "/api/v3/depth")
    plan.take("POST", "/api/v3/order")
    assert plan.fired == [Firing("GET /api/v3/depth", limited), Firing(ORDER, UNKNOWN)]
    assert plan.seen == {"GET /api/v3/time": 1, "GET /api/v3/depth": 2, ORDER: 1}


@pytest.mark.parametrize("match", ["", "post /api/v3/order", "POST", "/api/v3/order", "GET *"])
def test_malformed_match_is_refused(match: str) -> None:
    with pytest.raises(ValueError, match="match must be"):
        FaultPlan().arm(match, UNKNOWN)


@pytest.mark.parametrize("times", [0, -1])
def test_times_below_one_is_refused(times: int) -> None:
    with pytest.raises(ValueError, match="times"):
        FaultPlan().arm(ORDER, UNKNOWN, times=times)


async def test_clear_releases_a_held_request() -> None:
    plan = FaultPlan()
    held = asyncio.create_task(plan.hold(3600))
    await asyncio.sleep(0)
    assert not held.done()
    plan.clear()
    await asyncio.wait_for(held, 5)
    assert held.done() and held.exception() is None


async def test_hold_after_clear_still_waits() -> None:
    plan = FaultPlan()
    plan.clear()
    held = asyncio.create_task(plan.hold(3600))
    await asyncio.sleep(0)
    assert not held.done()
    plan.clear()
    await asyncio.wait_for(held, 5)


async def test_hold_of_zero_returns() -> None:
    await asyncio.wait_for(FaultPlan().hold(0), 5)


def test_admin_spec_parses_each_kind_and_ignores_unused_fields() -> None:
    base = {"match": ORDER, "status": 503, "code": -1000, "msg": "m", "seconds": 0}
    expected = {
        "latency": Latency(0),
        "error_before": ErrorBefore(503, -1000, "m"),
        "error_after": ErrorAfter(503, -1000, "m"),
        "drop_after": DropAfter(),
        "timeout_after": TimeoutAfter(0),
    }
    for kind, fault in expected.items():
        spec, parsed = parse_fault({**base, "kind": kind})
        assert (spec.match, spec.times, parsed) == (ORDER, 1, fault)


def test_admin_spec_reads_times_and_retry_after() -> None:
    spec, fault = parse_fault(
        {
            "match": "*",
            "kind": "error_before",
            "status": 429,
            "code": -1003,
            "msg": "Too many requests.",
            "retry_after": 2,
            "times": None,
        }
    )
    assert spec.times is None
    assert fault == ErrorBefore(429, -1003, "Too many requests.", retry_after=2)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"match": ORDER, "kind": "explode"}, "kind"),
        ({"match": ORDER}, "kind"),
        ({"kind": "drop_after"}, "match"),
        ({"match": ORDER, "kind": "latency"}, "seconds"),
        ({"match": ORDER, "kind": "latency", "seconds": -1}, "seconds"),
        ({"match": ORDER, "kind": "error_after", "status": 200, "code": 0, "msg": ""}, "status"),
        ({"match": ORDER, "kind": "error_before", "status": 503, "code": -1}, "msg"),
        ({"match": ORDER, "kind": "drop_after", "times": 0}, "times"),
        ({"match": ORDER, "kind": "drop_after", "times": True}, "times"),
        ([ORDER], "object"),
    ],
)
def test_admin_spec_errors_name_the_field(spec: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_fault(spec)
