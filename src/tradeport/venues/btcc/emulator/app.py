"""The BTCC emulator: the trade API (session login, products, account, positions and
pending orders) and the quote stream (quotes.py) on one aiohttp server, backed by the
shared matching engine (one `perp` engine, the market `futures`). Facts: PROTOCOLS.md
§6, all third-party and unverified against the live venue [?]."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiohttp import web

from tradeport.emulator.accounts import EmulatorAccount
from tradeport.emulator.admin import Admin
from tradeport.emulator.market import SyntheticMarket
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.symbol_set import SymbolSet
from tradeport.emulator.symbols import listed_symbols
from tradeport.emulator.venue import HISTORY_MINUTES, VenueEmulator
from tradeport.model import AssetType
from tradeport.venues.btcc.auth import DEFAULT_SIGN_RULE, find_sign_rule
from tradeport.venues.btcc.emulator.context import FEES, BtccContext, login_name
from tradeport.venues.btcc.emulator.positions import PositionBook
from tradeport.venues.btcc.emulator.quotes import QuoteSkin
from tradeport.venues.btcc.emulator.rest import install_rest
from tradeport.venues.btcc.emulator.sessions import Sessions

# how long a session lives without a call or keep-alive [?]: the venue asks for a
# keep-alive every 20 s and does not say how long it waits
SESSION_TTL_S = 60.0


class BtccEmulator(VenueEmulator):
    venue_name = "BTCC"

    def __init__(
        self,
        *,
        accounts: Sequence[EmulatorAccount] | None = None,
        seed: int = 7,
        step_interval: float | None = 0.25,
        sign_rule: str = DEFAULT_SIGN_RULE,
        session_ttl_s: float = SESSION_TTL_S,
        read_only_keys: Collection[str] = (),
        weight_limit: int | None = None,
        weight_interval: tuple[int, str] | None = None,
        extra_symbols: int = 0,
        load_depth: int = 0,
        stream_time_scale: float = 1.0,
    ) -> None:
        """`sign_rule`: the reading of the MD5 sign rule this venue checks (auth.py).
        `session_ttl_s`: how long a session lives without a call or keep-alive.
        `read_only_keys`: API keys refused every trade ("API KEY NOT TRADE AUTH").
        `weight_limit` / `weight_interval` are taken as every emulator takes them; no
        budgets are documented for the venue, so none is enforced."""
        if session_ttl_s <= 0:
            raise ValueError(f"session_ttl_s must be positive, not {session_ttl_s}")
        self.symbols = SymbolSet(listed_symbols(extra_symbols)[1])
        super().__init__(
            accounts=accounts,
            step_interval=step_interval,
            stream_time_scale=stream_time_scale,
            load_depth=load_depth,
        )
        self.futures = self._engine("perp", [s.engine() for s in self.symbols], FEES)
        market = self._open_market(seed)
        self.markets = {"futures": market}
        self.symbol_sets = {"futures": self.symbols}
        self.sessions = Sessions(int(session_ttl_s * 1000))
        self.context = BtccContext(
            **self.host_fields(),
            engines={"futures": self.futures},
            symbols=self.symbols,
            sessions=self.sessions,
            book=PositionBook(self.futures),
            sign_rule=find_sign_rule(sign_rule),
            read_only_keys=frozenset(read_only_keys),
        )
        self.app = web.Application()
        # the quote stream's route first: the REST catch-all must not swallow it
        self.quotes = QuoteSkin(self.context, self.app)
        Admin(self).install(self.app)
        self.rest = install_rest(self.context, self.app)
        self._server = EmulatorServer(self.app)
        self._serve([self._server], [self.quotes])

    def _open_market(self, seed: int) -> SyntheticMarket:
        market = self._synthetic_market("futures", self.futures, seed)
        market.seed_history(HISTORY_MINUTES)
        for ref in self.keys.refs:
            self.futures.open_account(ref.engine_id, ref.account.futures_balances)
            # BTCC holds longs and shorts as separate positions
            self.futures.set_hedge_mode(ref.engine_id, True)
        self._asset_markets = {AssetType.SWAP: "futures"}
        return market

    def login_options(self, index: int = 0) -> dict[str, str]:
        """The client options an account logs in with besides its key and secret."""
        ref = self.keys.refs[index]
        return {"user_name": login_name(ref), "password": ref.account.passphrase}

    def _credential_fields(self, account: EmulatorAccount) -> dict[str, str]:
        ref = next(r for r in self.keys.refs if r.account is account)
        return {
            "api_key": account.api_key,
            "secret": account.secret,
            "user_name": login_name(ref),
            "password": account.passphrase,
        }

    def expire_sessions(self) -> int:
        """End every trade session now, as the venue does to one left silent."""
        return self.sessions.expire_all()
