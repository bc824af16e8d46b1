"""Server-clock offset from NTP-style samples."""

from __future__ import annotations

import pytest

from tradeport.model.errors import BadParameter
from tradeport.transport.clock import ServerClock


class Wall:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self) -> float:
        return self.seconds


def test_offset_assumes_the_server_stamped_at_the_round_trip_midpoint() -> None:
    clock = ServerClock(wall_clock=Wall(0))
    clock.add_sample(server_ms=1_000_500, sent_local_ms=1_000_000, received_local_ms=1_000_200)
    assert clock.offset_ms == 400  # midpoint 1_000_100
    assert clock.rtt_ms == 200


def test_now_ms_is_local_time_plus_the_offset() -> None:
    wall = Wall(1_700_000_000.0)
    clock = ServerClock(wall_clock=wall)
    assert clock.now_ms() == 1_700_000_000_000
    clock.add_sample(1_700_000_001_250, 1_700_000_000_000, 1_700_000_000_100)
    assert clock.offset_ms == 1_200
    wall.seconds += 2.0
    assert clock.now_ms() == 1_700_000_003_200


def test_a_server_behind_the_local_clock_gives_a_negative_offset() -> None:
    clock = ServerClock(wall_clock=Wall(0))
    clock.add_sample(server_ms=9_000, sent_local_ms=10_000, received_local_ms=10_020)
    assert clock.offset_ms == -1_010


def test_the_lowest_round_trip_sample_wins() -> None:
    clock = ServerClock(wall_clock=Wall(0))
    clock.add_sample(5_300, 5_000, 5_400)  # rtt 400, offset 100
    clock.add_sample(6_060, 6_000, 6_020)  # rtt 20, offset 50
    clock.add_sample(7_500, 7_000, 7_300)  # rtt 300, offset 350
    assert (clock.offset_ms, clock.rtt_ms) == (50, 20)


def test_only_a_few_recent_samples_are_kept() -> None:
    clock = ServerClock(wall_clock=Wall(0), max_samples=2)
    clock.add_sample(1_010, 1_000, 1_010)  # rtt 10, offset 5
    clock.add_sample(2_100, 2_000, 2_100)  # rtt 100, offset 50
    clock.add_sample(3_090, 3_000, 3_080)  # rtt 80, offset 50
    assert len(clock.samples) == 2
    assert clock.rtt_ms == 80  # the rtt-10 sample has aged out


def test_a_sample_received_before_it_was_sent_is_refused() -> None:
    clock = ServerClock(wall_clock=Wall(0))
    with pytest.raises(BadParameter):
        clock.add_sample(1_000, 2_000, 1_999)


async def test_sync_samples_the_server_and_returns_the_offset() -> None:
    wall = Wall(1_000.0)
    latencies = iter([0.300, 0.040, 0.200])  # seconds per round trip
    skew_ms = 2_500  # the server runs 2.5 s ahead

    async def fetch() -> int:
        rtt = next(latencies)
        wall.seconds += rtt / 2
        stamp = round(wall.seconds * 1000) + skew_ms
        wall.seconds += rtt / 2
        return stamp

    clock = ServerClock(wall_clock=wall)
    offset = await clock.sync(fetch, samples=3)
    assert offset == pytest.approx(skew_ms)
    assert clock.rtt_ms == pytest.approx(40)
    assert clock.now_ms() == pytest.approx(round(wall.seconds * 1000) + skew_ms, abs=1)


async def test_resync_drops_stale_samples() -> None:
    wall = Wall(50.0)
    skew = {"ms": 1_000}

    async def fetch() -> int:
        return round(wall.seconds * 1000) + skew["ms"]  # instant round trip

    clock = ServerClock(wall_clock=wall)
    await clock.sync(fetch)
    skew["ms"] = -3_000  # the venue's clock jumped; its new samples are slower
    latencies = iter([0.010, 0.010])

    async def slower_fetch() -> int:
        wall.seconds += next(latencies) / 2
        stamp = round(wall.seconds * 1000) + skew["ms"]
        wall.seconds += 0.005
        return stamp

    assert await clock.sync(slower_fetch, samples=2) == pytest.approx(-3_000)


async def test_sync_needs_at_least_one_sample() -> None:
    async def fetch() -> int:
        return 0

    with pytest.raises(BadParameter):
        await ServerClock().sync(fetch, samples=0)
