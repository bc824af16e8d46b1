"""The BTCC emulator's quote WebSocket (PROTOCOLS.md §6.4) [?], at the host's root.

A connection logs in with `{"action": "Login", "name": <account number>, "key": <API
key>}` and is answered `Login`, then `Dict` (each product's `SecID`, `ShortName` and
`Digit`), then `All Products` (trading hours: always open here). `ReqSubcri` sets the
products pushed (`symbols`) and those pushed with their book (`deep`, comma-separated
ids); it is answered `{"action": "ReqSubcri", "result": 1}` and the current pushes
follow at once. Every half second each product gets a `tickinfo` and each deep one a
`tickinfo_deep` of seven levels a side, and each product its `dealticksnap` (the
last 20 trades, oldest first: `P` price, `V` size, `T` seconds, `S` taker side 1 buy
or 2 sell [?]). `ReqKline` (`symbol` id, `period` M1…W1, `count`) is answered once
with `Kline`, the last candles oldest first. `KeepLive` is answered `keeplive`; a
connection from which nothing arrived for 30 s is closed.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from aiohttp import web

from tradeport.emulator.decimal_text import plain, significant_decimals
from tradeport.emulator.host.streams import IdleCutoff, StreamHost, StreamSession, StreamSkin
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.symbols import SymbolSpec
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.btcc.emulator.context import BtccContext, short_name
from tradeport.venues.btcc.stream_messages import PERIOD_MS

PATH = "/"
TICK_SECONDS = 0.5
DEEP_LEVELS = 7
DEALS_KEPT = 20  # trades in a `dealticksnap`
MAX_KLINES = 1000
IDLE = IdleCutoff(30.0, 1000, b"idle")
FIRST_SEC_ID = 3_289_142  # the id quoted in the sources, numbering the products from it


def frame(action: str, **fields: object) -> str:
    return json.dumps({"action": action, **fields}, separators=(",", ":"))


@dataclass(eq=False)
class QuoteSession(StreamSession):
    logged_in: bool = False
    symbols: set[str] = field(default_factory=set)  # engine symbols
    deep: set[str] = field(default_factory=set)


class QuoteSkin(StreamSkin):
    def __init__(self, ctx: BtccContext, app: web.Application) -> None:
        host = StreamHost(ctx.stream_faults, ctx.connections, "BTCC")
        super().__init__(host, TICK_SECONDS * ctx.stream_time_scale)
        self.ctx = ctx
        # numbered in listing order; a contract listed later takes the next number
        numbers = itertools.count(FIRST_SEC_ID)
        self.sec_ids = follow(ctx.symbols, lambda s: (s.symbol, str(next(numbers))))
        self._by_sec_id = follow(ctx.symbols, lambda s: (self.sec_ids[s.symbol], s.symbol))
        self._sessions: dict[int, QuoteSession] = {}
        app.router.add_get(PATH, self.handle)

    def clocks(self) -> list[tuple[str, QuoteSkin]]:
        return [("futures", self)]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPNotFound()  # the root answers plain HTTP with a 404 (§6.1)
        ws, conn = await self.host.accept(request, f"futures:{PATH}")
        session = QuoteSession(conn)
        self._sessions[conn.id] = session

        async def on_text(_conn: StreamConnection, text: str) -> None:
            self.on_text(session, text)

        await self.host.serve(
            conn, on_text, IDLE, on_close=lambda: self._sessions.pop(conn.id, None)
        )
        return ws

    # -- client frames -----------------------------------------------------------------
    def on_text(self, session: QuoteSession, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            session.send(frame("error", result=0, msg="NOT JSON"))
            return
        action = msg.get("action") if isinstance(msg, dict) else None
        if action == "KeepLive":
            session.send(frame("keeplive"))
        elif action == "Login":
            self._login(session, msg)
        elif action == "ReqSubcri":
            self._subscribe(session, msg)
        elif action == "ReqKline":
            self._klines(session, msg)
        else:
            session.send(frame("error", result=0, msg=f"UNKNOWN ACTION {action!r}"))

    def _login(self, session: QuoteSession, msg: dict[str, object]) -> None:
        name, key = str(msg.get("name", "")), str(msg.get("key", ""))
        ref = self.ctx.keys.find(key)
        if ref is None or name != str(ref.uid):
            session.send(frame("Login", result=0, msg="LOGIN FAILED"))
            return
        session.logged_in = True
        session.send(frame("Login", result=1, msg="success"))
        rows = [self._dict_row(s) for s in self.ctx.symbols]
        session.send(frame("Dict", data=rows))
        hours = [
            {"SecID": self.sec_ids[s.symbol], "TradeTime": "00:00-24:00"} for s in self.ctx.symbols
        ]
        session.send(frame("All Products", data=hours))

    def _dict_row(self, spec: SymbolSpec) -> dict[str, object]:
        return {
            "SecID": self.sec_ids[spec.symbol],
            "ShortName": short_name(spec),
            "Digit": significant_decimals(spec.tick_size),
        }

    def _subscribe(self, session: QuoteSession, msg: dict[str, object]) -> None:
        if not session.logged_in:
            session.send(frame("ReqSubcri", result=0, msg="NOT LOGIN"))
            return
        ids = msg.get("symbols", [])
        deep = str(msg.get("deep", "") or "")
        wanted = [str(i) for i in ids] if isinstance(ids, list) else []
        deep_ids = [i for i in deep.split(",") if i]
        unknown = [i for i in [*wanted, *deep_ids] if i not in self._by_sec_id]
        if unknown:
            session.send(frame("ReqSubcri", result=0, msg=f"UNKNOWN SYMBOL {unknown[0]}"))
            return
        session.symbols = {self._by_sec_id[i] for i in wanted}
        session.deep = {self._by_sec_id[i] for i in deep_ids}
        session.send(frame("ReqSubcri", result=1, msg="success"))
        self._push(session)

    def _klines(self, session: QuoteSession, msg: dict[str, object]) -> None:
        """The last `count` candles of `period` (PERIOD_MS names), oldest first."""
        if not session.logged_in:
            session.send(frame("Kline", result=0, msg="NOT LOGIN"))
            return
        sec_id, period, count = str(msg.get("symbol", "")), msg.get("period"), msg.get("count")
        symbol = self._by_sec_id.get(sec_id)
        if symbol is None or period not in PERIOD_MS:
            session.send(frame("Kline", result=0, msg="UNKNOWN SYMBOL OR PERIOD"))
            return
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_KLINES:
            session.send(frame("Kline", result=0, msg=f"COUNT MUST BE 1 TO {MAX_KLINES}"))
            return
        bars = self.ctx.futures.klines(symbol, PERIOD_MS[str(period)], None, None, count)
        rows = [
            {
                "T": bar.open_ms // 1000,
                "O": plain(bar.open),
                "H": plain(bar.high),
                "L": plain(bar.low),
                "C": plain(bar.close),
                "V": plain(bar.volume),
            }
            for bar in bars
        ]
        session.send(frame("Kline", result=1, symbol=sec_id, period=period, data=rows))

    # -- pushes ------------------------------------------------------------------------
    def tick(self) -> None:
        for session in list(self._sessions.values()):
            if session.logged_in:
                self._push(session)

    def _push(self, session: QuoteSession) -> None:
        if session.symbols:
            rows = [self._tick_row(symbol) for symbol in sorted(session.symbols)]
            session.send(frame("tickinfo", data=rows))
        for symbol in sorted(session.deep):
            session.send(frame("tickinfo_deep", data=self._deep(symbol)))
        for symbol in sorted(session.symbols):
            session.send(frame("dealticksnap", data=self._deals(symbol)))

    def _tick_row(self, symbol: str) -> dict[str, object]:
        engine = self.ctx.futures
        book = engine.depth(symbol, 1)
        last = engine.last_price(symbol) or engine.mark_price(symbol)
        return {
            "Y": self.sec_ids[symbol],
            "A": plain(book.asks[0][0]) if book.asks else "0",
            "B": plain(book.bids[0][0]) if book.bids else "0",
            "C": plain(last),
            "V": plain(engine.ticker_24h(symbol).volume),
            "T": self.ctx.now_ms() // 1000,
        }

    def _deals(self, symbol: str) -> dict[str, object]:
        trades = self.ctx.futures.recent_trades(symbol, DEALS_KEPT)
        rows = [
            {
                "P": plain(t.price),
                "V": plain(t.qty),
                "T": t.ts_ms // 1000,
                "S": 2 if t.buyer_is_maker else 1,
            }
            for t in trades
        ]
        return {"Y": self.sec_ids[symbol], "D": rows}

    def _deep(self, symbol: str) -> dict[str, object]:
        book = self.ctx.futures.depth(symbol, DEEP_LEVELS)
        return {
            "Y": self.sec_ids[symbol],
            "A": [plain(p) for p, _ in book.asks],
            "U": [plain(q) for _, q in book.asks],
            "B": [plain(p) for p, _ in book.bids],
            "M": [plain(q) for _, q in book.bids],
            "T": self.ctx.now_ms() // 1000,
        }
