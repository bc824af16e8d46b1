"""The emulators' funding model, alike on every venue: one synthetic market per
perpetual, so mark and index coincide and the rate is flat, settled every 8 hours
(00:00, 08:00, 16:00 UTC). The engine charges no funding; the skins report it."""

from __future__ import annotations

from decimal import Decimal

FUNDING_RATE = Decimal("0.0001")
FUNDING_INTERVAL_MS = 8 * 3_600_000


def next_funding_ms(now_ms: int) -> int:
    """The settlement following `now_ms`."""
    return now_ms - now_ms % FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS
