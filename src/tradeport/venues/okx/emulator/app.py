"""The OKX v5 emulator: REST (`/api/v5/...`) and WebSocket (`/ws/v5/public`,
`/ws/v5/private`, `/ws/v5/business`) on one aiohttp server, backed by two shared
engines keyed by instId: `spot` (instType SPOT, `BTC-USDT`) and `swap` (instType SWAP,
USDT-margined perpetuals, `BTC-USDT-SWAP`).

The engines work in base-currency units; SWAP sizes cross to contracts in
`contracts.py`. OKX's trading account holds one balance per currency for both
instTypes; here each engine keeps its own ledger and `/api/v5/account/balance` reports
their sum per currency. Facts: PROTOCOLS.md §0, §3.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec
from aiohttp import web

from tradeport.emulator.accounts import EmulatorAccount
from tradeport.emulator.admin import Admin
from tradeport.emulator.engine import EngineInstrument
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.symbol_set import SymbolSet
from tradeport.emulator.symbols import SymbolSpec, listed_symbols
from tradeport.emulator.venue import VenueEmulator
from tradeport.model import AssetType
from tradeport.venues.okx.emulator.context import SPOT_FEES, SWAP_FEES, OkxContext
from tradeport.venues.okx.emulator.contracts import Sizing
from tradeport.venues.okx.emulator.ids import (
    INST_TYPES,
    InstType,
    from_unified,
    inst_id,
)
from tradeport.venues.okx.emulator.instruments import PRICE_BAND, inst_id_codes
from tradeport.venues.okx.emulator.order_info import OrderInfo
from tradeport.venues.okx.emulator.rest import install_rest
from tradeport.venues.okx.emulator.stream_orders import OrderEntry
from tradeport.venues.okx.emulator.streams import install_streams, upgrade_notice
from tradeport.venues.okx.emulator.trading import DEFAULT_STP

_MARKETS: dict[str, InstType] = {"spot": "SPOT", "swap": "SWAP"}


def _instruments(specs: Sequence[SymbolSpec], inst_type: InstType) -> list[EngineInstrument]:
    """The engine's instruments, keyed by instId."""
    return [msgspec.structs.replace(s.engine(), symbol=inst_id(s, inst_type)) for s in specs]


class OkxEmulator(VenueEmulator):
    venue_name = "OKX"

    def __init__(
        self,
        *,
        accounts: Sequence[EmulatorAccount] | None = None,
        seed: int = 7,
        step_interval: float | None = 0.25,
        weight_limit: int | None = None,
        weight_interval: tuple[int, str] = (2, "SECOND"),
        order_limit: int | None = None,
        extra_symbols: int = 0,
        load_depth: int = 0,
        stream_time_scale: float = 1.0,
        checksum: bool = True,
        demo_keys: bool = False,
    ) -> None:
        """`weight_limit` replaces every public endpoint's per-IP limit (requests per
        2 s; `weight_interval` replaces that window, e.g. `(1, "MINUTE")`) and
        `order_limit` the per-instrument order-entry limit (60 per 2 s, §3.6).
        `extra_symbols` lists that many more made-up pairs (SYM001-USDT, …) in both
        instTypes; `stream_time_scale` multiplies every timed stream's period.
        `checksum` False makes book pushes carry checksum 0, as OKX announced for 2026
        (§3.5); it can be changed while running. `demo_keys` makes the accounts' keys
        demo-trading keys, as OKX's demo environment issues them: requests must then
        carry `x-simulated-trading: 1`, and live ones are refused (50101), and the other
        way round by default."""
        listed_spot, listed_swap = listed_symbols(extra_symbols)
        self.spot_symbols, self.swap_symbols = SymbolSet(listed_spot), SymbolSet(listed_swap)
        self.sizing = Sizing(self.spot_symbols, self.swap_symbols)
        self.order_info = OrderInfo()
        self.weight_limit = weight_limit
        self.weight_interval = weight_interval
        self.order_limit = order_limit
        self.checksum = checksum
        super().__init__(
            accounts=accounts,
            step_interval=step_interval,
            shutdown_notice=upgrade_notice,
            stream_time_scale=stream_time_scale,
            load_depth=load_depth,
        )
        self.symbol_sets = {"spot": self.spot_symbols, "swap": self.swap_symbols}
        # OKX accepts these and then cancels them: a post_only that would take
        # (cancelSource 31), a fok that cannot fill in full, a market order meeting an
        # empty book
        rules = {"expire_unfilled_fok": True, "expire_unplaceable": True}
        self.spot = self._engine(
            "spot", _instruments(self.spot_symbols, "SPOT"), SPOT_FEES, **rules
        )
        self.swap = self._engine(
            "perp", _instruments(self.swap_symbols, "SWAP"), SWAP_FEES, **rules
        )
        # the venue's price band and self-trade prevention (the engine has neither unless
        # a skin sets them)
        self.spot.price_band = PRICE_BAND
        self.swap.price_band = PRICE_BAND
        self.spot.self_trade = DEFAULT_STP
        self.swap.self_trade = DEFAULT_STP
        self.spot_market, self.swap_market = self._open_markets(
            ("spot", self.spot), ("swap", self.swap), seed=seed
        )
        self.context = OkxContext(
            **self.host_fields(),
            engines={"SPOT": self.spot, "SWAP": self.swap},
            spot_symbols=self.spot_symbols,
            swap_symbols=self.swap_symbols,
            sizing=self.sizing,
            order_info=self.order_info,
            checksum=lambda: self.checksum,
            weight_limit=weight_limit,
            weight_interval=weight_interval,
            order_limit=order_limit,
            demo_keys=demo_keys,
        )
        self.app = web.Application()
        # WebSocket routes first: the REST catch-all must not swallow them
        self.streams = install_streams(self.context, self.app)
        Admin(self).install(self.app)
        self.rest, api = install_rest(self.context, self.app)
        codes = inst_id_codes(self.spot_symbols, self.swap_symbols)
        self.streams.bind_orders(OrderEntry(api.routes, api, self.context.clock, codes))
        self._server = EmulatorServer(self.app)
        self._serve([self._server], [self.streams])

    def inst_type(self, asset_type: AssetType) -> InstType:
        """The instType trading `asset_type`; the stream paths are `/ws/v5/public`,
        `/ws/v5/private` and `/ws/v5/business`, as on ws.okx.com:8443."""
        return _MARKETS[self.market_name(asset_type)]

    def passphrase(self, index: int = 0) -> str:
        """The OK-ACCESS-PASSPHRASE of account `index`."""
        return self.accounts[index].passphrase

    def _credential_fields(self, account: EmulatorAccount) -> dict[str, str]:
        return {**super()._credential_fields(account), "passphrase": account.passphrase}

    # -- control (tests and demos) -----------------------------------------------------
    _symbol_noun = "instrument"

    def move_to(self, market: str, symbol: str, price: Decimal | str) -> None:
        """Walk `market` ("spot" or "swap", either case) to `price`; resting orders it
        crosses fill. `symbol` is an instId (`BTC-USDT-SWAP`) or the pair (`BTC-USDT`)."""
        lowered = market.lower()
        super().move_to(lowered if lowered in self.markets else market, symbol, price)

    def _market_symbol(self, market: str, symbol: str) -> str:
        if symbol in self.markets[market].engine.instruments:
            return symbol
        return from_unified(symbol, _MARKETS[market])

    def _engine_instrument(self, market: str, spec: SymbolSpec) -> EngineInstrument:
        # the engine keys OKX instruments by instId
        return _instruments([spec], _MARKETS[market])[0]


__all__ = ["INST_TYPES", "OkxEmulator"]
