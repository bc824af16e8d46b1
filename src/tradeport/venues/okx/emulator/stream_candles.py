"""Candles of the `candle<bar>` channels on `/ws/v5/business` (PROTOCOLS.md §3.3-3.4; docs-v5
"WS / Candlesticks channel").

Bars `1s`, `1m` … `4H` are aligned to the epoch; `6H`, `12H`, `1D`, `2D`, `3D`, `5D`,
`1W`, `1M`, `3M` open at UTC+8 boundaries (Hong Kong time, OKX's default) and their
`…utc` twins at UTC ones; weeks open on Monday, months on the 1st, `3M` quarters in
January, April, July and October. Multi-day bars count whole days from the epoch in their
time zone [?: OKX does not document their anchor]. A candle is the sum of the tape's
second, minute or hour klines it spans, so it agrees with the REST candles of the same
unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tradeport.emulator.engine import Engine, Kline
from tradeport.emulator.host.candles import merge_klines
from tradeport.emulator.tape import DAY_MS, MINUTE_MS

SECOND_MS = 1000
HOUR_MS = 3_600_000
UTC8_MS = 8 * HOUR_MS
_WEEK_ORIGIN_MS = 4 * DAY_MS  # the epoch was a Thursday; weeks open on Monday


@dataclass(frozen=True, slots=True)
class BarSpec:
    name: str
    length_ms: int = 0  # fixed-length bars
    months: int = 0  # calendar bars (1M, 3M)
    offset_ms: int = 0  # UTC+8 bars: 8 h

    def open_of(self, ts_ms: int) -> int:
        """Open time of the bar holding `ts_ms`."""
        if self.months:
            return _month_open(ts_ms, self.months, self.offset_ms)
        origin = (_WEEK_ORIGIN_MS if self.length_ms == 7 * DAY_MS else 0) - self.offset_ms
        return ts_ms - (ts_ms - origin) % self.length_ms

    def end_of(self, open_ms: int) -> int:
        """The first millisecond after the bar that opened at `open_ms`."""
        if self.months:
            local = datetime.fromtimestamp((open_ms + self.offset_ms) / 1000, tz=UTC)
            month = local.month - 1 + self.months
            nxt = local.replace(year=local.year + month // 12, month=month % 12 + 1)
            return int(nxt.timestamp() * 1000) - self.offset_ms
        return open_ms + self.length_ms

    @property
    def unit_ms(self) -> int:
        """The tape kline interval the bar is summed from."""
        if self.months or self.length_ms >= HOUR_MS:
            return HOUR_MS
        return MINUTE_MS if self.length_ms >= MINUTE_MS else SECOND_MS


def _bars() -> dict[str, BarSpec]:
    out = {"1s": BarSpec("1s", SECOND_MS)}
    for minutes in (1, 3, 5, 15, 30):
        out[f"{minutes}m"] = BarSpec(f"{minutes}m", minutes * MINUTE_MS)
    for hours in (1, 2, 4):
        out[f"{hours}H"] = BarSpec(f"{hours}H", hours * HOUR_MS)
    zoned = {"6H": 6 * HOUR_MS, "12H": 12 * HOUR_MS, "1W": 7 * DAY_MS}
    zoned.update({f"{days}D": days * DAY_MS for days in (1, 2, 3, 5)})
    for name, length in zoned.items():
        out[name] = BarSpec(name, length, offset_ms=UTC8_MS)
        out[f"{name}utc"] = BarSpec(f"{name}utc", length)
    for months in (1, 3):
        out[f"{months}M"] = BarSpec(f"{months}M", months=months, offset_ms=UTC8_MS)
        out[f"{months}Mutc"] = BarSpec(f"{months}Mutc", months=months)
    return out


BARS: dict[str, BarSpec] = _bars()


def candle(engine: Engine, symbol: str, spec: BarSpec, open_ms: int, now_ms: int) -> Kline | None:
    """The bar opening at `open_ms` as of `now_ms` (flat at the last close when quiet), or
    None before the instrument's first trade."""
    end = spec.end_of(open_ms)
    unit = spec.unit_ms
    count = (end - open_ms + unit - 1) // unit
    parts = engine.klines(symbol, unit, open_ms, min(end - 1, now_ms), count)
    if not parts:
        return None
    return merge_klines(parts, open_ms, end - 1)


def _month_open(ts_ms: int, months: int, offset_ms: int) -> int:
    local = datetime.fromtimestamp((ts_ms + offset_ms) / 1000, tz=UTC)
    month = (local.month - 1) // months * months + 1
    start = datetime(local.year, month, 1, tzinfo=UTC)
    return int(start.timestamp() * 1000) - offset_ms
