"""Public market-data endpoints (PROTOCOLS.md §3.3): server time, instruments, tickers,
order book, candles, recent trades, mark price, funding rate. instTypes MARGIN, FUTURES
and OPTION are valid but list nothing here (the emulator trades SPOT and SWAP only)."""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine, PublicTrade
from tradeport.emulator.listing import ListingState
from tradeport.emulator.tape import DAY_MS, MINUTE_MS
from tradeport.venues.okx.emulator import candles, stream_market
from tradeport.venues.okx.emulator.calls import Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import invalid, missing, no_instrument
from tradeport.venues.okx.emulator.ids import (
    INST_TYPES,
    InstType,
    inst_id,
    inst_type_of,
    trade_id_text,
    uly,
)
from tradeport.venues.okx.emulator.instruments import (
    inst_id_codes,
    spot_instrument,
    swap_instrument,
)
from tradeport.venues.okx.emulator.rejects import price_limits

ALL_INST_TYPES = ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")
DERIVATIVES = ("MARGIN", "SWAP", "FUTURES", "OPTION")
BOOK_SIZE = (1, 400)  # (default, maximum) of `sz`
CANDLE_LIMITS = {"candles": (100, 300), "history-candles": (100, 100)}
TRADE_LIMIT = (100, 500)
TIER_MAX_CONTRACTS = Decimal(100_000_000)  # the one position tier's upper size
HOUR_MS = 60 * MINUTE_MS


class MarketData:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /api/v5/public/time": Route(self.time),
            "GET /api/v5/public/instruments": Route(self.instruments),
            "GET /api/v5/market/ticker": Route(self.ticker),
            "GET /api/v5/market/tickers": Route(self.tickers),
            "GET /api/v5/market/books": Route(self.books),
            "GET /api/v5/market/candles": Route(self.candles),
            "GET /api/v5/market/history-candles": Route(self.history_candles),
            "GET /api/v5/market/trades": Route(self.trades),
            "GET /api/v5/public/mark-price": Route(self.mark_price),
            "GET /api/v5/public/funding-rate": Route(self.funding_rate),
            "GET /api/v5/public/price-limit": Route(self.price_limit),
            "GET /api/v5/public/position-tiers": Route(self.position_tiers),
        }

    # -- helpers -----------------------------------------------------------------------
    def listed(self, inst: str) -> tuple[InstType, Engine]:
        """instType and engine of a listed instId; 51001 otherwise."""
        inst_type = inst_type_of(inst)
        engine = self.ctx.engine(inst_type)
        if inst not in engine.instruments:
            raise no_instrument()
        return inst_type, engine

    def _ct_val(self, inst: str, inst_type: InstType) -> Decimal | None:
        return self.ctx.sizing.terms(inst).ct_val if inst_type == "SWAP" else None

    def _size(self, inst: str, qty: Decimal) -> str:
        return plain(self.ctx.sizing.to_venue(inst, qty))

    # -- endpoints ---------------------------------------------------------------------
    def time(self, call: Call) -> list[object]:
        return [{"ts": str(call.now_ms)}]

    def instruments(self, call: Call) -> list[object]:
        params = call.params
        inst_type = params.choice("instType", ALL_INST_TYPES)
        inst, family = params.text("instId"), params.text("instFamily")
        states = self._listing_states(inst_type)
        codes = inst_id_codes(self.ctx.spot_symbols, self.ctx.swap_symbols)
        if inst_type == "SPOT":
            rows = [
                spot_instrument(s, self.ctx.sizing, codes[i], states[i])
                for s in self.ctx.spot_symbols
                if (i := inst_id(s, "SPOT")) in states
            ]
        elif inst_type == "SWAP":
            rows = [
                swap_instrument(s, self.ctx.sizing, codes[i], states[i])
                for s in self.ctx.swap_symbols
                if (i := inst_id(s, "SWAP")) in states
            ]
        else:
            rows = []
        if inst is not None:
            rows = [r for r in rows if r["instId"] == inst]
        if family is not None:
            rows = [r for r in rows if r["instFamily"] == family]
        return list(rows)

    def _listing_states(self, inst_type: str) -> dict[str, ListingState]:
        """The listing state of each instrument the venue returns (not those unlisted
        or delisted) by instId; listings are kept by the emulator's market names."""
        if inst_type not in self.ctx.engines:
            return {}
        market, listings = inst_type.lower(), self.ctx.listings
        hidden = (ListingState.UNLISTED, ListingState.DELISTED)
        states = {i: listings.state(market, i) for i in self.ctx.engine(inst_type).instruments}
        return {i: s for i, s in states.items() if s not in hidden}

    def ticker(self, call: Call) -> list[object]:
        inst = call.params.require("instId")
        inst_type, _ = self.listed(inst)
        return [self._ticker(inst, inst_type, call.now_ms)]

    def tickers(self, call: Call) -> list[object]:
        params = call.params
        inst_type = params.choice("instType", ALL_INST_TYPES)
        traded = [t for t in INST_TYPES if t == inst_type]
        if not traded:
            return []
        engine = self.ctx.engine(traded[0])
        family = params.text("instFamily")
        return [
            self._ticker(inst, traded[0], call.now_ms)
            for inst in engine.instruments
            if family is None or inst.removesuffix("-SWAP") == family
        ]

    def books(self, call: Call) -> list[object]:
        params = call.params
        inst = params.require("instId")
        _, engine = self.listed(inst)
        default, high = BOOK_SIZE
        depth = params.integer("sz", default, low=1, high=high) or default
        view = engine.depth(inst, depth)
        bid_counts, ask_counts = engine.order_counts(inst, depth)
        # [px, sz, "0" (deprecated liquidated orders), number of orders]
        return [
            {
                "asks": [
                    [plain(p), self._size(inst, q), "0", str(n)]
                    for (p, q), n in zip(view.asks, ask_counts, strict=True)
                ],
                "bids": [
                    [plain(p), self._size(inst, q), "0", str(n)]
                    for (p, q), n in zip(view.bids, bid_counts, strict=True)
                ],
                "ts": str(call.now_ms),
            }
        ]

    def candles(self, call: Call) -> list[object]:
        return self._candles(call, "candles")

    def history_candles(self, call: Call) -> list[object]:
        return self._candles(call, "history-candles")

    def _candles(self, call: Call, kind: str) -> list[object]:
        params = call.params
        inst = params.require("instId")
        inst_type, engine = self.listed(inst)
        bar = params.choice("bar", candles.BARS, "1m")
        default, high = CANDLE_LIMITS[kind]
        limit = params.integer("limit", default, low=1, high=high) or default
        after = params.integer("after", low=0)  # older than this ts
        before = params.integer("before", low=0)  # newer than this ts
        bars = candles.klines(engine, inst, bar, None if after is None else after - 1, limit)
        if before is not None:
            bars = [k for k in bars if k.open_ms > before]
        interval = candles.interval_of(bar)
        ct_val = self._ct_val(inst, inst_type)
        rows: list[object] = []
        for k in reversed(bars):
            vol, vol_ccy, vol_quote = candles.volumes(k, ct_val)
            confirmed = k.open_ms + interval <= call.now_ms
            rows.append(
                [str(k.open_ms), plain(k.open), plain(k.high), plain(k.low), plain(k.close),
                 plain(vol), plain(vol_ccy), plain(vol_quote), "1" if confirmed else "0"]
            )  # fmt: skip
        return rows

    def trades(self, call: Call) -> list[object]:
        params = call.params
        inst = params.require("instId")
        _, engine = self.listed(inst)
        default, high = TRADE_LIMIT
        limit = params.integer("limit", default, low=1, high=high) or default
        return [self.trade_row(inst, t) for t in reversed(engine.recent_trades(inst, limit))]

    def trade_row(self, inst: str, t: PublicTrade) -> dict[str, object]:
        return {
            "instId": inst,
            "side": "sell" if t.buyer_is_maker else "buy",  # the taker's side
            "sz": self._size(inst, t.qty),
            "px": plain(t.price),
            "source": "0",
            "tradeId": trade_id_text(t.trade_id),
            "ts": str(t.ts_ms),
        }

    def mark_price(self, call: Call) -> list[object]:
        params = call.params
        inst_type = params.choice("instType", DERIVATIVES)
        inst = params.text("instId")
        if inst_type != "SWAP":
            return []
        engine = self.ctx.swap
        insts = list(engine.instruments) if inst is None else [inst]
        if inst is not None:
            self.listed(inst)
        return [
            {
                "instType": "SWAP",
                "instId": i,
                "markPx": plain(engine.mark_price(i)),
                "ts": str(call.now_ms),
            }
            for i in insts
        ]

    def price_limit(self, call: Call) -> list[object]:
        """The limits the engine enforces now (its price band around the mark)."""
        inst = call.params.require("instId")
        inst_type, engine = self.listed(inst)
        buy, sell = price_limits(engine, inst)
        return [
            {
                "instType": inst_type,
                "instId": inst,
                "buyLmt": buy,
                "sellLmt": sell,
                "ts": str(call.now_ms),
                "enabled": engine.price_band is not None,
            }
        ]

    def position_tiers(self, call: Call) -> list[object]:
        """docs-v5 "Get position tiers" (ccxt's fetch_leverage_tiers): one tier per
        perpetual family, as the emulator's margin rates do not step up with size;
        `maxSz` is a size no position here reaches [?]. Other instrument types list no
        tiers (no margin trading, futures or options here)."""
        params = call.params
        inst_type = params.choice("instType", DERIVATIVES)
        params.choice("tdMode", ("cross", "isolated"))
        if inst_type != "SWAP":
            return []
        family = params.text("instFamily") or params.text("uly")
        if family is None:
            raise missing("instFamily")
        wanted = family.split(",")
        specs = [s for s in self.ctx.swap_symbols if uly(inst_id(s, "SWAP")) in wanted]
        if not specs:
            raise invalid("instFamily")
        return [
            {
                "uly": uly(inst_id(spec, "SWAP")),
                "instFamily": uly(inst_id(spec, "SWAP")),
                "instId": "",
                "tier": "1",
                "minSz": "0",
                "maxSz": plain(TIER_MAX_CONTRACTS),
                "mmr": plain(spec.maint_margin_rate),
                "imr": plain((Decimal(1) / spec.max_leverage).normalize()),
                "maxLever": str(spec.max_leverage),
                "optMgnFactor": "0",
                "quoteMaxLoan": "",
                "baseMaxLoan": "",
            }
            for spec in specs
        ]

    def funding_rate(self, call: Call) -> list[object]:
        inst = call.params.require("instId")
        if inst == "ANY":
            # "or ANY to return the funding rate info of all perpetual and X-Perps
            # futures contracts" (docs-v5 "Get funding rate"); ccxt's fetch_funding_rates
            return [stream_market.funding_rate(i, call.now_ms) for i in self.ctx.swap.instruments]
        inst_type, _ = self.listed(inst)
        if inst_type != "SWAP":
            raise no_instrument()
        return [stream_market.funding_rate(inst, call.now_ms)]

    # -- tickers -----------------------------------------------------------------------
    def _ticker(self, inst: str, inst_type: InstType, now_ms: int) -> dict[str, str]:
        engine = self.ctx.engine(inst_type)
        t = engine.ticker_24h(inst)
        ct_val = self._ct_val(inst, inst_type)
        vol_ccy = t.volume if ct_val is not None else t.quote_volume
        vol = t.volume / ct_val if ct_val is not None else t.volume
        return {
            "instType": inst_type,
            "instId": inst,
            "last": plain(t.last),
            "lastSz": self._size(inst, t.last_qty),
            "askPx": plain(t.ask),
            "askSz": self._size(inst, t.ask_qty),
            "bidPx": plain(t.bid),
            "bidSz": self._size(inst, t.bid_qty),
            "open24h": plain(t.open),
            "high24h": plain(t.high),
            "low24h": plain(t.low),
            "volCcy24h": plain(vol_ccy),
            "vol24h": plain(vol),
            "sodUtc0": self._open_at(engine, inst, now_ms - now_ms % DAY_MS, t.last),
            "sodUtc8": self._open_at(
                engine, inst, now_ms - (now_ms + 8 * HOUR_MS) % DAY_MS, t.last
            ),
            "ts": str(now_ms),
        }

    @staticmethod
    def _open_at(engine: Engine, inst: str, start_ms: int, fallback: Decimal) -> str:
        """The first minute's open at or after `start_ms` (the day's opening price)."""
        first = engine.klines(inst, MINUTE_MS, start_ms, None, 1)
        return plain(first[0].open if first else fallback)
