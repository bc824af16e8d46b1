"""The emulators' shared funding schedule: every 8 hours from 00:00 UTC."""

from __future__ import annotations

from tradeport.emulator.funding import FUNDING_INTERVAL_MS, next_funding_ms

T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC


def test_next_funding_is_the_following_eight_hour_mark() -> None:
    assert next_funding_ms(T0) == 1_700_006_400_000  # 2023-11-15 00:00 UTC
    assert next_funding_ms(1_700_006_400_000) == 1_700_006_400_000 + FUNDING_INTERVAL_MS
