"""The BTCC client: the trade API (rest.py) and the quote stream (stream.py), whose
login takes the account number of a trade session; candles and a ticker are asked on
a quote connection of their own (quote_requests.py). The venue has no private stream."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import Bar, Ticker
from tradeport.model.errors import BadParameter, MalformedMessage, NotSupported
from tradeport.streams.watch import Channel
from tradeport.venues.btcc import stream_messages as sm
from tradeport.venues.btcc import stream_parse as sp
from tradeport.venues.btcc.quote_requests import ask
from tradeport.venues.btcc.rest import BtccRest
from tradeport.venues.btcc.stream import QuoteStreams
from tradeport.venues.btcc.symbols import SymbolTable
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.stream_client import PRIVATE_KINDS, StreamClient

# §6.4: KeepLive every 20 s at most; an idle connection was seen closed after ~30 s
KEEPLIVE_INTERVAL = 15.0
IDLE_CUTOFF = 30.0
SILENCE_TIMEOUT = 40.0
DEEP_LEVELS = 7
MAX_KLINES = 1000  # per `ReqKline`, as this project asks [?]


class BtccClient(StreamClient[QuoteStreams, Any], BtccRest):
    """BTCC perpetual futures (BTCC___SWAP)."""

    partial_book_levels = (DEEP_LEVELS,)

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        ws_url: str | None = None,
        stream_ping_interval: float = KEEPLIVE_INTERVAL,
        stream_silence_timeout: float = SILENCE_TIMEOUT,
        **rest_options: Any,
    ) -> None:
        """`ws_url`: the quote stream host (default: venue.yaml `wss_urls`; the
        emulator's comes from the emulator). `stream_ping_interval`: seconds between
        KeepLive frames (below the venue's ~30 s idle cutoff); a connection silent for
        `stream_silence_timeout` s is replaced. The other options are the REST
        client's."""
        liveness = Liveness.checked(
            stream_ping_interval, stream_silence_timeout, IDLE_CUTOFF, "BTCC"
        )
        super().__init__(config, **rest_options)
        self._init_stream_client(ws_url, liveness)

    def _new_public_streams(self) -> QuoteStreams:
        return QuoteStreams(self, self.ws_url, self.symbols, self._quote_login)

    async def _quote_login(self) -> tuple[str, str]:
        """The quote stream logs in as the account of a trade session (§6.4) [?]."""
        await self.instruments()
        session = await self.session.ensure()
        return session.account_no, self.api_key

    async def _get_kline(
        self, symbol: str, period: str, limit: int, start_ms: int | None, end_ms: int | None
    ) -> list[Bar]:
        """The last `limit` candles, asked on a quote stream connection of their own
        (`ReqKline`, answered `Kline`) [?]; no time range is known to the request."""
        interval = self._kline_interval(period)
        if start_ms is not None or end_ms is not None:
            raise BadParameter(f"{self.key} klines are the latest `limit`: no start or end")
        if limit > MAX_KLINES:
            raise BadParameter(f"limit {limit}: {self.key} gives at most {MAX_KLINES} candles")
        await self.instrument(symbol)  # UnknownSymbol before connecting
        self._check_ws_url()

        def request(table: SymbolTable) -> str:
            frame = {
                "action": sm.KLINE_REQUEST,
                "symbol": table.sec_id(symbol),
                "period": interval,
                "count": limit,
            }
            return msgspec.json.encode(frame).decode()

        text = await ask(
            self.ws_url, self._quote_login, self.symbols, request, sm.KLINE, venue=self.key
        )
        return sp.parse_klines(text, symbol, period, interval, int(time.time() * 1000))

    async def get_tick(self, symbol: str) -> Ticker:
        """Best bid, ask and last price (and the volume) of `symbol`: the first
        `tickinfo` a quote connection of its own is pushed once it subscribes to the
        product (`ReqSubcri`) [?]. No REST ticker is known for the venue; this asks the
        quote stream afresh on every call (a connection per call: slower than a REST
        read), so the answer is never an old push."""
        await self.instrument(symbol)  # UnknownSymbol before connecting
        self._check_ws_url()

        def request(table: SymbolTable) -> str:
            frame = {"action": sm.SUBSCRIBE, "symbols": [table.sec_id(symbol)], "deep": ""}
            return msgspec.json.encode(frame).decode()

        text = await ask(
            self.ws_url, self._quote_login, self.symbols, request, sm.TICK, venue=self.key
        )
        sec_id = self.symbols.sec_id(symbol)
        for row in sp.tick_rows(text):
            if str(row.Y) == sec_id:
                return sp.parse_tick(row, symbol, time.time_ns())
        raise MalformedMessage(f"{self.key} tickinfo answer has no {symbol} ({sec_id})")

    async def _open_channel(self, channel: Channel) -> None:
        if channel.kind in PRIVATE_KINDS:
            raise NotSupported(f"{channel.kind} streams are not offered by {self.key}")
        await super()._open_channel(channel)
