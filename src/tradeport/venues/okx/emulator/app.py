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

import asyncio
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal

import msgspec
from aiohttp import web

from tradeport.emulator.accounts import DEFAULT_ACCOUNTS, EmulatorAccount, KeyRing
from tradeport.emulator.admin import Admin
from tradeport.emulator.engine import Engine
from tradeport.emulator.faults import FaultPlan
from tradeport.emulator.market import SyntheticMarket
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.symbols import FUTURES_SYMBOLS, SPOT_SYMBOLS, SymbolSpec, synthetic_symbols
from tradeport.emulator.ws import StreamConnections
from tradeport.model import AssetType
from tradeport.venues.okx.emulator.contracts import Sizing
from tradeport.venues.okx.emulator.ids import (
    ASSET_INST_TYPES,
    INST_TYPES,
    InstType,
    from_unified,
    inst_id,
)
from tradeport.venues.okx.emulator.order_info import OrderInfo

# Fees of a regular (Lv1) account: spot 0.08 % maker / 0.1 % taker, USDT-margined
# perpetuals 0.02 % / 0.05 %.
SPOT_FEES = (Decimal("0.0008"), Decimal("0.001"))
SWAP_FEES = (Decimal("0.0002"), Decimal("0.0005"))
HISTORY_MINUTES = 500
_MARKETS: dict[str, InstType] = {"spot": "SPOT", "swap": "SWAP"}


def _engine(
    kind: str,
    specs: Sequence[SymbolSpec],
    inst_type: InstType,
    fees: tuple[Decimal, Decimal],
    emu: OkxEmulator,
) -> Engine:
    instruments = [msgspec.structs.replace(s.engine(), symbol=inst_id(s, inst_type)) for s in specs]
    return Engine(
        "spot" if kind == "spot" else "perp",
        instruments,
        maker_fee=fees[0],
        taker_fee=fees[1],
        clock=emu.now_ms,
        # OKX accepts these and then cancels them: a post_only that would take
        # (cancelSource 31), a fok that cannot fill in full, a market order meeting an
        # empty book
        expire_unfilled_fok=True,
        expire_unplaceable=True,
    )


class OkxEmulator:
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
        stream_time_scale: float = 1.0,
        checksum: bool = True,
    ) -> None:
        """`weight_limit` replaces every public endpoint's per-IP limit (requests per
        2 s; `weight_interval` replaces that window, e.g. `(1, "MINUTE")`) and
        `order_limit` the per-instrument order-entry limit (60 per 2 s, §3.6).
        `extra_symbols` lists that many more made-up pairs (SYM001-USDT, …) in both
        instTypes; `stream_time_scale` multiplies every timed stream's period.
        `checksum` False makes book pushes carry checksum 0, as OKX announced for 2026
        (§3.5); it can be changed while running."""
        if stream_time_scale <= 0:
            raise ValueError(f"stream_time_scale must be positive, not {stream_time_scale}")
        extra_spot, extra_swap = synthetic_symbols(extra_symbols)
        self.spot_symbols: tuple[SymbolSpec, ...] = (*SPOT_SYMBOLS, *extra_spot)
        self.swap_symbols: tuple[SymbolSpec, ...] = (*FUTURES_SYMBOLS, *extra_swap)
        self.sizing = Sizing(self.spot_symbols, self.swap_symbols)
        self.order_info = OrderInfo()
        self.stream_time_scale = stream_time_scale
        self.weight_limit = weight_limit
        self.weight_interval = weight_interval
        self.order_limit = order_limit
        self.checksum = checksum
        self.keys = KeyRing(list(accounts if accounts is not None else DEFAULT_ACCOUNTS))
        self.accounts = [r.account for r in self.keys.refs]
        self.clock_skew_ms = 0
        self.faults = FaultPlan()
        self.connections = StreamConnections()
        self.stream_faults = StreamFaultPlan(self.connections)
        self.step_interval = step_interval
        self.spot = _engine("spot", self.spot_symbols, "SPOT", SPOT_FEES, self)
        self.swap = _engine("swap", self.swap_symbols, "SWAP", SWAP_FEES, self)
        self.spot_market = SyntheticMarket(self.spot, seed=seed)
        self.swap_market = SyntheticMarket(self.swap, seed=seed + 1)
        self.spot_market.seed_history(HISTORY_MINUTES)
        self.swap_market.seed_history(HISTORY_MINUTES)
        for ref in self.keys.refs:
            self.spot.open_account(ref.engine_id, ref.account.spot_balances)
            self.swap.open_account(ref.engine_id, ref.account.futures_balances)

        self.app = web.Application()
        # WebSocket routes first: the REST catch-all must not swallow them
        from tradeport.venues.okx.emulator.rest import install_rest
        from tradeport.venues.okx.emulator.streams import install_streams

        self.streams = install_streams(self)
        Admin(self).install(self.app)
        self.rest = install_rest(self)
        self._server = EmulatorServer(self.app)
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._server.base_url

    def stream_url(self, asset_type: AssetType) -> str:
        """The WebSocket host, `ws://host:port`; the client appends `/ws/v5/public`,
        `/ws/v5/private` or `/ws/v5/business`, as on ws.okx.com:8443."""
        self.inst_type(asset_type)
        return "ws" + self._server.base_url.removeprefix("http")

    def inst_type(self, asset_type: AssetType) -> InstType:
        if asset_type not in ASSET_INST_TYPES:
            raise ValueError(f"no {asset_type.value} market in the OKX emulator")
        return ASSET_INST_TYPES[asset_type]

    def engine(self, inst_type: str) -> Engine:
        if inst_type == "SPOT":
            return self.spot
        if inst_type == "SWAP":
            return self.swap
        raise ValueError(f"instType must be 'SPOT' or 'SWAP', not {inst_type!r}")

    def engine_for(self, asset_type: AssetType) -> Engine:
        return self.engine(self.inst_type(asset_type))

    def fees(self, inst_type: str) -> tuple[Decimal, Decimal]:
        """(maker, taker) fee rates of an instType."""
        self.engine(inst_type)
        return SPOT_FEES if inst_type == "SPOT" else SWAP_FEES

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = await self._server.start(host, port)
        await self.streams.start()
        if self.step_interval is not None:
            self._tasks = [
                asyncio.create_task(self.spot_market.run(self.step_interval)),
                asyncio.create_task(self.swap_market.run(self.step_interval)),
            ]
        return url

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self.faults.clear()  # answer requests an injected delay still holds
        await self.streams.stop()
        await self._server.stop()
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                raise RuntimeError("a synthetic market task failed") from task.exception()

    def credentials(self, index: int = 0) -> tuple[str, str]:
        account = self.accounts[index]
        return account.api_key, account.secret

    def passphrase(self, index: int = 0) -> str:
        """The OK-ACCESS-PASSPHRASE of account `index`."""
        return self.accounts[index].passphrase

    def describe_accounts(self) -> list[str]:
        def funds(balances: Mapping[str, Decimal]) -> str:
            return ", ".join(f"{a} {v}" for a, v in balances.items())

        return [
            f"api_key={a.api_key} secret={a.secret} passphrase={a.passphrase} "
            f"spot: {funds(a.spot_balances)}; swap: {funds(a.futures_balances)}"
            for a in self.accounts
        ]

    # -- control (tests and demos) -----------------------------------------------------
    def now_ms(self) -> int:
        """The server clock: real time plus `clock_skew_ms`."""
        return time.time_ns() // 1_000_000 + self.clock_skew_ms

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.spot_market.step()
            self.swap_market.step()

    def move_to(self, market: str, symbol: str, price: Decimal | str) -> None:
        """Walk `market` ("spot" or "swap") to `price`; resting orders it crosses fill.
        `symbol` is an instId (`BTC-USDT-SWAP`) or the pair (`BTC-USDT`)."""
        inst_type = _MARKETS.get(market.lower())
        if inst_type is None:
            raise ValueError(f"market must be 'spot' or 'swap', not {market!r}")
        synthetic = self.spot_market if inst_type == "SPOT" else self.swap_market
        inst = symbol if symbol in synthetic.engine.instruments else from_unified(symbol, inst_type)
        if inst not in synthetic.engine.instruments:
            raise ValueError(f"unknown {market} instrument {symbol!r}")
        target = Decimal(price)
        if not target.is_finite() or target <= 0:
            raise ValueError(f"price must be a positive number, not {price!r}")
        synthetic.move_to(inst, target)

    def move_market(self, asset_type: AssetType, symbol: str, price: Decimal) -> None:
        """`symbol` is the library's BASE-QUOTE form."""
        inst_type = self.inst_type(asset_type)
        self.move_to(inst_type.lower(), from_unified(symbol, inst_type), price)


__all__ = ["INST_TYPES", "OkxEmulator"]
