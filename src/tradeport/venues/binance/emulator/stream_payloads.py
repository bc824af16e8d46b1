"""Payloads of Binance's public market streams (PROTOCOLS.md §1.4 spot, §2.4 USDⓈ-M).

Field letters and their order follow the documented payloads; numbers are decimal
strings formatted as the REST answers of the same market write them (`MarketData`).
`E` is the event time, `T` (USDⓈ-M) the transaction / match time.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeport.emulator import decimal_text
from tradeport.emulator.funding import FUNDING_RATE, next_funding_ms
from tradeport.emulator.marketdata import BookView, Kline, Level, PublicTrade, Ticker24h
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator.depth_feed import DepthWindow
from tradeport.venues.binance.emulator.market import MarketData

Payload = dict[str, object]


class Payloads:
    def __init__(self, fmt: MarketData) -> None:
        self.fmt = fmt
        self.futures = fmt.market == "futures"

    def spec(self, symbol: str) -> SymbolSpec:
        return self.fmt.specs[symbol]

    def levels(self, symbol: str, levels: Sequence[Level]) -> list[list[str]]:
        spec = self.spec(symbol)
        return [[self.fmt.price(spec, p), self.fmt.qty(spec, q)] for p, q in levels]

    def trade(self, t: PublicTrade, now: int) -> Payload:
        spec = self.spec(t.symbol)
        price, qty = self.fmt.price(spec, t.price), self.fmt.qty(spec, t.qty)
        if self.futures:
            return {
                "e": "trade",
                "E": now,
                "T": t.ts_ms,
                "s": t.symbol,
                "t": t.trade_id,
                "p": price,
                "q": qty,
                "X": "MARKET",
                "m": t.buyer_is_maker,
            }
        return {
            "e": "trade",
            "E": now,
            "s": t.symbol,
            "t": t.trade_id,
            "p": price,
            "q": qty,
            "T": t.ts_ms,
            "m": t.buyer_is_maker,
            "M": True,
        }

    def agg_trade(self, agg_id: int, trades: Sequence[PublicTrade], now: int) -> Payload:
        """One aggregate of consecutive fills of one taker at one price."""
        first, last = trades[0], trades[-1]
        spec = self.spec(first.symbol)
        qty = self.fmt.qty(spec, sum((t.qty for t in trades), Decimal(0)))
        payload: Payload = {
            "e": "aggTrade",
            "E": now,
            "s": first.symbol,
            "a": agg_id,
            "p": self.fmt.price(spec, first.price),
            "q": qty,
        }
        if self.futures:
            payload["nq"] = qty  # no RPI orders here: all quantity is "normal"
        payload.update({"f": first.trade_id, "l": last.trade_id, "T": last.ts_ms})
        payload["m"] = first.buyer_is_maker
        if not self.futures:
            payload["M"] = True
        return payload

    def depth_update(self, window: DepthWindow, now: int) -> Payload:
        payload: Payload = {"e": "depthUpdate", "E": now}
        if self.futures:
            payload["T"] = window.ts_ms
        payload.update(
            {"s": window.symbol, "U": window.first_update_id, "u": window.last_update_id}
        )
        if self.futures:
            payload["pu"] = window.prev_update_id
        payload["b"] = self.levels(window.symbol, window.bid_levels())
        payload["a"] = self.levels(window.symbol, window.ask_levels())
        return payload

    def partial_depth(
        self, symbol: str, view: BookView, now: int, first_id: int, prev_id: int
    ) -> Payload:
        """Spot: `lastUpdateId, bids, asks`; USDⓈ-M: the depthUpdate shape (§2.4), with
        `first_id`/`prev_id` spanning the changes since the previous push."""
        bids, asks = self.levels(symbol, view.bids), self.levels(symbol, view.asks)
        if not self.futures:
            return {"lastUpdateId": view.update_id, "bids": bids, "asks": asks}
        return {
            "e": "depthUpdate",
            "E": now,
            "T": view.ts_ms,
            "s": symbol,
            "U": first_id,
            "u": view.update_id,
            "pu": prev_id,
            "b": bids,
            "a": asks,
        }

    def book_ticker(self, symbol: str, view: BookView, now: int) -> Payload:
        spec = self.spec(symbol)
        bid = view.bids[0] if view.bids else (Decimal(0), Decimal(0))
        ask = view.asks[0] if view.asks else (Decimal(0), Decimal(0))
        payload: Payload = {"e": "bookTicker"} if self.futures else {}
        payload.update(
            {
                "u": view.update_id,
                "s": symbol,
                "b": self.fmt.price(spec, bid[0]),
                "B": self.fmt.qty(spec, bid[1]),
                "a": self.fmt.price(spec, ask[0]),
                "A": self.fmt.qty(spec, ask[1]),
            }
        )
        if self.futures:
            payload.update({"T": view.ts_ms, "E": now})
        return payload

    def kline(
        self,
        symbol: str,
        interval: str,
        k: Kline,
        trade_ids: tuple[int, int],
        closed: bool,
        now: int,
    ) -> Payload:
        spec = self.spec(symbol)
        price, qty, amount = self.fmt.price, self.fmt.qty, self.fmt.amount
        bar: Payload = {
            "t": k.open_ms,
            "T": k.close_ms,
            "s": symbol,
            "i": interval,
            "f": trade_ids[0],
            "L": trade_ids[1],
            "o": price(spec, k.open),
            "c": price(spec, k.close),
            "h": price(spec, k.high),
            "l": price(spec, k.low),
            "v": qty(spec, k.volume),
            "n": k.trades,
            "x": closed,
            "q": amount(k.quote_volume),
            "V": qty(spec, k.taker_buy_volume),
            "Q": amount(k.taker_buy_quote_volume),
            "B": "0",
        }
        return {"e": "kline", "E": now, "s": symbol, "k": bar}

    @staticmethod
    def continuous_kline(kline: Payload, contract: str) -> Payload:
        """A kline event as the continuous contract stream words it: the pair (`ps`) and
        the contract type (`ct`) in place of the symbol, which the bar drops too."""
        bar = kline["k"]
        assert isinstance(bar, dict)
        return {
            "e": "continuous_kline",
            "E": kline["E"],
            "ps": kline["s"],
            "ct": contract,
            "k": {k: v for k, v in bar.items() if k != "s"},
        }

    def ticker(self, t: Ticker24h, now: int) -> Payload:
        spec = self.spec(t.symbol)
        price, qty = self.fmt.price, self.fmt.qty
        change = t.last - t.open
        percent = change / t.open * 100 if t.open else Decimal(0)
        payload: Payload = {
            "e": "24hrTicker",
            "E": now,
            "s": t.symbol,
            "p": price(spec, change),
            "P": decimal_text.fixed(percent, 3),
            "w": price(spec, t.weighted_avg),
        }
        if not self.futures:
            # the trade before the window is not kept; the window's open stands in for it
            payload["x"] = price(spec, t.open)
        payload.update({"c": price(spec, t.last), "Q": qty(spec, t.last_qty)})
        if not self.futures:
            payload.update(
                {
                    "b": price(spec, t.bid),
                    "B": qty(spec, t.bid_qty),
                    "a": price(spec, t.ask),
                    "A": qty(spec, t.ask_qty),
                }
            )
        payload.update(
            {
                "o": price(spec, t.open),
                "h": price(spec, t.high),
                "l": price(spec, t.low),
                "v": qty(spec, t.volume),
                "q": self.fmt.amount(t.quote_volume),
                "O": t.open_ms,
                "C": t.close_ms,
                "F": t.first_id,
                "L": t.last_id,
                "n": t.count,
            }
        )
        return payload

    def mini_ticker(self, t: Ticker24h, now: int) -> Payload:
        spec = self.spec(t.symbol)
        price = self.fmt.price
        return {
            "e": "24hrMiniTicker",
            "E": now,
            "s": t.symbol,
            "c": price(spec, t.last),
            "o": price(spec, t.open),
            "h": price(spec, t.high),
            "l": price(spec, t.low),
            "v": self.fmt.qty(spec, t.volume),
            "q": self.fmt.amount(t.quote_volume),
        }

    def mark_price(self, symbol: str, mark: Decimal, now: int) -> Payload:
        # one synthetic market: index, mark and estimated settle price coincide, funding
        # is flat; the same figures premiumIndex answers over REST
        text = decimal_text.fixed(mark, 8)
        return {
            "e": "markPriceUpdate",
            "E": now,
            "s": symbol,
            "p": text,
            "i": text,
            "P": text,
            "r": decimal_text.fixed(FUNDING_RATE, 8),
            "T": next_funding_ms(now),
        }
