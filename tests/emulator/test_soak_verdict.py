"""The soak run's verdict: memory that settles passes, memory that keeps growing fails."""

from __future__ import annotations

from tradeport.emulator.soak import Sample, verdict


def samples(*rss: float) -> list[Sample]:
    return [Sample(60.0 * n, mb, {}, 0) for n, mb in enumerate(rss)]


def test_memory_that_settles_after_warming_up_is_flat() -> None:
    flat, text = verdict(samples(40, 52, 53, 53.5, 54, 54), warmup=0.2, margin=0.10)
    assert flat and "+3.8%" in text


def test_memory_that_keeps_growing_fails() -> None:
    flat, text = verdict(samples(40, 60, 80, 100, 120, 140), warmup=0.2, margin=0.10)
    assert not flat and "60.0 MB" in text and "140.0 MB" in text
