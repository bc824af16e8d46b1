"""A venue client whose REST calls go through the pipeline (kit/rest.py)."""

from __future__ import annotations

from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model.errors import BadParameter
from tradeport.venues.base import VenueClient
from tradeport.venues.kit.dialect import RestDialect
from tradeport.venues.kit.rest import RestPipeline


class RestClient(VenueClient):
    """Wires the pipeline into the client: `rest` makes the calls; `http`, `limiter`
    and `clock` are its transport, rate limiter and venue clock, observable on the
    client. A subclass names only its own options, sets `key` and what `make_dialect`
    reads, then passes the rest of the options here."""

    dialect: RestDialect

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        base_url: str,
        api_key: str = "",
        secret: str = "",
        environment: str = "live",
        allow_mainnet: bool = False,
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
        readiness: str = "wait",
        ready_timeout: float = 10.0,
        **unused: Any,
    ) -> None:
        """Options every venue takes. `base_url`: the REST host (`create_client` takes
        it from venue.yaml `rest_urls` for the environment). `api_key`, `secret`: the
        account's credentials (signed calls need both). `allow_mainnet`: trading in the "live"
        environment is refused unless this is set. `rate_limit`: keep to the venue's
        budgets in venue.yaml; over budget, `rate_limit_wait` waits for room (default)
        or raises RateLimitExceeded at once. `timeout`: seconds per HTTP request
        (default: venue.yaml `connection.timeout`); `http_engine`: the HTTP library.
        `readiness`, `ready_timeout`: see VenueClient. Any other option is refused with
        BadParameter."""
        if unused:
            venue = config.venue.display_name
            raise BadParameter(f"unexpected options for {venue}: {sorted(unused)}")
        super().__init__(
            config,
            base_url=base_url,
            api_key=api_key,
            secret=secret,
            environment=environment,
            allow_mainnet=allow_mainnet,
            readiness=readiness,
            ready_timeout=ready_timeout,
        )
        self.dialect = self.make_dialect()
        self.rest = RestPipeline(
            config,
            self.dialect,
            venue=self.key,
            base_url=base_url,
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
