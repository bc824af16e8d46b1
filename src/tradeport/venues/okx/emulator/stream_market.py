"""Rows of the `tickers`, `mark-price` and `funding-rate` channels (PROTOCOLS.md §3.3;
docs-v5 "WS / Tickers channel", "WS / Mark price channel", "WS / Funding rate channel").

Ticker sizes are the venue's: SWAP `lastSz`, `askSz`, `bidSz`, `vol24h` in contracts and
`volCcy24h` in the base currency; SPOT `vol24h` in base and `volCcy24h` in quote.
`sodUtc0` / `sodUtc8` are the opening prices of the day at UTC 0 and UTC+8.

The emulator has one synthetic market per instrument: the mark price is the engine's mark
(its mid) at tick precision, and funding is a constant rate settled every 8 hours
(00:00, 08:00, 16:00 UTC); the engine charges no funding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine
from tradeport.emulator.funding import FUNDING_INTERVAL_MS, FUNDING_RATE, next_funding_ms
from tradeport.emulator.tape import DAY_MS, MINUTE_MS
from tradeport.venues.okx.emulator.stream_payloads import Frame, InstText

UTC8_MS = 8 * 3_600_000
FUNDING_CAP = Decimal("0.0075")  # the bound REST reports too


def ticker(engine: Engine, text: InstText, now_ms: int) -> Frame:
    stats = engine.ticker_24h(text.inst_id)
    swap = text.inst_type == "SWAP"
    return {
        "instType": text.inst_type,
        "instId": text.inst_id,
        "last": text.px(stats.last),
        "lastSz": text.sz(stats.last_qty),
        "askPx": text.px(stats.ask),
        "askSz": text.sz(stats.ask_qty),
        "bidPx": text.px(stats.bid),
        "bidSz": text.sz(stats.bid_qty),
        "open24h": text.px(stats.open),
        "high24h": text.px(stats.high),
        "low24h": text.px(stats.low),
        "volCcy24h": plain(stats.volume if swap else stats.quote_volume),
        "vol24h": text.sz(stats.volume) if swap else plain(stats.volume),
        "sodUtc0": text.px(_day_open(engine, text.inst_id, now_ms, 0, stats.last)),
        "sodUtc8": text.px(_day_open(engine, text.inst_id, now_ms, UTC8_MS, stats.last)),
        "ts": str(now_ms),
    }


def mark_price(engine: Engine, text: InstText, now_ms: int) -> Frame:
    """`mark-price` row; a spot instrument's mark is listed under instType MARGIN."""
    return {
        "instType": "SWAP" if text.inst_type == "SWAP" else "MARGIN",
        "instId": text.inst_id,
        "markPx": text.px(_mark(engine, text.inst_id)),
        "ts": str(now_ms),
    }


def funding_rate(inst_id: str, now_ms: int) -> Frame:
    """`funding-rate` row: the current period's rate, settled at `fundingTime`; the same
    fields and values as REST `/api/v5/public/funding-rate`."""
    funding_time = next_funding_ms(now_ms)
    rate = plain(FUNDING_RATE)
    return {
        "instType": "SWAP",
        "instId": inst_id,
        "method": "current_period",
        "formulaType": "withRate",
        "fundingRate": rate,
        "nextFundingRate": "",
        "fundingTime": str(funding_time),
        "nextFundingTime": str(funding_time + FUNDING_INTERVAL_MS),
        "minFundingRate": plain(-FUNDING_CAP),
        "maxFundingRate": plain(FUNDING_CAP),
        "interestRate": "0.0001",
        "impactValue": "",
        "settState": "settled",
        "settFundingRate": rate,
        "premium": "0",
        "sett": "",
        "ts": str(now_ms),
    }


def _mark(engine: Engine, symbol: str) -> Decimal:
    tick = engine.instruments[symbol].tick_size
    return engine.mark_price(symbol).quantize(tick, rounding=ROUND_HALF_UP)


def _day_open(engine: Engine, symbol: str, now_ms: int, offset_ms: int, last: Decimal) -> Decimal:
    """Opening price of the day (in the zone `offset_ms` east of UTC) holding `now_ms`:
    its first minute's open, or the last price when nothing has traded since."""
    start = (now_ms + offset_ms) // DAY_MS * DAY_MS - offset_ms
    bars = engine.klines(symbol, MINUTE_MS, start, now_ms, 1)
    return bars[0].open if bars else last
