"""Market-data endpoints beyond the book and the last trades (PROTOCOLS.md §1.3, §2.3):
aggregate and older trades, the UI klines and the rolling-window ticker on spot, and
aggregate trades, older trades, funding history, open interest and its history on USDⓈ-M.
The trader statistics beside openInterestHist under /futures/data (top trader and
taker long/short ratios, basis) are not served: the emulator has no crowd of traders
whose ratios they would describe.

Rows are rendered by the market's `MarketData`, so prices and sizes read as they do
on the core endpoints. What the emulator's tape keeps (the last 5,000 trades per symbol)
bounds how far back trade ids reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradeport.emulator import decimal_text
from tradeport.emulator.engine import PublicTrade
from tradeport.emulator.funding import FUNDING_INTERVAL_MS, FUNDING_RATE
from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.errors import BinanceApiError, start_after_end
from tradeport.venues.binance.emulator.market import MINUTE_MS, MarketData
from tradeport.venues.binance.emulator.open_interest_log import RETENTION_MS, OpenInterestLog
from tradeport.venues.binance.emulator.symbols import SymbolSpec

ALL_KEPT = 1_000_000  # more trades than any tape keeps: "all of them"
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# openInterestHist's `period` values (§2.3)
OI_PERIODS = {
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
}
# windowSize of the rolling ticker: 1m-59m, 1h-23h, 1d-7d (§1.3)
_WINDOW_UNITS = {"m": (MINUTE_MS, 59), "h": (HOUR_MS, 23), "d": (DAY_MS, 7)}


def window_ms(text: str) -> int:
    """A rolling ticker's `windowSize` in milliseconds; -1100 for anything else."""
    unit = _WINDOW_UNITS.get(text[-1:])
    count = text[:-1]
    if unit is None or not count.isdigit() or not 1 <= int(count) <= unit[1]:
        raise BinanceApiError(-1100, "Invalid windowSize.")
    return int(count) * unit[0]


def aggregates(trades: Iterable[PublicTrade]) -> list[list[PublicTrade]]:
    """Consecutive trades at one time, price and taker side, as one aggregate (the
    fills of one taker order at one price level)."""
    groups: list[list[PublicTrade]] = []
    for trade in trades:
        last = groups[-1][-1] if groups else None
        same = last is not None and (last.ts_ms, last.price, last.buyer_is_maker) == (
            trade.ts_ms,
            trade.price,
            trade.buyer_is_maker,
        )
        if same:
            groups[-1].append(trade)
        else:
            groups.append([trade])
    return groups


class MarketHistory:
    def __init__(self, data: MarketData) -> None:
        self.data = data
        self.engine = data.engine
        self.oi_log = OpenInterestLog(self.engine) if data.market == "futures" else None

    def routes(self) -> dict[str, Route]:
        if self.data.market == "spot":
            p = "/api/v3"
            return {
                f"GET {p}/aggTrades": Route(self.agg_trades),
                f"GET {p}/historicalTrades": Route(self.historical_trades),
                # the same bars as /klines: Binance tunes uiKlines for charts, the engine's
                # bars already are what a chart shows
                f"GET {p}/uiKlines": Route(self.data.klines),
                f"GET {p}/ticker": Route(self.rolling_ticker),
            }
        p = "/fapi/v1"
        return {
            f"GET {p}/aggTrades": Route(self.agg_trades),
            f"GET {p}/historicalTrades": Route(self.historical_trades),
            f"GET {p}/fundingRate": Route(self.funding_rate),
            f"GET {p}/openInterest": Route(self.open_interest),
            "GET /futures/data/openInterestHist": Route(self.open_interest_history),
        }

    # -- trades ------------------------------------------------------------------------
    def _kept(self, spec: SymbolSpec) -> list[PublicTrade]:
        return self.engine.recent_trades(spec.symbol, ALL_KEPT)

    def historical_trades(self, call: Call) -> object:
        spec = self.data.spec(call)
        limit = self.data.limit(call, 500, 1000)
        from_id = call.params.integer("fromId")
        kept = self._kept(spec)
        chosen = kept[-limit:] if from_id is None else [t for t in kept if t.trade_id >= from_id]
        return [self.data.trade_row(spec, t) for t in chosen[:limit]]

    def agg_trades(self, call: Call) -> object:
        """Aggregates numbered by their first trade's id (unique and rising; Binance
        numbers them apart, the stream here likewise)."""
        spec = self.data.spec(call)
        limit = self.data.limit(call, 500, 1000)
        from_id = call.params.integer("fromId")
        start, end = call.params.integer("startTime"), call.params.integer("endTime")
        if start is not None and end is not None and start > end:
            raise start_after_end()
        groups = aggregates(self._kept(spec))
        if from_id is not None:
            groups = [g for g in groups if g[0].trade_id >= from_id]
        if start is not None:
            groups = [g for g in groups if g[0].ts_ms >= start]
        if end is not None:
            groups = [g for g in groups if g[0].ts_ms <= end]
        chosen = groups[:limit] if from_id is not None or start is not None else groups[-limit:]
        return [self._aggregate(spec, g) for g in chosen]

    def _aggregate(self, spec: SymbolSpec, group: list[PublicTrade]) -> dict[str, object]:
        first, last = group[0], group[-1]
        row: dict[str, object] = {
            "a": first.trade_id,
            "p": self.data.price(spec, first.price),
            "q": self.data.qty(spec, sum((t.qty for t in group), Decimal(0))),
            "f": first.trade_id,
            "l": last.trade_id,
            "T": first.ts_ms,
            "m": first.buyer_is_maker,
        }
        if self.data.market == "spot":
            row["M"] = True
        return row

    # -- spot rolling ticker -----------------------------------------------------------
    def rolling_ticker(self, call: Call) -> object:
        """`/api/v3/ticker`: `symbol` or `symbols` is required (§1.3)."""
        if call.params.get("symbol") is None and call.params.get("symbols") is None:
            raise BinanceApiError(
                -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
            )
        span = window_ms(call.params.get("windowSize") or "1d")
        kind = call.params.get("type") or "FULL"
        if kind not in ("FULL", "MINI"):
            raise BinanceApiError(
                -1100, "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'."
            )

        def render(spec: SymbolSpec) -> dict[str, object]:
            t = self.engine.ticker_24h(spec.symbol, span)
            change = t.last - t.open
            row: dict[str, object] = {"symbol": spec.symbol}
            if kind == "FULL":
                row["priceChange"] = self.data.price(spec, change)
                row["priceChangePercent"] = decimal_text.fixed(
                    change / t.open * 100 if t.open else Decimal(0), 3
                )
                row["weightedAvgPrice"] = self.data.price(spec, t.weighted_avg)
            row["openPrice"] = self.data.price(spec, t.open)
            row["highPrice"] = self.data.price(spec, t.high)
            row["lowPrice"] = self.data.price(spec, t.low)
            row["lastPrice"] = self.data.price(spec, t.last)
            row["volume"] = self.data.qty(spec, t.volume)
            row["quoteVolume"] = self.data.amount(t.quote_volume)
            row["openTime"] = t.open_ms
            row["closeTime"] = t.close_ms
            row["firstId"] = t.first_id
            row["lastId"] = t.last_id
            row["count"] = t.count
            return row

        return self.data.each(call, render)

    # -- USDⓈ-M funding and open interest ---------------------------------------------
    def funding_rate(self, call: Call) -> object:
        """Past settlements (every 8 h) at the emulator's flat rate, oldest first; the
        most recent `limit` (100 by default, 1000 at most) unless a window is given."""
        symbol = call.params.get("symbol")
        specs = list(self.data.specs.values()) if symbol is None else [self.data.spec(call)]
        limit = self.data.limit(call, 100, 1000)
        start, end = call.params.integer("startTime"), call.params.integer("endTime")
        if start is not None and end is not None and start > end:
            raise start_after_end()
        last = min(end if end is not None else call.now_ms, call.now_ms)
        last -= last % FUNDING_INTERVAL_MS
        times: list[int] = []
        t = last
        while len(times) < limit and (start is None or t >= start) and t > 0:
            times.append(t)
            t -= FUNDING_INTERVAL_MS
        if start is not None:
            times = times[::-1][:limit]  # from the start forward
        else:
            times.reverse()
        rows = []
        for spec in specs:
            for settled in times:
                rows.append(
                    {
                        "symbol": spec.symbol,
                        "fundingTime": settled,
                        "fundingRate": decimal_text.fixed(FUNDING_RATE, 8),
                        "markPrice": decimal_text.fixed(self._mark_at(spec, settled), 8),
                    }
                )
        return rows[:limit] if symbol is None else rows

    def _mark_at(self, spec: SymbolSpec, ts_ms: int) -> Decimal:
        bars = self.engine.klines(spec.symbol, MINUTE_MS, ts_ms - MINUTE_MS, ts_ms, 1)
        return bars[0].close if bars else self.engine.mark_price(spec.symbol)

    def open_interest(self, call: Call) -> object:
        spec = self.data.spec(call)
        return {
            "openInterest": self.data.qty(spec, self.engine.open_interest(spec.symbol)),
            "symbol": spec.symbol,
            "time": call.now_ms,
        }

    def open_interest_history(self, call: Call) -> object:
        """Open interest at each `period` boundary, oldest first: the last `limit` (30
        by default, 500 at most) up to `endTime` (now), from `startTime` when given,
        within the last 30 days. The docs' example also carries CMCCirculatingSupply, a
        market-data vendor's figure the emulator has no source for [?]."""
        assert self.oi_log is not None  # routed on USDⓈ-M only
        spec = self.data.spec(call)
        period_text = call.params.require("period")
        period = OI_PERIODS.get(period_text)
        if period is None:
            raise BinanceApiError(-1130, "Invalid data sent for parameter 'period'.")
        limit = self.data.limit(call, 30, 500)
        start, end = call.params.integer("startTime"), call.params.integer("endTime")
        if start is not None and end is not None and start > end:
            raise start_after_end()
        last = min(end if end is not None else call.now_ms, call.now_ms)
        first = call.now_ms - RETENTION_MS
        if start is not None:
            first = max(first, start)
        times = []
        t = last - last % period
        while t >= first:
            times.append(t)
            t -= period
        times.reverse()
        times = times[:limit] if start is not None else times[-limit:]
        rows = []
        for ts in times:
            qty = self.oi_log.at(spec.symbol, ts)
            rows.append(
                {
                    "symbol": spec.symbol,
                    "sumOpenInterest": decimal_text.fixed(qty, 8),
                    "sumOpenInterestValue": decimal_text.fixed(qty * self._mark_at(spec, ts), 8),
                    "timestamp": ts,
                }
            )
        return rows
