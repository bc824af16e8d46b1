"""Binance spot and USDⓈ-M REST client (PROTOCOLS.md §1–2).

Endpoints come from venue.yaml `rest_paths`; this module holds only the logic: how
parameters are built, signed and parsed, and which requests may be repeated.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from tradeport.config.schema import RateLimitRule, ResolvedAssetConfig
from tradeport.execution.quantize import check_order
from tradeport.model import (
    AccountSnapshot,
    AssetType,
    Balance,
    Bar,
    Fill,
    Instrument,
    Offset,
    Order,
    OrderBook,
    OrderType,
    Position,
    Ticker,
    Trade,
)
from tradeport.model.errors import (
    BadParameter,
    InvalidTimestamp,
    NetworkError,
    UnknownOrderState,
)
from tradeport.transport import codec
from tradeport.transport.clock import ServerClock
from tradeport.transport.http import HttpTransport, Response, retry_after_seconds
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.base import OrderRequest, VenueClient, new_client_order_id
from tradeport.venues.binance import messages as m
from tradeport.venues.binance import parse
from tradeport.venues.binance.auth import signed_query
from tradeport.venues.binance.orders import order_params
from tradeport.venues.errormap import ErrorMapper

T = TypeVar("T")
log = logging.getLogger("tradeport.venues.binance")

_INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}


class BinanceRest(VenueClient):
    """The REST half of the Binance client; `client.BinanceClient` adds the streams."""

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        base_url: str,
        api_key: str = "",
        secret: str = "",
        environment: str = "live",
        allow_mainnet: bool = False,
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        recv_window_ms: int | None = None,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
        **unused: Any,
    ) -> None:
        if unused:
            raise BadParameter(f"unexpected options for Binance: {sorted(unused)}")
        super().__init__(
            config,
            base_url=base_url,
            api_key=api_key,
            secret=secret,
            environment=environment,
            allow_mainnet=allow_mainnet,
        )
        self.asset_type = asset_type
        self.key = f"BINANCE___{asset_type.name}"
        conn = config.venue.connection
        self.recv_window_ms = recv_window_ms or conn.recv_window_ms
        self.clock = ServerClock()
        host = self._host = base_url.split("://", 1)[-1].split("/", 1)[0]
        # Binance's fixed windows start at whole minutes of *its* clock
        self.limiter = RateLimiter(
            config.rate_limits,
            host=host,
            enabled=rate_limit,
            wall_clock=lambda: self.clock.now_ms() / 1000,
        )
        self.http = HttpTransport(
            base_url,
            venue=self.key,
            timeout=timeout or conn.timeout,
            retries=conn.retries,
            limiter=self.limiter,
            secrets=(secret,),
            engine=http_engine,
            block_rules=self._broken_budget,
        )
        # over budget: wait for room (default) or raise RateLimitExceeded at once
        self._wait = rate_limit_wait
        self._clock_synced = False
        self._clock_lock = asyncio.Lock()
        self.errors = ErrorMapper(self.key, config.error_map)
        self._hedge_mode: bool | None = None

    async def _close_transport(self) -> None:
        await self.http.close()
        if self._emulator is not None:
            # the emulator goes away with us: its address's shared budgets must not
            # outlive it (a new one may reuse the port)
            RateLimiter.forget_host(self._host)

    def _broken_budget(self, resp: Response) -> list[str] | None:
        """Which limiter rules a 429/418 stops: -1015 is the account's order rate
        (§1.7), so only the order-count rules; anything else stops every rule."""
        try:
            code = codec.decode(resp.body, m.ErrorBody).code
        except msgspec.DecodeError:
            return None
        if code == -1015:
            return [r.name for r in self.limiter.rules if r.endpoints]
        return None

    # -- request plumbing --------------------------------------------------------------
    def _endpoint(self, name: str) -> tuple[str, str]:
        spec = self.config.rest_paths.get(name)
        if spec is None:
            raise self._unsupported(name)
        method, _, path = spec.partition(" ")
        return method, path

    def _check(self, resp: Response, *, mutation: bool = False) -> bytes:
        if resp.status < 400:
            return resp.body
        try:
            err = codec.decode(resp.body, m.ErrorBody)
            code, msg = err.code, err.msg
        except msgspec.DecodeError:  # a proxy's HTML page or an empty body: classify by status
            code, msg = None, resp.body[:200].decode(errors="replace")
        raise self.errors.error(
            code,
            msg,
            status=resp.status,
            retry_after=retry_after_seconds(resp.headers),
            mutation=mutation,
        )

    async def _public_response(
        self, name: str, params: Mapping[str, Any] | None = None
    ) -> Response:
        method, path = self._endpoint(name)
        query = codec.encode_query(params.items()) if params else ""
        resp = await self.http.request(
            method,
            path,
            query=query,
            weight_params=params,
            endpoint=f"{method} {path}",
            wait=self._wait,
        )
        self._check(resp)
        return resp

    async def _public(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        return (await self._public_response(name, params)).body

    async def _keyed(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        """A USER_STREAM request (listen keys): the API key alone, no signature (§2.3).
        Creating or extending a listen key is safe to repeat."""
        if not self.api_key:
            raise BadParameter(f"{name} needs api_key")
        method, path = self._endpoint(name)
        query = codec.encode_query(params.items()) if params else ""
        resp = await self.http.request(
            method,
            path,
            query=query,
            headers={"X-MBX-APIKEY": self.api_key},
            endpoint=f"{method} {path}",
            weight_params=params,
            idempotent=True,
            wait=self._wait,
        )
        return self._check(resp)

    async def _signed(
        self, name: str, params: Mapping[str, Any] | None = None, *, idempotent: bool | None = None
    ) -> bytes:
        """A SIGNED request. On -1021 the clock offset is resampled and the request sent
        once more: the venue rejected it before acting, so repeating it is safe."""
        if self._endpoint(name)[0] != "GET":  # nothing changes on mainnet unless allowed
            self.check_trading_allowed(name)
        if not self.api_key or not self._secret:
            raise BadParameter(f"{name} needs api_key and secret")
        if not self._clock_synced:
            async with self._clock_lock:  # concurrent first calls sample the clock once
                if not self._clock_synced:
                    await self.sync_clock()
        try:
            return await self._send_signed(name, params, idempotent)
        except InvalidTimestamp:
            log.info("%s: -1021, resynchronising the clock and retrying once", self.key)
            await self.sync_clock()
            return await self._send_signed(name, params, idempotent)

    async def _send_signed(
        self, name: str, params: Mapping[str, Any] | None, idempotent: bool | None
    ) -> bytes:
        method, path = self._endpoint(name)
        pairs = [(k, str(v)) for k, v in (params or {}).items() if v is not None]
        pairs += [("recvWindow", str(self.recv_window_ms)), ("timestamp", str(self.clock.now_ms()))]
        signed = signed_query(self._secret, pairs)
        headers = {"X-MBX-APIKEY": self.api_key}
        body = None
        query = signed
        if method in ("POST", "PUT"):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body, query = signed.encode(), ""
        resp = await self.http.request(
            method,
            path,
            query=query,
            body=body,
            headers=headers,
            endpoint=f"{method} {path}",
            weight_params=params,
            idempotent=idempotent,
            wait=self._wait,
        )
        return self._check(resp, mutation=method != "GET")

    async def sync_clock(self) -> float:
        async def fetch() -> int:
            return codec.decode(await self._public("get_server_time"), m.ServerTime).serverTime

        offset = await self.clock.sync(fetch)
        self._clock_synced = True
        return offset

    # -- market data -------------------------------------------------------------------
    async def get_server_time(self) -> int:
        return codec.decode(await self._public("get_server_time"), m.ServerTime).serverTime

    async def get_exchange_info(self) -> list[Instrument]:
        resp = await self._public_response("get_exchange_info")
        info = codec.decode(resp.body, m.ExchangeInfo)
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
        order_endpoints = [f"POST {self._endpoint('make_order')[1]}"]
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
            return parse.parse_ticker(codec.decode(raw, m.Ticker24h, strict=False), symbol)
        # USDⓈ-M 24 h tickers carry no bid/ask: take them from the book ticker
        raw, raw_book = await asyncio.gather(
            self._public("get_tick", params), self._public("get_book_ticker", params)
        )
        return parse.parse_ticker(
            codec.decode(raw, m.Ticker24h, strict=False),
            symbol,
            codec.decode(raw_book, m.BookTicker, strict=False),
        )

    async def get_depth(self, symbol: str, limit: int = 20) -> OrderBook:
        raw = await self._public(
            "get_depth", {"symbol": self.to_venue_symbol(symbol), "limit": limit}
        )
        return parse.parse_depth(codec.decode(raw, m.Depth, strict=False), symbol)

    async def get_kline(
        self,
        symbol: str,
        period: str = "1m",
        limit: int = 100,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Bar]:
        interval = self.config.kline_periods.get(period)
        if interval is None:
            raise BadParameter(
                f"period {period!r} not offered; have {sorted(self.config.kline_periods)}"
            )
        params: dict[str, Any] = {"symbol": self.to_venue_symbol(symbol), "interval": interval}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        params["limit"] = limit
        rows = codec.decode(await self._public("get_kline", params), list[m.Kline], strict=False)
        now = int(time.time() * 1000)
        return [parse.parse_kline(k, symbol, period, now) for k in rows]

    async def get_trades(self, symbol: str, limit: int = 100) -> list[Trade]:
        raw = await self._public(
            "get_trades", {"symbol": self.to_venue_symbol(symbol), "limit": limit}
        )
        now = time.time_ns()
        rows = codec.decode(raw, list[m.PublicTrade], strict=False)
        return [parse.parse_trade(t, symbol, now) for t in rows]

    # -- trading -----------------------------------------------------------------------
    async def hedge_mode(self) -> bool:
        """USDⓈ-M position mode (dual side = hedge), read once and cached."""
        if self.asset_type is AssetType.SPOT:
            return False
        if self._hedge_mode is None:
            raw = await self._signed("get_position_mode")
            self._hedge_mode = codec.decode(raw, m.PositionMode).dualSidePosition
        return self._hedge_mode

    async def set_position_mode(self, hedge: bool) -> None:
        """USDⓈ-M: hedge (dual side) or one-way mode; the venue refuses while positions
        or orders are open."""
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("set_position_mode")
        params = {"dualSidePosition": "true" if hedge else "false"}
        await self._signed("set_position_mode", params, idempotent=True)
        self._hedge_mode = hedge

    async def submit_order(self, req: OrderRequest) -> Order:
        self.check_trading_allowed("make_order")
        inst = await self.instrument(req.symbol)
        check_order(
            inst,
            req.qty,
            None if req.type is OrderType.MARKET else req.price,
            reduce_only=req.offset is Offset.CLOSE or req.reduce_only,
        )
        cid = req.client_order_id or new_client_order_id()
        hedge = await self.hedge_mode()
        params = order_params(req, inst, self.asset_type, hedge=hedge)
        params["newClientOrderId"] = cid
        try:
            raw = await self._signed("make_order", params, idempotent=False)
        except (NetworkError, UnknownOrderState) as exc:
            # never resend: the venue may have the order. Ask it by our client id.
            log.warning("%s: order %s outcome unknown (%s); reconciling", self.key, cid, exc)
            return await self._reconcile_unknown(req, cid)
        o = codec.decode(raw, m.OrderResponse)
        return parse.parse_order(o, req.symbol, self.config.order_status_map)

    def _order_ref(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> dict[str, Any]:
        if order_id is None and client_order_id is None:
            raise BadParameter("give order_id or client_order_id")
        params: dict[str, Any] = {"symbol": self.to_venue_symbol(symbol)}
        if order_id is not None:
            params["orderId"] = order_id
        else:
            params["origClientOrderId"] = client_order_id
        return params

    async def cancel_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        await self.instruments()
        # a cancel is safe to repeat: a second one only reports "Unknown order"
        raw = await self._signed(
            "cancel_order", self._order_ref(symbol, order_id, client_order_id), idempotent=True
        )
        return parse.parse_order(
            codec.decode(raw, m.OrderResponse), symbol, self.config.order_status_map
        )

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        await self.instruments()
        raw = await self._signed("query_order", self._order_ref(symbol, order_id, client_order_id))
        return parse.parse_order(
            codec.decode(raw, m.OrderResponse), symbol, self.config.order_status_map
        )

    async def orders_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Order]:
        """Every order of `symbol` created at or after `start_ms`, in any state (the
        venue's order history: `allOrders` with `startTime`)."""
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol), "startTime": start_ms, "limit": limit}
        rows = codec.decode(await self._signed("get_orders", params), list[m.OrderResponse])
        smap = self.config.order_status_map
        return [parse.parse_order(o, symbol, smap) for o in rows]

    async def fills_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Fill]:
        """Own fills of `symbol` at or after `start_ms`."""
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol), "startTime": start_ms, "limit": limit}
        rows = codec.decode(await self._signed("get_deals", params), list[m.UserTrade])
        return [parse.parse_user_trade(t, symbol) for t in rows]

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol)} if symbol else None
        rows = codec.decode(await self._signed("get_open_orders", params), list[m.OrderResponse])
        smap = self.config.order_status_map
        # USDⓈ-M also lists orders on delivery contracts, which are not this market's
        return [
            parse.parse_order(o, self.from_venue_symbol(o.symbol), smap)
            for o in rows
            if o.symbol in self._by_venue_symbol
        ]

    async def get_balance(self) -> dict[str, Balance]:
        if self.asset_type is AssetType.SPOT:
            acct = codec.decode(await self._signed("get_balance"), m.SpotAccount)
            return parse.parse_spot_balances(acct)
        rows = codec.decode(await self._signed("get_balance"), list[m.FuturesBalance])
        return parse.parse_futures_balances(rows)

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("get_position")
        await self.instruments()
        params = {"symbol": self.to_venue_symbol(symbol)} if symbol else None
        rows = codec.decode(
            await self._signed("get_position", params), list[m.PositionRisk], strict=False
        )
        return [
            parse.parse_position(p, self.from_venue_symbol(p.symbol))
            for p in rows
            if p.positionAmt != 0 and p.symbol in self._by_venue_symbol
        ]

    async def get_account(self) -> AccountSnapshot:
        if self.asset_type is AssetType.SPOT:
            open_orders, balances, prices = await asyncio.gather(
                self.get_open_orders(), self.get_balance(), self._prices()
            )
            capital = balances["USDT"].total if "USDT" in balances else Decimal(0)
            return AccountSnapshot(
                venue=self.key,
                balances=balances,
                positions=[],
                open_orders=open_orders,
                capital=capital,
                # every asset valued at its last USDT price; assets with no USDT market
                # are left out rather than guessed
                equity=capital
                + sum(
                    (b.total * prices[a] for a, b in balances.items() if a in prices),
                    Decimal(0),
                ),
                open_notional=self._spot_open_notional(open_orders, prices),
                ts=int(time.time() * 1000),
            )
        open_orders, raw, positions = await asyncio.gather(
            self.get_open_orders(), self._signed("get_account"), self.get_position()
        )
        acct = codec.decode(raw, m.FuturesAccount)
        return AccountSnapshot(
            venue=self.key,
            balances=parse.parse_account_balances(acct),
            positions=positions,
            open_orders=open_orders,
            capital=acct.totalWalletBalance,
            equity=acct.totalMarginBalance,
            open_notional=sum((p.notional for p in positions), Decimal(0)),
            ts=int(time.time() * 1000),
        )

    def _spot_open_notional(self, orders: list[Order], prices: dict[str, Decimal]) -> Decimal:
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
        """Last price in `quote` of every base asset that trades against it."""
        await self.instruments()
        rows = codec.decode(await self._public("get_prices"), list[m.PriceTicker])
        out = {}
        for row in rows:
            inst = self._by_venue_symbol.get(row.symbol)
            if inst is not None and inst.quote == quote:
                out[inst.base] = row.price
        return out

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("set_leverage")
        params = {"symbol": self.to_venue_symbol(symbol), "leverage": leverage}
        raw = await self._signed("set_leverage", params, idempotent=True)
        return codec.decode(raw, m.LeverageResponse).leverage

    async def get_deals(
        self, symbol: str, limit: int = 100, order_id: str | None = None
    ) -> list[Fill]:
        await self.instruments()
        params: dict[str, Any] = {"symbol": self.to_venue_symbol(symbol), "limit": limit}
        if order_id is not None:
            params["orderId"] = order_id
        rows = codec.decode(await self._signed("get_deals", params), list[m.UserTrade])
        return [parse.parse_user_trade(t, symbol) for t in rows]
