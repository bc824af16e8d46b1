"""OKX v5 REST client: spot (instType=SPOT) and USDT-margined perpetual swaps
(instType=SWAP) (PROTOCOLS.md §3). This module builds the client and holds its public
half: instruments (with their contract facts, `contracts.py`) and market data. How a
call is signed and answered is `dialect.py`, the rest of a call is the kit's pipeline;
the private half (orders, account) is `rest.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import (
    AssetType,
    Bar,
    Instrument,
    OrderBook,
    Ticker,
    Trade,
)
from tradeport.model.errors import (
    BadParameter,
    NotSupported,
    UnknownSymbol,
)
from tradeport.venues.kit.orders import OrderIds
from tradeport.venues.kit.rest_client import RestClient
from tradeport.venues.okx import messages as m
from tradeport.venues.okx import parse
from tradeport.venues.okx.contracts import Contract
from tradeport.venues.okx.dialect import AfterCursor, OkxDialect
from tradeport.venues.okx.orders import (
    MARGIN_MODES,
)

T = TypeVar("T")

INST_TYPES = {AssetType.SPOT: "SPOT", AssetType.SWAP: "SWAP"}
_KLINE_PAGE = 300  # candles per request at most
_TRADES_PAGE = 500
_BOOK_LEVELS = 400


class OkxMarketRest(RestClient):
    """The client's options and state, instruments and market data."""

    dialect: OkxDialect

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        passphrase: str = "",
        margin_mode: str = "cross",
        **options: Any,
    ) -> None:
        """`passphrase`: the one set when the API key was made (signed calls need it
        with `api_key` and `secret`). `margin_mode`: a swap order's `tdMode`, "cross"
        or "isolated" (spot trades "cash"). The other options are RestClient's."""
        if asset_type not in INST_TYPES:
            raise NotSupported(f"OKX has no {asset_type.value} market here")
        if margin_mode not in MARGIN_MODES:
            raise BadParameter(f"margin_mode {margin_mode!r}: expected one of {MARGIN_MODES}")
        self.asset_type = asset_type
        self.inst_type = INST_TYPES[asset_type]
        self.key = f"OKX___{asset_type.name}"
        self.margin_mode = margin_mode
        self._passphrase = passphrase
        super().__init__(config, **options)
        self.order_ids = OrderIds()
        self._contracts: dict[str, Contract] = {}  # by BASE-QUOTE
        self._by_inst_id: dict[str, Contract] = {}
        self._hedge: bool | None = None  # the account's posMode, once asked

    def make_dialect(self) -> OkxDialect:
        demo = self.environment == "demo"
        return OkxDialect(self.api_key, self._secret, self._passphrase, simulated=demo)

    async def _rows(
        self,
        name: str,
        params: Mapping[str, Any],
        type_: type[T],
        *,
        signed: bool = False,
        idempotent: bool | None = None,
    ) -> list[T]:
        """The `data` rows of one call, decoded as `type_`."""
        raw = await self.rest.call(name, params, signed=signed, idempotent=idempotent)
        return self.rest.decode(name, raw, list[type_])  # type: ignore[valid-type]

    async def _pages(
        self,
        name: str,
        params: Mapping[str, Any],
        type_: type[T],
        key: Callable[[T], str],
        *,
        enough: int | None = None,
    ) -> list[T]:
        """The rows of a list paged backwards (dialect.AfterCursor), each once."""
        cursor = AfterCursor(key)

        def decode(raw: bytes) -> list[T]:
            return self.rest.decode(name, raw, list[type_])  # type: ignore[valid-type]

        await self.rest.pages(name, params, decode, cursor, enough=enough)
        return cursor.rows

    # -- instruments -------------------------------------------------------------------
    async def get_exchange_info(self) -> list[Instrument]:
        rows = await self._rows("get_exchange_info", {"instType": self.inst_type}, m.InstrumentRow)
        contracts = parse.parse_instruments(rows, self.asset_type)
        self._contracts = {c.symbol: c for c in contracts}
        self._by_inst_id = {c.venue_symbol: c for c in contracts}
        instruments = [c.instrument for c in contracts]
        self._store_instruments(instruments)
        return instruments

    async def contract(self, symbol: str) -> Contract:
        """`symbol` (BASE-QUOTE) with its contract facts (contracts.py)."""
        await self.instrument(symbol)
        return self._contracts[symbol]

    def contract_of(self, inst_id: str) -> Contract | None:
        """The loaded instrument of a venue `instId`, None if it is not this market's
        (a SWAP list also holds inverse swaps)."""
        return self._by_inst_id.get(inst_id)

    # -- market data -------------------------------------------------------------------
    async def get_tick(self, symbol: str) -> Ticker:
        inst = await self.contract(symbol)
        rows = await self._rows("get_tick", {"instId": inst.venue_symbol}, m.TickerRow)
        if not rows:
            raise UnknownSymbol(f"no ticker for {symbol} on {self.key}", venue=self.key)
        return parse.parse_ticker(rows[0], inst)

    async def _get_depth(self, symbol: str, limit: int) -> OrderBook:
        inst = await self.contract(symbol)
        if limit < 1:
            raise BadParameter(f"depth limit {limit}: expected a positive number of levels")
        params = {"instId": inst.venue_symbol, "sz": min(limit, _BOOK_LEVELS)}
        rows = await self._rows("get_depth", params, m.BookRow)
        if not rows:
            raise UnknownSymbol(f"no order book for {symbol} on {self.key}", venue=self.key)
        return parse.parse_depth(rows[0], inst)

    async def _get_kline(
        self, symbol: str, period: str, limit: int, start_ms: int | None, end_ms: int | None
    ) -> list[Bar]:
        bar = self._kline_interval(period)
        inst = await self.contract(symbol)
        # `after`: bars older than the time given; `before`: newer (§3.3), both exclusive
        params = {
            "instId": inst.venue_symbol,
            "bar": bar,
            "limit": min(limit, _KLINE_PAGE),
            "after": None if end_ms is None else end_ms + 1,
            "before": None if start_ms is None else start_ms - 1,
        }
        rows = await self._rows("get_kline", params, m.CandleRow)
        bars = [parse.parse_kline(r, inst, period, bar) for r in rows]
        return sorted(bars, key=lambda b: b.open_ts)  # newest first on the wire

    async def _get_trades(self, symbol: str, limit: int) -> list[Trade]:
        inst = await self.contract(symbol)
        params = {"instId": inst.venue_symbol, "limit": min(limit, _TRADES_PAGE)}
        rows = await self._rows("get_trades", params, m.PublicTradeRow)
        now = time.time_ns()
        trades = [parse.parse_trade(r, inst, now) for r in reversed(rows)]
        return sorted(trades, key=lambda t: t.ts)  # newest first on the wire

    async def _prices(self, quote: str = "USDT") -> dict[str, Decimal]:
        await self.instruments()
        rows = await self._rows("get_tickers", {"instType": self.inst_type}, m.TickerRow)
        out = {}
        for row in rows:
            inst = self.contract_of(row.instId)
            if inst is not None and inst.instrument.quote == quote and row.last:
                out[inst.instrument.base] = parse.dec(row.last, f"ticker {row.instId} last")
        return out
