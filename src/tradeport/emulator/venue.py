"""What every venue's emulator holds alike: the accounts and their keys, the server
clock, the REST and stream fault plans, and two synthetic markets (spot and one
derivatives market) with the tasks that move them.

A venue's emulator subclasses `VenueEmulator`, builds its two engines, hands them to
`_open_markets`, composes its skin (REST gateway and stream parts, given a context built
on `host_fields()`) and lists its servers and stream parts in `_serve`; `start` / `stop`
bring those up and down around the market tasks.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Literal, Protocol, Self

from tradeport.emulator.accounts import DEFAULT_ACCOUNTS, EmulatorAccount, KeyRing
from tradeport.emulator.admin import ADMIN_TOKEN_HEADER
from tradeport.emulator.engine import Engine, EngineInstrument
from tradeport.emulator.faults import FaultPlan
from tradeport.emulator.host.clock import ServerClock
from tradeport.emulator.host.context import EmulatorContext, HostFields
from tradeport.emulator.listing import Listings, ListingState, parse_listing_state
from tradeport.emulator.load import LOAD_INTERVAL, LoadMarket
from tradeport.emulator.market import SyntheticMarket
from tradeport.emulator.server import EmulatorServer, ServerLimits
from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.symbol_set import SymbolSet
from tradeport.emulator.symbols import NewContract, SymbolSpec, is_made_up
from tradeport.emulator.ws import StreamConnections
from tradeport.model import AssetType

# minutes of one-minute trading every symbol starts with (klines, trades, 24 h ticker)
HISTORY_MINUTES = 500


def redacted(value: str, *, keep: int = 0) -> str:
    """`value` with all but its first `keep` characters hidden (all when it is short)."""
    head = value[:keep] if len(value) >= 3 * keep else ""
    return f"{head}***(redacted)"


class StreamPart(Protocol):
    """A skin's stream side: its clocks start with the servers and stop before them."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class VenueEmulator:
    """The shared control surface: `credentials`, `describe_accounts`, `now_ms`, `step`,
    `move_to` / `move_market`, `engine_for` and `start` / `stop`.

    `venue_name` names the venue in errors; a market is addressed by the venue's own
    name for it ("spot", "futures", "linear", …), set by `_open_markets`."""

    venue_name: str = ""
    # what the venue's skin is given; its markets are the engines by the venue's names
    context: EmulatorContext

    def __init__(
        self,
        *,
        accounts: Sequence[EmulatorAccount] | None,
        step_interval: float | None,
        shutdown_notice: Callable[[], str] | None = None,
        stream_time_scale: float = 1.0,
        load_depth: int = 0,
    ) -> None:
        """`step_interval` None: the markets move only when told (`step`, `move_to`).
        `shutdown_notice` is the frame a venue sends before a maintenance disconnect;
        `stream_time_scale` multiplies every timed stream's period. `load_depth` > 0:
        the made-up extra symbols of the derivatives market carry market-data load
        (`load.py`: books of that many levels a side, stepped every `LOAD_INTERVAL` s,
        no orders) instead of the matching synthetic market, and those of the spot
        market are left unquoted (empty books): the load is for perpetuals, and
        stepping both markets would double its cost."""
        if stream_time_scale <= 0:
            raise ValueError(f"stream_time_scale must be positive, not {stream_time_scale}")
        if load_depth < 0:
            raise ValueError(f"load_depth must be 0 or more, not {load_depth}")
        self.load_depth = load_depth
        # the market-data load of each market that has made-up symbols, by market name
        self.load_markets: dict[str, LoadMarket] = {}
        self.stream_time_scale = stream_time_scale
        self.keys = KeyRing(list(accounts if accounts is not None else DEFAULT_ACCOUNTS))
        self.accounts = [r.account for r in self.keys.refs]
        self.clock = ServerClock()
        # what admits a request to the admin endpoints (`admin.py`); new per emulator
        self.admin_token = secrets.token_urlsafe(24)
        self.faults = FaultPlan()
        # stream faults and the live sockets they reach, shared by every stream endpoint
        self.connections = StreamConnections()
        self.stream_faults = StreamFaultPlan(self.connections, shutdown_notice=shutdown_notice)
        self.step_interval = step_interval
        # timeouts and sizes every server of this emulator enforces (set before start)
        self.server_limits = ServerLimits()
        # what each market's instruments payload announces of each symbol
        self.listings = Listings()
        # the symbols each market's skin lists, by market name (filled by the venue's
        # app); a contract listed at runtime is added to its market's set
        self.symbol_sets: dict[str, SymbolSet] = {}
        self._markets: dict[str, SyntheticMarket] = {}
        self._asset_markets: dict[AssetType, str] = {}
        self._market_tasks: list[asyncio.Task[None]] = []
        self._servers: list[EmulatorServer] = []
        self._stream_parts: list[StreamPart] = []

    @property
    def markets(self) -> dict[str, SyntheticMarket]:
        """The synthetic markets by the venue's name of each market."""
        return self._markets

    @markets.setter
    def markets(self, markets: dict[str, SyntheticMarket]) -> None:
        # each engine refuses orders by the listing its market announces
        self._markets = markets
        for name, market in markets.items():
            market.engine.listing = functools.partial(self.listings.state, name)

    def admin_headers(self) -> dict[str, str]:
        """The header that admits a request to the `/_emulator/*` endpoints."""
        return {ADMIN_TOKEN_HEADER: self.admin_token}

    def host_fields(self) -> HostFields:
        """What every venue's skin context holds from the emulator itself."""
        return HostFields(
            keys=self.keys,
            clock=self.clock,
            faults=self.faults,
            stream_faults=self.stream_faults,
            connections=self.connections,
            stream_time_scale=self.stream_time_scale,
            listings=self.listings,
        )

    def _serve(self, servers: Sequence[EmulatorServer], streams: Sequence[StreamPart]) -> None:
        """The servers to bind (the first one's URL is the REST base URL; the others
        take free ports) and the stream parts to start after them, stopped in reverse."""
        self._servers = list(servers)
        self._stream_parts = list(streams)

    def _engine(
        self,
        kind: Literal["spot", "perp"],
        instruments: Sequence[EngineInstrument],
        fees: tuple[Decimal, Decimal],
        *,
        expire_unfilled_fok: bool = False,
        expire_unplaceable: bool = False,
    ) -> Engine:
        """A matching engine on the server clock with the venue's (maker, taker) fees;
        the `expire_*` rules are the engine's."""
        return Engine(
            kind,
            instruments,
            maker_fee=fees[0],
            taker_fee=fees[1],
            clock=self.now_ms,
            expire_unfilled_fok=expire_unfilled_fok,
            expire_unplaceable=expire_unplaceable,
        )

    def _ws_url(self, server: EmulatorServer) -> str:
        """`ws://host:port` of a running server."""
        return "ws" + server.base_url.removeprefix("http")

    def _open_markets(
        self,
        spot: tuple[str, Engine],
        derivatives: tuple[str, Engine],
        *,
        seed: int,
    ) -> tuple[SyntheticMarket, SyntheticMarket]:
        """Start a synthetic market with `HISTORY_MINUTES` of history on each (named)
        engine, then fund every account: spot balances on the spot engine, futures
        balances on the derivatives one. Returns the two markets."""
        (spot_name, spot_engine), (derivatives_name, derivatives_engine) = spot, derivatives
        spot_market = self._synthetic_market(spot_name, spot_engine, seed, load=False)
        derivatives_market = self._synthetic_market(derivatives_name, derivatives_engine, seed + 1)
        spot_market.seed_history(HISTORY_MINUTES)
        derivatives_market.seed_history(HISTORY_MINUTES)
        for ref in self.keys.refs:
            spot_engine.open_account(ref.engine_id, ref.account.spot_balances)
            derivatives_engine.open_account(ref.engine_id, ref.account.futures_balances)
        self.markets = {spot_name: spot_market, derivatives_name: derivatives_market}
        self._asset_markets = {AssetType.SPOT: spot_name, AssetType.SWAP: derivatives_name}
        return spot_market, derivatives_market

    def _synthetic_market(
        self, name: str, engine: Engine, seed: int, *, load: bool = True
    ) -> SyntheticMarket:
        """The matching synthetic market of `engine` (market `name`). With `load_depth`,
        its made-up symbols leave it: to a `LoadMarket` (kept in `load_markets`) when
        `load`, else unquoted."""
        made_up = {s for s, i in engine.instruments.items() if is_made_up(i.base)}
        if not self.load_depth or not made_up:
            return SyntheticMarket(engine, seed=seed)
        if load:
            self.load_markets[name] = LoadMarket(engine, made_up, seed=seed, levels=self.load_depth)
        quoted = [s for s in engine.instruments if s not in made_up]
        return SyntheticMarket(engine, seed=seed, symbols=quoted)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = await self._start_serving(host, port)
        if self.step_interval is not None:
            self._market_tasks = [
                asyncio.create_task(market.run(self.step_interval))
                for market in self.markets.values()
            ]
            self._market_tasks += [
                asyncio.create_task(load.run(LOAD_INTERVAL)) for load in self.load_markets.values()
            ]
        return url

    async def __aenter__(self) -> Self:
        """Serve on a free loopback port until the block ends."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        tasks, self._market_tasks = self._market_tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        # answer requests an injected delay still holds, so the servers stop at once
        self.faults.clear()
        await self._stop_serving()
        for task in tasks:
            # a market task that died on its own is a bug worth seeing, not a shutdown
            if not task.cancelled() and task.exception() is not None:
                raise RuntimeError("a synthetic market task failed") from task.exception()

    @property
    def base_url(self) -> str:
        return self._servers[0].base_url

    def stream_url(self, asset_type: AssetType) -> str:
        """`ws://host:port` of the stream host serving `asset_type`; the client appends
        the venue's stream paths. One host serves every path unless a venue says so."""
        self.market_name(asset_type)
        return self._ws_url(self._servers[0])

    async def _start_serving(self, host: str, port: int) -> str:
        """Bind the venue's servers and start its streams; returns the REST base URL."""
        started: list[EmulatorServer] = []
        try:
            for server in self._servers:
                await server.start(host, port if not started else 0, self.server_limits)
                started.append(server)
        except BaseException:
            for server in reversed(started):
                await server.stop()
            raise
        for part in self._stream_parts:
            await part.start()
        return self.base_url

    async def _stop_serving(self) -> None:
        # streams first: their sockets are closed (code 1001) before the servers go
        for part in reversed(self._stream_parts):
            await part.stop()
        for server in reversed(self._servers):
            await server.stop()

    # -- accounts ----------------------------------------------------------------------
    def credentials(self, index: int = 0) -> tuple[str, str]:
        """(api_key, secret) of an account, the first by default."""
        account = self.accounts[index]
        return account.api_key, account.secret

    def describe_accounts(self) -> list[str]:
        """One line per account: its credentials and starting funds. Only the emulator's
        own well-known test credentials are shown; those of accounts a user supplied
        are redacted (an api key keeps its first characters, to tell accounts apart)."""

        def funds(balances: Mapping[str, Decimal]) -> str:
            return ", ".join(f"{a} {v}" for a, v in balances.items())

        return [
            f"{self._account_keys(a)} spot: {funds(a.spot_balances)}; "
            f"{self._derivatives_label()}: {funds(a.futures_balances)}"
            for a in self.accounts
        ]

    def _account_keys(self, account: EmulatorAccount) -> str:
        shown = account in DEFAULT_ACCOUNTS
        fields = self._credential_fields(account)
        return " ".join(
            f"{name}={value if shown else redacted(value, keep=4 if name == 'api_key' else 0)}"
            for name, value in fields.items()
        )

    def _credential_fields(self, account: EmulatorAccount) -> dict[str, str]:
        """An account's credentials by name (a venue with a passphrase adds it)."""
        return {"api_key": account.api_key, "secret": account.secret}

    def _derivatives_label(self) -> str:
        """How `describe_accounts` names the derivatives market's funds."""
        return self._asset_markets[AssetType.SWAP]

    # -- control (tests and demos) -----------------------------------------------------
    @property
    def clock_skew_ms(self) -> int:
        """How far the server clock runs ahead of real time (negative: behind)."""
        return self.clock.skew_ms

    @clock_skew_ms.setter
    def clock_skew_ms(self, skew_ms: int) -> None:
        self.clock.skew_ms = skew_ms

    def now_ms(self) -> int:
        """The server clock: real time plus `clock_skew_ms`."""
        return self.clock.now_ms()

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            for market in self.markets.values():
                market.step()
            for load in self.load_markets.values():
                load.step()

    def market_name(self, asset_type: AssetType) -> str:
        """The venue's name of the market trading `asset_type`."""
        if asset_type not in self._asset_markets:
            raise ValueError(f"no {asset_type.value} market in the {self.venue_name} emulator")
        return self._asset_markets[asset_type]

    def engine(self, market: str) -> Engine:
        """The matching engine of a market, by the venue's name for it."""
        return self.context.engine(market)

    def fees(self, market: str) -> tuple[Decimal, Decimal]:
        """(maker, taker) fee rates of a market."""
        return self.context.fees(market)

    def engine_for(self, asset_type: AssetType) -> Engine:
        """The matching engine behind `asset_type` (tests compare books against it)."""
        return self.markets[self.market_name(asset_type)].engine

    def move_to(self, market: str, symbol: str, price: Decimal | str) -> None:
        """Walk `market` (e.g. "spot") to `price`; resting orders it crosses fill."""
        synthetic = self._synthetic(market)
        venue_symbol = self._market_symbol(market, symbol)
        if venue_symbol not in synthetic.engine.instruments:
            raise ValueError(f"unknown {market} {self._symbol_noun} {symbol!r}")
        target = Decimal(price)
        if not target.is_finite() or target <= 0:
            raise ValueError(f"price must be a positive number, not {price!r}")
        synthetic.move_to(venue_symbol, target)

    def move_market(self, asset_type: AssetType, symbol: str, price: Decimal) -> None:
        """`move_to` in venue-neutral terms (asset type, BASE-QUOTE symbol)."""
        market = self.market_name(asset_type)
        self.move_to(market, self._market_symbol(market, symbol), price)

    def set_listing(self, market: str, symbol: str, state: ListingState | str) -> None:
        """Announce `symbol` of `market` (the venue's names, as `move_to` takes them)
        as `state` in the instruments payload from the next request on."""
        synthetic = self._synthetic(market)
        venue_symbol = self._market_symbol(market, symbol)
        if venue_symbol not in synthetic.engine.instruments:
            raise ValueError(f"unknown {market} {self._symbol_noun} {symbol!r}")
        self.listings.set(market, venue_symbol, parse_listing_state(str(state)))

    def set_listing_state(
        self, asset_type: AssetType, symbol: str, state: ListingState | str
    ) -> None:
        """`set_listing` in venue-neutral terms (asset type, BASE-QUOTE symbol)."""
        market = self.market_name(asset_type)
        self.set_listing(market, self._market_symbol(market, symbol), state)

    def add_listing(
        self, asset_type: AssetType, symbol: str, state: ListingState = ListingState.TRADING
    ) -> None:
        """List `symbol` (BASE-QUOTE), one the emulator carries but had not announced
        (state UNLISTED): it appears in the instruments payload as `state`."""
        market = self.market_name(asset_type)
        venue_symbol = self._market_symbol(market, symbol)
        if self.listings.state(market, venue_symbol) is not ListingState.UNLISTED:
            raise ValueError(f"{market} {self._symbol_noun} {symbol!r} is listed already")
        self.set_listing(market, venue_symbol, state)

    def add_contract(
        self,
        asset_type: AssetType,
        contract: NewContract,
        state: ListingState | str = ListingState.TRADING,
    ) -> str:
        """`list_contract` in venue-neutral terms; returns the venue's symbol."""
        return self.list_contract(self.market_name(asset_type), contract, state)

    def list_contract(
        self, market: str, contract: NewContract, state: ListingState | str = ListingState.TRADING
    ) -> str:
        """List a contract the emulator did not carry: its synthetic market opens at
        `contract.start_price` (no history) and it appears, as `state`, in the
        instruments payload and the streams of `market`. Returns the venue's symbol."""
        synthetic = self._synthetic(market)
        listed_state = parse_listing_state(str(state))
        spec = self._venue_spec(market, contract.spec())
        instrument = self._engine_instrument(market, spec)
        if instrument.symbol in synthetic.engine.instruments:
            raise ValueError(f"{market} {self._symbol_noun} {contract.symbol!r} is listed already")
        # the skin learns of it first: the market's first quotes reach its streams
        self.symbol_sets[market].add(spec)
        self.listings.set(market, instrument.symbol, listed_state)
        synthetic.add_symbol(instrument)
        return instrument.symbol

    def _venue_spec(self, market: str, spec: SymbolSpec) -> SymbolSpec:
        """A new contract's spec as the venue's skin keeps it (its symbol spelling)."""
        return spec

    def _engine_instrument(self, market: str, spec: SymbolSpec) -> EngineInstrument:
        """The engine's instrument for a spec of `market` (the engine's symbol)."""
        return spec.engine()

    def _synthetic(self, market: str) -> SyntheticMarket:
        synthetic = self.markets.get(market)
        if synthetic is None:
            names = " or ".join(repr(name) for name in self.markets)
            raise ValueError(f"market must be {names}, not {market!r}")
        return synthetic

    # how the venue calls what `move_to` takes, in its errors
    _symbol_noun = "symbol"

    def _market_symbol(self, market: str, symbol: str) -> str:
        """The engine's symbol in `market` for `symbol`: the venue's own symbol as it
        is, or the library's BASE-QUOTE form (`BTC-USDT` -> `BTCUSDT` by default)."""
        return symbol.replace("-", "")
