"""A venue client whose REST calls go through the pipeline (kit/rest.py), and what
every such client does the same way: its transport options, the read-back of an
acknowledged cancel, a spot market's account."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AccountSnapshot, Order
from tradeport.model.errors import OrderNotFound, UnknownOrderState
from tradeport.venues.base import VenueClient
from tradeport.venues.kit import arguments
from tradeport.venues.kit.account import open_notional, spot_account
from tradeport.venues.kit.dialect import RestDialect
from tradeport.venues.kit.rest import RestPipeline

T = TypeVar("T")


class RestClient(VenueClient):
    """Wires the pipeline into the client: `rest` makes the calls; `http`, `limiter`
    and `clock` are its transport, rate limiter and venue clock, observable on the
    client. A venue's constructor names only its own options, sets `key` and what
    `make_dialect` reads, then passes the other options on."""

    dialect: RestDialect

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
        **options: Any,
    ) -> None:
        """`rate_limit`: keep to the venue's budgets in venue.yaml; over budget,
        `rate_limit_wait` waits for room (default) or raises RateLimitExceeded at once.
        `timeout`: seconds per HTTP request (default: venue.yaml `connection.timeout`);
        `http_engine`: the HTTP library. The other options are VenueClient's."""
        if timeout is not None:
            timeout = arguments.seconds("timeout", timeout)
        super().__init__(config, **options)
        self.dialect = self.make_dialect()
        self.rest = RestPipeline(
            config,
            self.dialect,
            venue=self.key,
            base_url=self.base_url,
            check_trading_allowed=self.check_trading_allowed,
            rate_limit=rate_limit,
            rate_limit_wait=rate_limit_wait,
            timeout=timeout,
            http_engine=http_engine,
        )
        self.http = self.rest.http
        self.limiter = self.rest.limiter
        self.clock = self.rest.clock

    def make_dialect(self) -> RestDialect:
        """How this venue signs and answers a call, built from the client's options
        (every venue has one)."""
        raise NotImplementedError

    async def _close_transport(self) -> None:
        await self.rest.close(forget_host=self._emulator is not None)

    async def sync_clock(self) -> float:
        """Sample the venue clock (signed requests carry its time)."""
        return await self.rest.sync_clock()

    async def get_server_time(self) -> int:
        return await self.rest.server_time()

    async def _send_order(self, params: dict[str, Any]) -> bytes:
        return await self.rest.call("make_order", params, signed=True, idempotent=False)

    async def _read_back_cancel(self, order_id: str, lookup: Awaitable[T]) -> T:
        """The order a venue acknowledged a cancel of, as `lookup` reads it back; an
        order the venue no longer lists has an outcome we cannot tell."""
        try:
            return await lookup
        except OrderNotFound:
            raise UnknownOrderState(
                f"cancel of {order_id} acknowledged, but the order is not listed",
                venue=self.key,
            ) from None

    # -- a spot market's account (kit/account.py) ----------------------------------------
    async def _spot_account(self) -> AccountSnapshot:
        open_orders, balances, prices = await asyncio.gather(
            self.get_open_orders(), self.get_balance(), self._prices()
        )
        notional = self._open_notional(open_orders, prices)
        return spot_account(self.key, balances, open_orders, prices, notional)

    def _open_notional(self, orders: Sequence[Order], prices: Mapping[str, Decimal]) -> Decimal:
        """What the open orders would trade, in their quote asset (a venue whose spot
        market has other quotes converts them at `prices`)."""
        return open_notional(orders)

    async def _prices(self, quote: str = "USDT") -> dict[str, Decimal]:
        """Last price in `quote` of every base asset that trades against it."""
        raise self._unsupported("get_account")
