"""The Bybit v5 emulator: REST (`/v5/...`) and WebSocket (`/v5/public/spot`,
`/v5/public/linear`, `/v5/private`) on one aiohttp server, backed by two shared engines:
`spot` (category=spot) and `linear` (category=linear, USDT perpetuals).

Bybit's unified trading account holds one wallet for both categories; here each engine
keeps its own ledger and `/v5/account/wallet-balance` reports their sum per coin (a fill
in one category changes the sum by exactly its amount). Facts: PROTOCOLS.md §0, §4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import cast

from aiohttp import web

from tradeport.emulator.accounts import EmulatorAccount
from tradeport.emulator.admin import Admin
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.symbol_set import SymbolSet
from tradeport.emulator.symbols import listed_symbols
from tradeport.emulator.venue import VenueEmulator
from tradeport.model import AssetType
from tradeport.venues.bybit.emulator.context import LINEAR_FEES, SPOT_FEES, BybitContext
from tradeport.venues.bybit.emulator.ids import Category
from tradeport.venues.bybit.emulator.instruments import (
    LINEAR_MIN_NOTIONAL,
    LINEAR_PRICE_BAND,
    SPOT_PRICE_BAND,
)
from tradeport.venues.bybit.emulator.rest import install_rest
from tradeport.venues.bybit.emulator.stream_trade import TradeStream
from tradeport.venues.bybit.emulator.streams import install_streams


class BybitEmulator(VenueEmulator):
    venue_name = "Bybit"

    def __init__(
        self,
        *,
        accounts: Sequence[EmulatorAccount] | None = None,
        seed: int = 7,
        step_interval: float | None = 0.25,
        weight_limit: int | None = None,
        weight_interval: tuple[int, str] = (5, "SECOND"),
        order_limit: int | None = None,
        extra_symbols: int = 0,
        load_depth: int = 0,
        stream_time_scale: float = 1.0,
        ip_ban_ms: int | None = None,
        uid_window_ms: int = 1000,
    ) -> None:
        """`weight_limit` / `weight_interval` replace the per-IP budget (600 requests per
        5 s, §4.6) and `order_limit` the per-UID order-entry rate (10/s linear, 20/s
        spot). An IP over its budget is refused (HTTP 403) until the window has room
        again, or for `ip_ban_ms` when given (Bybit itself bans for 10 minutes).
        `uid_window_ms` stretches the per-UID rolling second (tests use long windows).
        `extra_symbols` lists that many more made-up pairs (SYM001USDT, …) in both
        categories; `stream_time_scale` multiplies every timed stream's period."""
        listed_spot, listed_linear = listed_symbols(extra_symbols)
        self.spot_symbols = SymbolSet(listed_spot)
        self.linear_symbols = SymbolSet(
            replace(spec, min_notional=LINEAR_MIN_NOTIONAL) for spec in listed_linear
        )
        self.weight_limit = weight_limit
        self.weight_interval = weight_interval
        self.order_limit = order_limit
        self.ip_ban_ms = ip_ban_ms
        self.uid_window_ms = uid_window_ms
        super().__init__(
            accounts=accounts,
            step_interval=step_interval,
            stream_time_scale=stream_time_scale,
            load_depth=load_depth,
        )
        self.symbol_sets = {"spot": self.spot_symbols, "linear": self.linear_symbols}
        # Bybit acknowledges an unfillable FOK, a post-only that would take and a market
        # order meeting an empty book, and then cancels them (create-order.mdx)
        rules = {"expire_unfilled_fok": True, "expire_unplaceable": True}
        self.spot = self._engine(
            "spot", [s.engine() for s in self.spot_symbols], SPOT_FEES, **rules
        )
        self.linear = self._engine(
            # the engine's instruments keep the shared minimum, which the synthetic book
            # sizes its levels from: the linear book stays as deep as the other venues'
            # (the skin checks Bybit's own 5 USDT minimum before an order reaches it)
            "perp",
            [s.engine() for s in listed_linear],
            LINEAR_FEES,
            **rules,
        )
        # the venue's price band (the engine has none unless a skin sets one)
        self.spot.price_band = SPOT_PRICE_BAND
        self.linear.price_band = LINEAR_PRICE_BAND
        self.spot_market, self.linear_market = self._open_markets(
            ("spot", self.spot), ("linear", self.linear), seed=seed
        )

        self.context = BybitContext(
            **self.host_fields(),
            engines={"spot": self.spot, "linear": self.linear},
            spot_symbols=self.spot_symbols,
            linear_symbols=self.linear_symbols,
            weight_limit=weight_limit,
            weight_interval=weight_interval,
            order_limit=order_limit,
            ip_ban_ms=ip_ban_ms,
            uid_window_ms=uid_window_ms,
        )
        self.app = web.Application()
        # WebSocket routes first: the REST catch-all must not swallow them
        self.streams = install_streams(self.context, self.app)
        Admin(self).install(self.app)
        self.rest, api = install_rest(self.context, self.app, self.streams.hubs)
        self.streams.bind_trade(TradeStream(self.context, api.routes, api.uid_limiter))
        self._server = EmulatorServer(self.app)
        self._serve([self._server], [self.streams])

    def category(self, asset_type: AssetType) -> Category:
        """The category trading `asset_type`; the stream paths are `/v5/public/spot`,
        `/v5/public/linear` and `/v5/private`, as on stream.bybit.com."""
        return cast(Category, self.market_name(asset_type))
