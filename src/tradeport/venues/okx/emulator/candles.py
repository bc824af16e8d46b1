"""OKX candle bars (PROTOCOLS.md §3.3): `1m`…`4H` and the `…utc` forms align to UTC;
`6H`, `12H`, `1D`, `2D`, `3D`, `1W` align to UTC+8 (Hong Kong time), so they are folded
here from hourly bars with an 8-hour offset. Rows are
`[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`, newest first."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.engine import Engine, Kline
from tradeport.emulator.host.candles import merge_klines
from tradeport.emulator.tape import DAY_MS, MINUTE_MS, WEEK_MS

HOUR_MS = 60 * MINUTE_MS
UTC8_OFFSET_MS = 8 * HOUR_MS
UTC_BARS: dict[str, int] = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1H": HOUR_MS,
    "2H": 2 * HOUR_MS,
    "4H": 4 * HOUR_MS,
    "6Hutc": 6 * HOUR_MS,
    "12Hutc": 12 * HOUR_MS,
    "1Dutc": DAY_MS,
    "2Dutc": 2 * DAY_MS,
    "3Dutc": 3 * DAY_MS,
    "1Wutc": WEEK_MS,
}
UTC8_BARS: dict[str, int] = {
    "6H": 6 * HOUR_MS,
    "12H": 12 * HOUR_MS,
    "1D": DAY_MS,
    "2D": 2 * DAY_MS,
    "3D": 3 * DAY_MS,
    "1W": WEEK_MS,
}
BARS = (*UTC_BARS, *UTC8_BARS)
# Monday 00:00 UTC+8 is Sunday 16:00 UTC; the epoch was a Thursday
_WEEK_ORIGIN_MS = 4 * DAY_MS - UTC8_OFFSET_MS


def interval_of(bar: str) -> int:
    return UTC_BARS.get(bar) or UTC8_BARS[bar]


def _utc8_open(ts_ms: int, interval_ms: int) -> int:
    if interval_ms == WEEK_MS:
        return ts_ms - (ts_ms - _WEEK_ORIGIN_MS) % WEEK_MS
    return ts_ms - (ts_ms + UTC8_OFFSET_MS) % interval_ms


def klines(engine: Engine, inst: str, bar: str, end_ms: int | None, limit: int) -> list[Kline]:
    """The most recent `limit` bars opening at or before `end_ms`, oldest first."""
    if bar in UTC_BARS:
        return engine.klines(inst, UTC_BARS[bar], None, end_ms, limit)
    interval = UTC8_BARS[bar]
    hours_per_bar = interval // HOUR_MS
    last_open = _utc8_open(end_ms if end_ms is not None else engine.now_ms(), interval)
    first_open = last_open - (limit - 1) * interval
    hourly = engine.klines(
        inst, HOUR_MS, first_open, last_open + interval - 1, (limit + 1) * hours_per_bar
    )
    by_open: dict[int, list[Kline]] = {}
    for hour in hourly:
        by_open.setdefault(_utc8_open(hour.open_ms, interval), []).append(hour)
    out = [merge_klines(hours, opened, opened + interval - 1) for opened, hours in by_open.items()]
    return out[-limit:]


def volumes(k: Kline, ct_val: Decimal | None) -> tuple[Decimal, Decimal, Decimal]:
    """(vol, volCcy, volCcyQuote): SWAP counts contracts, base and quote; spot counts
    base, quote and quote."""
    if ct_val is None:
        return k.volume, k.quote_volume, k.quote_volume
    return k.volume / ct_val, k.volume, k.quote_volume
