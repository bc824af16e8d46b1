"""Field values of the `tickers.{symbol}` topic (PROTOCOLS.md §4.4, websocket/public/ticker).

Linear pushes a snapshot on subscribe, then deltas carrying only the fields that
changed; spot pushes snapshots only. The emulator has one synthetic market per symbol,
so the index price is the mark price (the engine's mid), and funding is a constant rate
settled every 8 hours (Bybit's default interval for USDT perpetuals); the engine
charges no funding.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from tradeport.emulator.engine import Engine
from tradeport.emulator.funding import FUNDING_RATE, next_funding_ms
from tradeport.emulator.tape import MINUTE_MS, bucket_open
from tradeport.venues.bybit.emulator.stream_payloads import Fields, SymbolText

HOUR_MS = 3_600_000
_ZERO = Decimal(0)


def tick_direction(previous: Decimal | None, price: Decimal, last_direction: str) -> str:
    """Bybit's `tickDirection` (enum.mdx) of a trade at `price` after one at `previous`."""
    if previous is None or price == previous:
        return "ZeroMinusTick" if last_direction.endswith("MinusTick") else "ZeroPlusTick"
    return "PlusTick" if price > previous else "MinusTick"


class TickerFields:
    """Computes one category's ticker fields from the engine."""

    def __init__(
        self,
        engine: Engine,
        texts: dict[str, SymbolText],
        open_interest: Callable[[str], Decimal],
    ) -> None:
        self.engine = engine
        self.texts = texts
        self.open_interest = open_interest

    def spot(self, symbol: str, now_ms: int) -> Fields:
        text = self.texts[symbol]
        stats = self.engine.ticker_24h(symbol)
        return {
            "symbol": symbol,
            "lastPrice": text.price(stats.last),
            "highPrice24h": text.price(stats.high),
            "lowPrice24h": text.price(stats.low),
            "prevPrice24h": text.price(stats.open),
            "volume24h": _plain(stats.volume),
            "turnover24h": _plain(stats.quote_volume),
            "price24hPcnt": _change(stats.last, stats.open, "0.0001"),
            "usdIndexPrice": _plain(self._mark(symbol)),
        }

    def linear(self, symbol: str, now_ms: int, direction: str) -> Fields:
        text = self.texts[symbol]
        stats = self.engine.ticker_24h(symbol)
        mark = text.price(self._mark(symbol))
        interest = self.open_interest(symbol)
        return {
            "symbol": symbol,
            "tickDirection": direction,
            "price24hPcnt": _change(stats.last, stats.open, "0.000001"),
            "lastPrice": text.price(stats.last),
            "prevPrice24h": text.price(stats.open),
            "highPrice24h": text.price(stats.high),
            "lowPrice24h": text.price(stats.low),
            "prevPrice1h": text.price(self._price_hour_ago(symbol, now_ms, stats.last)),
            "markPrice": mark,
            "indexPrice": mark,
            "openInterest": text.size(interest),
            "openInterestValue": _money(interest * Decimal(mark)),
            "turnover24h": _plain(stats.quote_volume),
            "volume24h": text.size(stats.volume),
            "nextFundingTime": str(next_funding_ms(now_ms)),
            "fundingRate": _plain(FUNDING_RATE),
            "bid1Price": text.price(stats.bid),
            "bid1Size": text.size(stats.bid_qty),
            "ask1Price": text.price(stats.ask),
            "ask1Size": text.size(stats.ask_qty),
        }

    def _mark(self, symbol: str) -> Decimal:
        tick = self.engine.instruments[symbol].tick_size
        return self.engine.mark_price(symbol).quantize(tick, rounding=ROUND_HALF_UP)

    def _price_hour_ago(self, symbol: str, now_ms: int, last: Decimal) -> Decimal:
        minute = bucket_open(now_ms - HOUR_MS, MINUTE_MS)
        bars = self.engine.klines(symbol, MINUTE_MS, minute, minute, 1)
        return bars[0].open if bars else last


def _change(last: Decimal, previous: Decimal, places: str) -> str:
    if previous == 0:
        return "0"
    return _plain(((last - previous) / previous).quantize(Decimal(places), ROUND_HALF_UP))


def _money(value: Decimal) -> str:
    return _plain(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _plain(value: Decimal) -> str:
    return "0" if value == 0 else f"{value.normalize():f}"
