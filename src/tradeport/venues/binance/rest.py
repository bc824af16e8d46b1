"""Binance spot and USDⓈ-M REST client (PROTOCOLS.md §1–2).

How a call is signed and answered is `dialect.py`, the rest of a call is the kit's
pipeline; this module holds what each unified method asks, how the answers are parsed,
and which requests may be repeated.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from tradeport.config.schema import RateLimitRule, ResolvedAssetConfig
from tradeport.model import (
    AccountSnapshot,
    AssetType,
    Balance,
    Bar,
    Fill,
    Instrument,
    Order,
    OrderBook,
    Position,
    Ticker,
    Trade,
)
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.venues.base import OrderRequest
from tradeport.venues.binance import messages as m
from tradeport.venues.binance import parse
from tradeport.venues.binance.dialect import BinanceDialect
from tradeport.venues.binance.orders import CLIENT_ID, CLIENT_ID_RULE, order_params
from tradeport.venues.kit import arguments
from tradeport.venues.kit.account import margin_account
from tradeport.venues.kit.orders import order_ref
from tradeport.venues.kit.rest_client import RestClient

T = TypeVar("T")

_INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}


class BinanceRest(RestClient):
    """The REST half of the Binance client; `client.BinanceClient` adds the streams."""

    dialect: BinanceDialect
    client_order_id_pattern = CLIENT_ID
    client_order_id_rule = CLIENT_ID_RULE
    # recvWindow at most 60000 ms (§1.2)
    recv_window_max_ms = 60_000

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        recv_window_ms: int | None = None,
        **options: Any,
    ) -> None:
        """`recv_window_ms`: how long after its timestamp a signed request stays valid
        (default: venue.yaml `connection.recv_window_ms`). The other options are
        RestClient's."""
        self.asset_type = asset_type
        self.key = f"BINANCE___{asset_type.name}"
        window = (
            config.venue.connection.recv_window_ms if recv_window_ms is None else recv_window_ms
        )
        self.recv_window_ms = arguments.recv_window(window, self.recv_window_max_ms, self.key)
        super().__init__(config, **options)
        self._hedge_mode: bool | None = None

    def make_dialect(self) -> BinanceDialect:
        return BinanceDialect(self.api_key, self._secret, self.recv_window_ms)

    # -- request plumbing --------------------------------------------------------------
    async def _public(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        return await self.rest.call(name, params)

    async def _keyed(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        """A USER_STREAM request (listen keys): the API key alone, no signature (§2.3).
        Creating or extending a listen key is safe to repeat."""
        if not self.api_key:
            raise BadParameter(f"{name} needs api_key")
        headers = self.dialect.key_headers()
        return await self.rest.call(name, params, headers=headers, idempotent=True)

    async def _signed(
        self, name: str, params: Mapping[str, Any] | None = None, *, idempotent: bool | None = None
    ) -> bytes:
        """A SIGNED request (on -1021 the pipeline resamples the clock and sends it once
        more: the venue rejected it before acting)."""
        return await self.rest.call(name, params, signed=True, idempotent=idempotent)

    async def _signed_read(
        self, name: str, type_: type[T], params: Mapping[str, Any] | None = None
    ) -> T:
        return self.rest.decode(name, await self._signed(name, params), type_)

    def _read(self, name: str, data: bytes, type_: type[T]) -> T:
        """Market data and lists: numeric strings decode into number fields."""
        return self.rest.decode(name, data, type_, strict=False)

    # -- market data -------------------------------------------------------------------
    async def get_exchange_info(self) -> list[Instrument]:
        raw, resp = await self.rest.call_with_response("get_exchange_info")
        info = self.rest.decode("get_exchange_info", raw, m.ExchangeInfo)
        instruments = parse.parse_instruments(info, self.asset_type)
        self._store_instruments(instruments)
        if info.rateLimits:
            self.limiter.set_rules(self._rules_from_exchange(info.rateLimits))
            # the usage headers of this very response name the new budgets' windows
            self.limiter.update_from_headers(resp.endpoint, resp.headers)
        return instruments

    def _rules_from_exchange(self, limits: Sequence[m.RateLimit]) -> list[RateLimitRule]:
        """Adopt the budgets the venue announces (§1.6), keeping our per-endpoint weights."""
        configured = {r.name: r for r in self.config.rate_limits}
        weights = configured.get("request_weight")
        order_endpoints = [f"POST {self.rest.endpoint('make_order')[1]}"]
        rules = []
        for lim in limits:
            seconds = lim.intervalNum * _INTERVAL_SECONDS.get(lim.interval, 60)
            suffix = f"{lim.intervalNum}{lim.interval[0]}"
            if lim.rateLimitType == "REQUEST_WEIGHT":
                rules.append(
                    RateLimitRule(
                        name="request_weight",
                        type="fixed_window",
                        interval=seconds,
                        limit=lim.limit,
                        scope="ip",
                        header=f"X-MBX-USED-WEIGHT-{suffix}",
                        weight_map=weights.weight_map if weights else {},
                    )
                )
            elif lim.rateLimitType == "ORDERS":
                rules.append(
                    RateLimitRule(
                        name=f"orders_{suffix.lower()}",
                        type="fixed_window",
                        interval=seconds,
                        limit=lim.limit,
                        scope="global",
                        header=f"X-MBX-ORDER-COUNT-{suffix}",
                        endpoints=order_endpoints,
                    )
                )
            elif lim.rateLimitType == "RAW_REQUESTS":
                rules.append(
                    RateLimitRule(
                        name=f"raw_requests_{suffix.lower()}",
                        type="fixed_window",
                        interval=seconds,
                        limit=lim.limit,
                        scope="ip",
                    )
                )
        return rules

    async def get_tick(self, symbol: str) -> Ticker:
        params = {"symbol": self.to_venue_symbol(symbol)}
        if self.asset_type is AssetType.SPOT:
            raw = await self._public("get_tick", params)
            return parse.parse_ticker(self._read("get_tick", raw, m.Ticker24h), symbol)
        # USDⓈ-M 24 h tickers carry no bid/ask: take them from the book ticker
        raw, raw_book = await asyncio.gather(
            self._public("get_tick", params), self._public("get_book_ticker", params)
        )
        return parse.parse_ticker(
            self._read("get_tick", raw, m.Ticker24h),
            symbol,
            self._read("get_book_ticker", raw_book, m.BookTicker),
        )

    async def _get_depth(self, symbol: str, limit: int) -> OrderBook:
        raw = await self._public(
            "get_depth", {"symbol": self.to_venue_symbol(symbol), "limit": limit}
        )
        return parse.parse_depth(self._read("get_depth", raw, m.Depth), symbol)

    async def _get_kline(
        self, symbol: str, period: str, limit: int, start_ms: int | None, end_ms: int | None
    ) -> list[Bar]:
        interval = self._kline_interval(period)
        params: dict[str, Any] = {"symbol": self.to_venue_symbol(symbol), "interval": interval}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        params["limit"] = limit
        rows = self._read("get_kline", await self._public("get_kline", params), list[m.Kline])
        now = int(time.time() * 1000)
        return [parse.parse_kline(k, symbol, period, now) for k in rows]

    async def _get_trades(self, symbol: str, limit: int) -> list[Trade]:
        raw = await self._public(
            "get_trades", {"symbol": self.to_venue_symbol(symbol), "limit": limit}
        )
        now = time.time_ns()
        rows = self._read("get_trades", raw, list[m.PublicTrade])
        return [parse.parse_trade(t, symbol, now) for t in rows]

    # -- trading -----------------------------------------------------------------------
    async def hedge_mode(self) -> bool:
        """USDⓈ-M position mode (dual side = hedge), read once and cached."""
        if self.asset_type is AssetType.SPOT:
            return False
        if self._hedge_mode is None:
            mode = await self._signed_read("get_position_mode", m.PositionMode)
            self._hedge_mode = mode.dualSidePosition
        return self._hedge_mode

    async def set_position_mode(self, hedge: bool) -> None:
        """USDⓈ-M: hedge (dual side) or one-way mode; the venue refuses while positions
        or orders are open."""
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("set_position_mode")
        params = {"dualSidePosition": "true" if hedge else "false"}
        await self._signed("set_position_mode", params, idempotent=True)
        self._hedge_mode = hedge

    async def _order_params(self, req: OrderRequest, inst: Instrument, cid: str) -> dict[str, Any]:
        hedge = await self.hedge_mode()
        params = order_params(req, inst, self.asset_type, hedge=hedge)
        params["newClientOrderId"] = cid
        return params

    def _parse_ack(self, req: OrderRequest, cid: str, raw: bytes) -> Order:
        o = self.rest.decode("make_order", raw, m.OrderResponse)
        return parse.parse_order(o, req.symbol, self.config.order_status_map)

    def _order_ref(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> dict[str, Any]:
        ref = order_ref(order_id, client_order_id, "orderId", "origClientOrderId")
        return {"symbol": self.to_venue_symbol(symbol), **ref}

    async def _cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        await self.instruments()
        # sent once: a second cancel of a cancelled order reports "Unknown order"
        raw = await self._signed(
            "cancel_order", self._order_ref(symbol, order_id, client_order_id), idempotent=False
        )
        return parse.parse_order(
            self.rest.decode("cancel_order", raw, m.OrderResponse),
            symbol,
            self.config.order_status_map,
        )

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        await self.instruments()
        raw = await self._signed("query_order", self._order_ref(symbol, order_id, client_order_id))
        return parse.parse_order(
            self.rest.decode("query_order", raw, m.OrderResponse),
            symbol,
            self.config.order_status_map,
        )

    async def orders_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Order]:
        """Every order of `symbol` created at or after `start_ms`, in any state (the
        venue's order history: `allOrders` with `startTime`)."""
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol), "startTime": start_ms, "limit": limit}
        rows = await self._signed_read("get_orders", list[m.OrderResponse], params)
        smap = self.config.order_status_map
        return [parse.parse_order(o, symbol, smap) for o in rows]

    async def fills_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Fill]:
        """Own fills of `symbol` at or after `start_ms`."""
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol), "startTime": start_ms, "limit": limit}
        rows = await self._signed_read("get_deals", list[m.UserTrade], params)
        return [parse.parse_user_trade(t, symbol) for t in rows]

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol)} if symbol else None
        raw = await self._signed("get_open_orders", params)
        rows = self.rest.decode("get_open_orders", raw, list[m.OrderResponse])
        smap = self.config.order_status_map
        # USDⓈ-M also lists orders on delivery contracts, which are not this market's
        return [
            parse.parse_order(o, self.from_venue_symbol(o.symbol), smap)
            for o in rows
            if o.symbol in self._by_venue_symbol
        ]

    async def get_balance(self) -> dict[str, Balance]:
        if self.asset_type is AssetType.SPOT:
            acct = self.rest.decode("get_balance", await self._signed("get_balance"), m.SpotAccount)
            return parse.parse_spot_balances(acct)
        raw = await self._signed("get_balance")
        rows = self.rest.decode("get_balance", raw, list[m.FuturesBalance])
        return parse.parse_futures_balances(rows)

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("get_position")
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol)} if symbol else None
        raw = await self._signed("get_position", params)
        rows = self.rest.decode("get_position", raw, list[m.PositionRisk], strict=False)
        return [
            parse.parse_position(p, self.from_venue_symbol(p.symbol))
            for p in rows
            if p.positionAmt != 0 and p.symbol in self._by_venue_symbol
        ]

    async def get_account(self) -> AccountSnapshot:
        if self.asset_type is AssetType.SPOT:
            return await self._spot_account()
        open_orders, raw, positions = await asyncio.gather(
            self.get_open_orders(), self._signed("get_account"), self.get_position()
        )
        acct = self.rest.decode("get_account", raw, m.FuturesAccount)
        balances = parse.parse_account_balances(acct)
        capital, equity = acct.totalWalletBalance, acct.totalMarginBalance
        return margin_account(self.key, balances, positions, open_orders, capital, equity)

    def _open_notional(self, orders: Sequence[Order], prices: Mapping[str, Decimal]) -> Decimal:
        """What open orders would trade, in USDT: orders quoted in another asset are
        converted at its USDT price (left out if it has none)."""
        total = Decimal(0)
        for o in orders:
            quote = self._instruments[o.symbol].quote
            rate = Decimal(1) if quote == "USDT" else prices.get(quote)
            if rate is not None:
                total += o.remaining_qty * (o.price or Decimal(0)) * rate
        return total

    async def _prices(self, quote: str = "USDT") -> dict[str, Decimal]:
        await self.instruments()
        rows = self.rest.decode("get_prices", await self._public("get_prices"), list[m.PriceTicker])
        out = {}
        for row in rows:
            inst = self._by_venue_symbol.get(row.symbol)
            if inst is not None and inst.quote == quote:
                out[inst.base] = row.price
        return out

    async def _set_leverage(self, symbol: str, leverage: int) -> int:
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("set_leverage")
        params = {"symbol": self.to_venue_symbol(symbol), "leverage": leverage}
        raw = await self._signed("set_leverage", params, idempotent=True)
        return self.rest.decode("set_leverage", raw, m.LeverageResponse).leverage

    async def get_leverage(self, symbol: str) -> int:
        """positionRisk v2 lists every symbol, flat ones too, each with its leverage
        (§2: one row per leg in hedge mode, the same leverage on both)."""
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("get_leverage")
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol)}
        raw = await self._signed("get_position", params)
        rows = self.rest.decode("get_position", raw, list[m.PositionRisk], strict=False)
        levels = [p.leverage for p in rows if p.leverage is not None]
        if not levels:
            raise UnknownSymbol(f"no leverage for {symbol} on {self.key}", venue=self.key)
        return max(levels)

    async def _get_deals(self, symbol: str, limit: int, order_id: str | None) -> list[Fill]:
        await self.instruments()
        params: dict[str, Any] = {"symbol": self.to_venue_symbol(symbol), "limit": limit}
        if order_id is not None:
            params["orderId"] = order_id
        rows = await self._signed_read("get_deals", list[m.UserTrade], params)
        return [parse.parse_user_trade(t, symbol) for t in rows]
