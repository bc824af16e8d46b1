"""A venue client whose REST calls go through the pipeline (kit/rest.py)."""

from __future__ import annotations

from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.venues.base import VenueClient
from tradeport.venues.kit.dialect import RestDialect
from tradeport.venues.kit.rest import RestPipeline


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
        """How this venue signs and answers a call, built from the client's options."""
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
