"""BingX USDT-M perpetual swap REST client (PROTOCOLS.md §5). This module builds the
client and holds its public half: contracts and market data. How a call is signed and
answered is `dialect.py`; the private half (orders, account) is `rest.py`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType, Bar, Instrument, OrderBook, Ticker, Trade
from tradeport.model.errors import NotSupported, UnknownSymbol
from tradeport.venues.bingx import messages as m
from tradeport.venues.bingx import parse
from tradeport.venues.bingx.dialect import BingxDialect
from tradeport.venues.kit import arguments
from tradeport.venues.kit.orders import OrderIds
from tradeport.venues.kit.rest_client import RestClient

T = TypeVar("T")

# depth `limit` values the venue takes (§5.3)
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
MAX_RECV_WINDOW_MS = 60_000


class BingxMarketRest(RestClient):
    """The client's options and state, contracts and market data."""

    dialect: BingxDialect

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        recv_window_ms: int | None = None,
        ip_ban_wait: float = 300.0,
        **options: Any,
    ) -> None:
        """`recv_window_ms`: how long after its timestamp a signed request stays valid
        (default: venue.yaml `connection.recv_window_ms`). `ip_ban_wait`: how long every
        request to the host stops after an HTTP 403 (the venue's firewall bans for about
        five minutes, §5.6). The other options are RestClient's."""
        if asset_type is not AssetType.SWAP:
            raise NotSupported(f"BingX has no {asset_type.value} market here")
        self.asset_type: AssetType = asset_type
        self.key = "BINGX___SWAP"
        window = (
            config.venue.connection.recv_window_ms if recv_window_ms is None else recv_window_ms
        )
        self.recv_window_ms = arguments.recv_window(window, MAX_RECV_WINDOW_MS, self.key)
        self.ip_ban_wait = ip_ban_wait
        super().__init__(config, **options)
        self.order_ids = OrderIds()
        # (maker, taker) fee rates per venue symbol, as the contracts list gives them
        self.fee_rates: dict[str, tuple[Decimal, Decimal]] = {}

    def make_dialect(self) -> BingxDialect:
        return BingxDialect(self.api_key, self._secret, self.recv_window_ms, self.ip_ban_wait)

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
        return self.rest.decode(name, raw, type_, strict=False)

    async def get_trading_rules(self, symbol: str) -> m.TradingRules:
        """`symbol`'s trading rules: minimum sizes, the open-order cap and the price
        range orders must keep to (`/openApi/swap/v1/tradingRules`)."""
        params = {"symbol": await self._venue_symbol(symbol)}
        raw = await self.rest.call("get_trading_rules", params)
        return self.rest.decode("get_trading_rules", raw, m.TradingRules, strict=False)

    # -- market data -------------------------------------------------------------------
    async def get_exchange_info(self) -> list[Instrument]:
        rows = await self._public("get_exchange_info", {}, list[m.Contract])
        instruments = []
        for row in rows:
            instruments.append(parse.parse_contract(row))
            fees = parse.fee_rates(row)
            if fees is not None:
                self.fee_rates[row.symbol] = fees
        self._store_instruments(instruments)
        return instruments

    async def _venue_symbol(self, symbol: str) -> str:
        return (await self.instrument(symbol)).venue_symbol

    async def get_tick(self, symbol: str) -> Ticker:
        params = {"symbol": await self._venue_symbol(symbol)}
        row = await self._public("get_tick", params, m.TickerRow | None)  # type: ignore[arg-type]
        if row is None:
            raise UnknownSymbol(f"no ticker for {symbol} on {self.key}", venue=self.key)
        return parse.parse_ticker(row, symbol)

    async def _get_depth(self, symbol: str, limit: int) -> OrderBook:
        # the smallest depth the venue serves that holds `limit` levels
        wire = next((d for d in DEPTH_LIMITS if d >= limit), DEPTH_LIMITS[-1])
        params = {"symbol": await self._venue_symbol(symbol), "limit": wire}
        book = parse.parse_depth(await self._public("get_depth", params, m.Depth), symbol)
        book.bids, book.asks = book.bids[:limit], book.asks[:limit]
        return book

    async def _get_kline(
        self, symbol: str, period: str, limit: int, start_ms: int | None, end_ms: int | None
    ) -> list[Bar]:
        interval = self._kline_interval(period)
        params = {
            "symbol": await self._venue_symbol(symbol),
            "interval": interval,
            "startTime": start_ms,
            "endTime": end_ms,
            "limit": limit,
        }
        rows = await self._public("get_kline", params, list[m.KlineRow])
        now = int(time.time() * 1000)
        return [
            parse.parse_kline(r, symbol, period, interval, now)
            for r in sorted(rows, key=lambda r: r.time)
        ]

    async def _get_trades(self, symbol: str, limit: int) -> list[Trade]:
        params = {"symbol": await self._venue_symbol(symbol), "limit": limit}
        rows = await self._public("get_trades", params, list[m.TradeRow])
        now = time.time_ns()
        return [parse.parse_trade(r, symbol, now) for r in sorted(rows, key=lambda r: r.time)]
