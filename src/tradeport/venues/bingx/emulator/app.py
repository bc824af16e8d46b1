"""The BingX emulator: the USDT-M perpetual swap REST API on one aiohttp server, backed
by the shared matching engine (one `perp` engine, the market `swap`). Facts:
PROTOCOLS.md §5. Its public streams (streams.py) are served on the same host."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aiohttp import web

from tradeport.emulator.accounts import EmulatorAccount
from tradeport.emulator.admin import Admin
from tradeport.emulator.host.limits import interval_ms
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.symbol_set import SymbolSet
from tradeport.emulator.symbols import SymbolSpec, listed_symbols
from tradeport.emulator.venue import HISTORY_MINUTES, VenueEmulator
from tradeport.model import AssetType
from tradeport.venues.bingx.emulator.account_stream import AccountStreams
from tradeport.venues.bingx.emulator.context import SWAP_FEES, BingxContext
from tradeport.venues.bingx.emulator.rest import install_rest
from tradeport.venues.bingx.emulator.streams import install_streams


class BingxEmulator(VenueEmulator):
    venue_name = "BingX"

    def __init__(
        self,
        *,
        accounts: Sequence[EmulatorAccount] | None = None,
        seed: int = 7,
        step_interval: float | None = 0.25,
        market_limit: int = 500,
        account_limit: int = 2000,
        window_ms: int = 10_000,
        order_limit: int = 10,
        weight_limit: int | None = None,
        weight_interval: tuple[int, str] | None = None,
        extra_symbols: int = 0,
        load_depth: int = 0,
        stream_time_scale: float = 1.0,
    ) -> None:
        """`market_limit` / `account_limit`: requests per IP per `window_ms` in the
        market and account groups (500 and 2000 per 10 s, §5.3); `order_limit`:
        orders per account per second. `weight_limit` / `weight_interval` (as every
        emulator takes them) replace both group limits and their window.
        `extra_symbols` lists that many more made-up pairs."""
        # the engine names each contract as the venue does (BTC-USDT), so that engine
        # events, stream faults and the wire speak of one symbol
        _, listed = listed_symbols(extra_symbols)
        self.symbols = SymbolSet(self._venue_spec("swap", s) for s in listed)
        if weight_limit is not None:
            market_limit = account_limit = weight_limit
        if weight_interval is not None:
            window_ms = interval_ms(weight_interval)
        super().__init__(
            accounts=accounts,
            step_interval=step_interval,
            stream_time_scale=stream_time_scale,
            load_depth=load_depth,
        )
        # an unfillable FOK, a post-only that would take and a market order meeting an
        # empty book are acknowledged, then closed
        rules = {"expire_unfilled_fok": True, "expire_unplaceable": True}
        self.swap = self._engine("perp", [s.engine() for s in self.symbols], SWAP_FEES, **rules)
        market = self._synthetic_market("swap", self.swap, seed)
        market.seed_history(HISTORY_MINUTES)
        for ref in self.keys.refs:
            self.swap.open_account(ref.engine_id, ref.account.futures_balances)
        self.markets = {"swap": market}
        self.symbol_sets = {"swap": self.symbols}
        self._asset_markets = {AssetType.SWAP: "swap"}
        self.context = BingxContext(
            **self.host_fields(),
            engines={"swap": self.swap},
            symbols=self.symbols,
            market_limit=market_limit,
            account_limit=account_limit,
            window_ms=window_ms,
            order_limit=order_limit,
        )
        self.app = web.Application()
        self.account_streams = AccountStreams(self.context)
        # the WebSocket route first: the REST catch-all must not swallow it
        self.streams = install_streams(self.context, self.account_streams, self.app)
        Admin(self).install(self.app)
        self.rest = install_rest(self.context, self.account_streams, self.app)
        self._server = EmulatorServer(self.app)
        self._serve([self._server], [self.streams])

    def _venue_spec(self, market: str, spec: SymbolSpec) -> SymbolSpec:
        return replace(spec, symbol=f"{spec.base}-{spec.quote}")

    def _market_symbol(self, market: str, symbol: str) -> str:
        """The engine names contracts as the venue does: `BTC-USDT` as it is, and
        `BTCUSDT` (the other venues' engine name) as `BTC-USDT` too."""
        if symbol in self.markets[market].engine.instruments:
            return symbol
        spec = next((s for s in self.symbols if f"{s.base}{s.quote}" == symbol), None)
        return symbol if spec is None else spec.symbol
