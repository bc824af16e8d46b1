"""Bybit v5 REST client: spot (category=spot) and USDT perpetuals (category=linear)
(PROTOCOLS.md §4). This module builds the client and holds its public half:
instruments and market data. How a call is signed and answered is `dialect.py`, the
rest of a call is the kit's pipeline; the private half (orders, account) is `rest.py`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import (
    AssetType,
    Bar,
    Instrument,
    OrderBook,
    Ticker,
    Trade,
)
from tradeport.model.errors import (
    NotSupported,
    UnknownSymbol,
)
from tradeport.venues.bybit import messages as m
from tradeport.venues.bybit import parse
from tradeport.venues.bybit.dialect import PAGE_CURSOR, BybitDialect
from tradeport.venues.bybit.limits import EndpointUsage
from tradeport.venues.kit import arguments
from tradeport.venues.kit.orders import OrderIds
from tradeport.venues.kit.rest_client import RestClient

T = TypeVar("T")

CATEGORIES = {AssetType.SPOT: "spot", AssetType.SWAP: "linear"}


class BybitMarketRest(RestClient):
    """The client's options and state, instruments and market data."""

    dialect: BybitDialect

    # linear instruments per page: the most instrument.mdx allows (over 500 are listed)
    instruments_page = 1000

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        recv_window_ms: int | None = None,
        ip_ban_wait: float = 600.0,
        **options: Any,
    ) -> None:
        """`recv_window_ms`: how long after its timestamp a signed request stays valid
        (default: venue.yaml `connection.recv_window_ms`). `ip_ban_wait`: how long every
        request to the host stops after an HTTP 403 (Bybit bans an IP for at least 10
        minutes, §4.6). The other options are RestClient's."""
        if asset_type not in CATEGORIES:
            raise NotSupported(f"Bybit has no {asset_type.value} market here")
        self.asset_type = asset_type
        self.category = CATEGORIES[asset_type]
        self.key = f"BYBIT___{asset_type.name}"
        window = (
            config.venue.connection.recv_window_ms if recv_window_ms is None else recv_window_ms
        )
        # the venue publishes no upper bound for recv_window
        self.recv_window_ms = arguments.recv_window(window, None, self.key)
        self.ip_ban_wait = ip_ban_wait
        super().__init__(config, **options)
        self.order_ids = OrderIds()
        self._hedge: dict[str, bool] = {}  # linear position mode per venue symbol

    def make_dialect(self) -> BybitDialect:
        return BybitDialect(
            self.key, self.api_key, self._secret, self.recv_window_ms, self.ip_ban_wait
        )

    def rate_limit_usage(self) -> dict[str, EndpointUsage]:
        """The venue's last report of each endpoint's per-account budget."""
        return self.dialect.limits.usage()

    async def _public(self, name: str, params: Mapping[str, Any], type_: type[T]) -> T:
        """Market data: numeric strings decode into float fields."""
        return self.rest.decode(name, await self.rest.call(name, params), type_, strict=False)

    async def _signed(
        self,
        name: str,
        params: Mapping[str, Any],
        type_: type[T],
        *,
        idempotent: bool | None = None,
    ) -> T:
        raw = await self.rest.call(name, params, signed=True, idempotent=idempotent)
        return self.rest.decode(name, raw, type_)

    async def _pages(
        self,
        name: str,
        params: dict[str, Any],
        type_: type[T],
        *,
        signed: bool = True,
        enough: int | None = None,
    ) -> list[T]:
        """The pages of a cursor-paged list (`nextPageCursor`)."""
        strict = signed  # market data: numeric strings decode into float fields

        def decode(raw: bytes) -> T:
            return self.rest.decode(name, raw, type_, strict=strict)

        return await self.rest.pages(
            name, params, decode, PAGE_CURSOR, signed=signed, enough=enough
        )

    # -- market data -------------------------------------------------------------------
    async def get_exchange_info(self) -> list[Instrument]:
        params: dict[str, Any] = {"category": self.category}
        if self.category != "spot":  # spot has a single page (instrument.mdx)
            params["limit"] = self.instruments_page
        pages = await self._pages("get_exchange_info", params, m.InstrumentsPage, signed=False)
        instruments = [i for p in pages for i in parse.parse_instruments(p, self.asset_type)]
        self._store_instruments(instruments)
        return instruments

    async def _venue_symbol(self, symbol: str) -> str:
        return (await self.instrument(symbol)).venue_symbol

    async def get_tick(self, symbol: str) -> Ticker:
        params = {"category": self.category, "symbol": await self._venue_symbol(symbol)}
        raw = await self.rest.call("get_tick", params)
        tickers = self.rest.decode("get_tick", raw, m.Tickers, strict=False)
        if not tickers.rows:
            raise UnknownSymbol(f"no ticker for {symbol} on {self.key}", venue=self.key)
        # the rows carry no time: the venue clock as we track it
        return parse.parse_ticker(tickers.rows[0], symbol, self.clock.now_ms())

    async def _get_depth(self, symbol: str, limit: int) -> OrderBook:
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            "limit": limit,
        }
        book = await self._public("get_depth", params, m.OrderBookSnapshot)
        return parse.parse_depth(book, symbol)

    async def _get_kline(
        self, symbol: str, period: str, limit: int, start_ms: int | None, end_ms: int | None
    ) -> list[Bar]:
        interval = self._kline_interval(period)
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            "interval": interval,
            "start": start_ms,
            "end": end_ms,
            "limit": limit,
        }
        klines = await self._public("get_kline", params, m.Klines)
        now = int(time.time() * 1000)
        # newest first on the wire; oldest first here
        rows = sorted(klines.rows, key=lambda k: k.start)
        return [parse.parse_kline(k, symbol, period, interval, now) for k in rows]

    async def _get_trades(self, symbol: str, limit: int) -> list[Trade]:
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            "limit": limit,
        }
        trades = await self._public("get_trades", params, m.PublicTrades)
        now = time.time_ns()
        rows = sorted(reversed(trades.rows), key=lambda t: t.time)  # newest first on the wire
        return [parse.parse_trade(t, symbol, now) for t in rows]

    async def _prices(self, quote: str = "USDT") -> dict[str, Decimal]:
        await self.instruments()
        prices = await self._public("get_tick", {"category": self.category}, m.Prices)
        out = {}
        for row in prices.rows:
            inst = self._by_venue_symbol.get(row.symbol)
            if inst is not None and inst.quote == quote and row.lastPrice:
                out[inst.base] = parse.dec(row.lastPrice, f"ticker {row.symbol} lastPrice")
        return out
