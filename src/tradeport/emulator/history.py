"""Seeded past trading for a symbol: a minute-by-minute price path ending at the touch."""

from __future__ import annotations

import math
import random
from decimal import Decimal

from tradeport.emulator.engine import HistoricalTrade
from tradeport.emulator.instrument import EngineInstrument
from tradeport.emulator.tape import MINUTE_MS


def synthetic_history(
    rng: random.Random,
    instrument: EngineInstrument,
    *,
    minutes: int,
    now_ms: int,
    mid_ticks: float,
    minute_volatility: float,
    level_qty: Decimal,
    touch: tuple[Decimal | None, Decimal | None],
) -> list[HistoricalTrade]:
    """Trades for the `minutes` whole minutes before `now_ms`, in time order.

    The path is walked backwards from today's mid so it ends where the market is; the
    last trade prints at the current best bid or ask, as a real last trade would.
    """
    if minutes <= 0:
        return []
    path = [mid_ticks]
    for _ in range(minutes):
        path.append(max(1.0, path[-1] * math.exp(-minute_volatility * rng.gauss(0.0, 1.0))))
    path.reverse()  # path[m] is the price at the start of minute m, path[-1] is now
    first_minute = now_ms - now_ms % MINUTE_MS - minutes * MINUTE_MS
    trades: list[HistoricalTrade] = []
    for minute in range(minutes):
        begin, end = path[minute], path[minute + 1]
        count = rng.randint(2, 8)
        offsets = sorted(rng.randrange(MINUTE_MS) for _ in range(count))
        for n, offset in enumerate(offsets):
            progress = (n + 1) / count
            ticks = begin + (end - begin) * progress + rng.gauss(0.0, 1.0)
            price = max(1, round(ticks)) * instrument.tick_size
            ts_ms = first_minute + minute * MINUTE_MS + offset
            qty = _qty(rng, instrument, level_qty)
            trades.append((ts_ms, price, qty, rng.random() < 0.5))
    bid, ask = touch
    buyer_is_maker = rng.random() < 0.5 if bid is not None and ask is not None else ask is None
    last_price = bid if buyer_is_maker else ask
    if last_price is not None:
        last_ts = max(trades[-1][0], now_ms - 1)
        trades.append((last_ts, last_price, _qty(rng, instrument, level_qty), buyer_is_maker))
    return trades


def _qty(rng: random.Random, instrument: EngineInstrument, level_qty: Decimal) -> Decimal:
    smallest = instrument.min_qty if instrument.min_qty > 0 else instrument.step_size
    scale = Decimal(str(round(rng.uniform(0.02, 0.8), 4)))
    return max(smallest, instrument.floor_qty(level_qty * scale))
