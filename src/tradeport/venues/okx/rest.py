"""OKX v5 REST client: spot (instType=SPOT) and USDT-margined perpetual swaps
(instType=SWAP) (PROTOCOLS.md §3). How a call is signed and answered is `dialect.py`,
the rest of a call is the kit's pipeline; this module holds what each unified method
asks and how the answers combine. Every quantity is in base units; swap sizes cross the edge through
`contracts.py`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import (
    AccountSnapshot,
    AssetType,
    Balance,
    Bar,
    Fill,
    Instrument,
    Order,
    OrderBook,
    Position,
    Ticker,
    Trade,
)
from tradeport.model.errors import (
    BadParameter,
    NotSupported,
    OrderNotFound,
    Overloaded,
    UnknownOrderState,
    UnknownSymbol,
)
from tradeport.transport import codec
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.kit.account import open_notional, spot_account
from tradeport.venues.kit.orders import OrderIds
from tradeport.venues.kit.rest_client import RestClient
from tradeport.venues.okx import messages as m
from tradeport.venues.okx import parse
from tradeport.venues.okx.contracts import Contract
from tradeport.venues.okx.dialect import AfterCursor, OkxDialect
from tradeport.venues.okx.orders import (
    MARGIN_MODES,
    check_client_order_id,
    order_params,
    valid_client_order_id,
)

T = TypeVar("T")

INST_TYPES = {AssetType.SPOT: "SPOT", AssetType.SWAP: "SWAP"}
HEDGE_MODE = "long_short_mode"
NET_MODE = "net_mode"
# how far back each list reaches (§3.3): order history 7 days (then the archive, 3
# months); fills 3 days (then fills-history, 3 months)
_DAY_MS = 86_400_000
_ORDERS_RECENT_MS = 7 * _DAY_MS
_FILLS_RECENT_MS = 3 * _DAY_MS
_KLINE_PAGE = 300  # candles per request at most
_TRADES_PAGE = 500
_BOOK_LEVELS = 400


class OkxRest(RestClient):
    """The REST half of the OKX client; `client.OkxClient` adds the streams."""

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        base_url: str,
        api_key: str = "",
        secret: str = "",
        passphrase: str = "",
        environment: str = "live",
        allow_mainnet: bool = False,
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
        readiness: str = "wait",
        ready_timeout: float = 10.0,
        margin_mode: str = "cross",
        **unused: Any,
    ) -> None:
        """`readiness`: "wait" makes an order wait up to `ready_timeout` s for what it
        depends on (the instruments; the private streams once they run), "refuse"
        raises NotReady at once. `margin_mode`: a swap order's `tdMode`, "cross" or
        "isolated" (spot trades "cash")."""
        if unused:
            raise BadParameter(f"unexpected options for OKX: {sorted(unused)}")
        if asset_type not in INST_TYPES:
            raise NotSupported(f"OKX has no {asset_type.value} market here")
        if margin_mode not in MARGIN_MODES:
            raise BadParameter(f"margin_mode {margin_mode!r}: expected one of {MARGIN_MODES}")
        self.asset_type = asset_type
        self.inst_type = INST_TYPES[asset_type]
        self.key = f"OKX___{asset_type.name}"
        self.margin_mode = margin_mode
        dialect = OkxDialect(api_key, secret, passphrase, simulated=environment == "demo")
        super().__init__(
            config,
            dialect,
            base_url=base_url,
            api_key=api_key,
            secret=secret,
            passphrase=passphrase,
            environment=environment,
            allow_mainnet=allow_mainnet,
            rate_limit=rate_limit,
            rate_limit_wait=rate_limit_wait,
            timeout=timeout,
            http_engine=http_engine,
            readiness=readiness,
            ready_timeout=ready_timeout,
        )
        self.order_ids = OrderIds()
        self._contracts: dict[str, Contract] = {}  # by BASE-QUOTE
        self._by_inst_id: dict[str, Contract] = {}
        self._hedge: bool | None = None  # the account's posMode, once asked

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
        return codec.decode(raw, list[type_])  # type: ignore[valid-type]

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
            return codec.decode(raw, list[type_])  # type: ignore[valid-type]

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

    async def get_depth(self, symbol: str, limit: int = 20) -> OrderBook:
        inst = await self.contract(symbol)
        if limit < 1:
            raise BadParameter(f"depth limit {limit}: expected a positive number of levels")
        params = {"instId": inst.venue_symbol, "sz": min(limit, _BOOK_LEVELS)}
        rows = await self._rows("get_depth", params, m.BookRow)
        if not rows:
            raise UnknownSymbol(f"no order book for {symbol} on {self.key}", venue=self.key)
        return parse.parse_depth(rows[0], inst)

    async def get_kline(
        self,
        symbol: str,
        period: str = "1m",
        limit: int = 100,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Bar]:
        bar = self.config.kline_periods.get(period)
        if bar is None:
            raise BadParameter(
                f"period {period!r} not offered; have {sorted(self.config.kline_periods)}"
            )
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

    async def get_trades(self, symbol: str, limit: int = 100) -> list[Trade]:
        inst = await self.contract(symbol)
        params = {"instId": inst.venue_symbol, "limit": min(limit, _TRADES_PAGE)}
        rows = await self._rows("get_trades", params, m.PublicTradeRow)
        now = time.time_ns()
        trades = [parse.parse_trade(r, inst, now) for r in reversed(rows)]
        return sorted(trades, key=lambda t: t.ts)  # newest first on the wire

    async def _prices(self, quote: str = "USDT") -> dict[str, Decimal]:
        """Last price in `quote` of every base currency that trades against it."""
        await self.instruments()
        rows = await self._rows("get_tickers", {"instType": self.inst_type}, m.TickerRow)
        out = {}
        for row in rows:
            inst = self.contract_of(row.instId)
            if inst is not None and inst.instrument.quote == quote and row.last:
                out[inst.instrument.base] = parse.dec(row.last, f"ticker {row.instId} last")
        return out

    # -- trading -----------------------------------------------------------------------
    async def hedge_mode(self) -> bool:
        """Whether the account trades swaps in long/short mode (`posMode`, from
        /account/config, asked once and kept; set_position_mode updates it)."""
        if self.asset_type is AssetType.SPOT:
            return False
        if self._hedge is None:
            (cfg,) = await self._rows("get_account_config", {}, m.AccountConfig, signed=True)
            self._hedge = cfg.posMode == HEDGE_MODE
        return self._hedge

    async def set_position_mode(self, hedge: bool) -> None:
        """Long/short (hedge) or net (one-way) mode for the account's swaps; the venue
        refuses while positions or orders are open."""
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("set_position_mode")
        mode = HEDGE_MODE if hedge else NET_MODE
        await self.rest.call("set_position_mode", {"posMode": mode}, signed=True, idempotent=True)
        self._hedge = hedge

    unknown_outcome = (*VenueClient.unknown_outcome, Overloaded)

    def _check_order(self, req: OrderRequest, inst: Instrument) -> None:
        # a swap quantity must be whole lots of contracts: refused here with the lot
        # and contract value named, before the generic step check
        self._contracts[req.symbol].to_venue_size(req.qty)
        super()._check_order(req, inst)

    def _client_order_id(self, client_order_id: str) -> str:
        return check_client_order_id(client_order_id)

    async def _order_params(self, req: OrderRequest, inst: Instrument, cid: str) -> dict[str, Any]:
        contract = self._contracts[req.symbol]
        size = contract.to_venue_size(req.qty)
        hedge = await self.hedge_mode()
        params = order_params(req, contract, size, margin_mode=self.margin_mode, hedge=hedge)
        params["clOrdId"] = cid
        return params

    def _parse_ack(self, req: OrderRequest, cid: str, raw: bytes) -> str:
        ack = self._accepted(raw)
        self.order_ids.add(cid, ack.ordId)
        return ack.ordId

    def _accepted(self, raw: bytes) -> m.ItemResult:
        """The one item of an order-entry answer, raising its error if refused."""
        items = parse_items(raw)
        if not items:
            raise UnknownOrderState("order entry answered without an item", venue=self.key)
        item = items[0]
        if item.sCode not in ("", "0"):
            raise self.rest.errors.error(item.sCode, item.sMsg, mutation=True)
        return item

    async def _placed(self, req: OrderRequest, order_id: str) -> Order:
        inst = self._contracts[req.symbol]
        row = await self._find_order(inst, order_id, None)
        if row.state == "canceled" and row.cancelSource == parse.POST_ONLY_WOULD_TAKE:
            raw_message = row.cancelSourceReason or row.cancelSource
            raise self._post_only_rejected(req, row.cancelSource, raw_message)
        return parse.parse_order(row, inst, self.config.order_status_map)

    def _order_ref(self, order_id: str | None, client_order_id: str | None) -> dict[str, str]:
        if order_id is None and client_order_id is None:
            raise BadParameter("give order_id or client_order_id")
        if order_id is None and client_order_id is not None:
            order_id = self.order_ids.order_id(client_order_id)
        if order_id is not None:
            return {"ordId": order_id}
        assert client_order_id is not None
        return {"clOrdId": client_order_id}

    @staticmethod
    def _never_sent(order_id: str | None, client_order_id: str | None) -> bool:
        """A client id OKX cannot hold (not 1-32 alphanumerics) names no order there."""
        return (
            order_id is None
            and client_order_id is not None
            and not valid_client_order_id(client_order_id)
        )

    async def _find_order(
        self, inst: Contract, order_id: str | None, client_order_id: str | None
    ) -> m.OrderRow:
        """An order in any state (GET /trade/order knows open and closed orders)."""
        ref = order_id or client_order_id
        if self._never_sent(order_id, client_order_id):
            raise OrderNotFound(f"order {ref} of {inst.symbol} is not known", venue=self.key)
        params = {"instId": inst.venue_symbol, **self._order_ref(order_id, client_order_id)}
        rows = await self._rows("query_order", params, m.OrderRow, signed=True)
        if not rows:
            raise OrderNotFound(f"order {ref} of {inst.symbol} is not known", venue=self.key)
        row = rows[0]
        self.order_ids.add(row.clOrdId, row.ordId)
        return row

    async def cancel_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        inst = await self.contract(symbol)
        if self._never_sent(order_id, client_order_id):
            raise OrderNotFound(f"order {client_order_id} of {symbol} is not known", venue=self.key)
        params = {"instId": inst.venue_symbol, **self._order_ref(order_id, client_order_id)}
        # a cancel is safe to repeat: a second one only reports 51400/51401
        raw = await self.rest.call("cancel_order", params, signed=True, idempotent=True)
        ack = self._accepted(raw)
        self.order_ids.add(ack.clOrdId, ack.ordId)
        try:
            row = await self._find_order(inst, ack.ordId or order_id, client_order_id)
        except OrderNotFound:
            raise UnknownOrderState(
                f"cancel of {ack.ordId} acknowledged, but the order is not listed",
                venue=self.key,
            ) from None
        return parse.parse_order(row, inst, self.config.order_status_map)

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        inst = await self.contract(symbol)
        row = await self._find_order(inst, order_id, client_order_id)
        return parse.parse_order(row, inst, self.config.order_status_map)

    def _known_orders(self, rows: Iterable[m.OrderRow]) -> list[Order]:
        smap = self.config.order_status_map
        out = []
        for row in rows:
            self.order_ids.add(row.clOrdId, row.ordId)
            inst = self.contract_of(row.instId)
            if inst is not None:  # inverse swaps are not this market's
                out.append(parse.parse_order(row, inst, smap))
        return out

    async def _order_rows(
        self, name: str, symbol: str | None, extra: dict[str, Any] | None = None, **kw: Any
    ) -> list[m.OrderRow]:
        await self.instruments()
        inst_id = (await self.contract(symbol)).venue_symbol if symbol else None
        params = {"instType": self.inst_type, "instId": inst_id, **(extra or {})}
        return await self._pages(name, params, m.OrderRow, lambda r: r.ordId, **kw)

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        rows = await self._order_rows("get_open_orders", symbol)
        return sorted(self._known_orders(rows), key=lambda o: o.created_ts)

    async def get_orders(self, symbol: str | None = None, limit: int = 100) -> list[Order]:
        """Closed (filled or cancelled) orders of the last 7 days, oldest first."""
        rows = await self._order_rows("get_orders", symbol, enough=limit)
        orders = sorted(self._known_orders(rows), key=lambda o: o.created_ts)
        return orders[-limit:]

    async def orders_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Order]:
        """Every order of `symbol` created at or after `start_ms`, in any state, oldest
        first: the open ones, the closed ones of the last 7 days and, from further
        back, the 3-month archive."""
        begin = {"begin": start_ms}
        rows = await self._order_rows("get_open_orders", symbol)
        rows += await self._order_rows("get_orders", symbol, begin)
        if start_ms < self.clock.now_ms() - _ORDERS_RECENT_MS:
            rows += await self._order_rows("get_orders_archive", symbol, begin)
        unique = {r.ordId: r for r in rows if parse.ms(r.cTime, "order cTime") >= start_ms}
        orders = sorted(self._known_orders(unique.values()), key=lambda o: o.created_ts)
        return orders[:limit]

    async def _fill_rows(
        self, name: str, symbol: str, extra: dict[str, Any], **kw: Any
    ) -> list[m.FillRow]:
        inst = await self.contract(symbol)
        params = {"instType": self.inst_type, "instId": inst.venue_symbol, **extra}
        return await self._pages(name, params, m.FillRow, lambda r: r.billId or r.tradeId, **kw)

    def _fills(self, rows: Iterable[m.FillRow], inst: Contract) -> list[Fill]:
        unique = {(r.ordId, r.tradeId): r for r in rows}
        fills = [parse.parse_fill(r, inst) for r in unique.values()]
        return sorted(fills, key=lambda f: f.ts)

    async def fills_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Fill]:
        """Own fills of `symbol` at or after `start_ms`, oldest first: the last 3 days
        from /trade/fills, older ones from fills-history (3 months)."""
        inst = await self.contract(symbol)
        begin = {"begin": start_ms}
        rows = await self._fill_rows("get_deals", symbol, begin)
        if start_ms < self.clock.now_ms() - _FILLS_RECENT_MS:
            rows += await self._fill_rows("get_deals_history", symbol, begin)
        fills = [f for f in self._fills(rows, inst) if f.ts >= start_ms]
        return fills[:limit]

    async def get_deals(
        self, symbol: str, limit: int = 100, order_id: str | None = None
    ) -> list[Fill]:
        inst = await self.contract(symbol)
        rows = await self._fill_rows("get_deals", symbol, {"ordId": order_id}, enough=limit)
        return self._fills(rows, inst)[-limit:]

    # -- account -----------------------------------------------------------------------
    async def _balance_row(self) -> m.BalanceRow | None:
        rows = await self._rows("get_balance", {}, m.BalanceRow, signed=True)
        return rows[0] if rows else None

    async def get_balance(self) -> dict[str, Balance]:
        row = await self._balance_row()
        return {} if row is None else parse.parse_balance(row)

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("get_position")
        await self.instruments()
        inst_id = (await self.contract(symbol)).venue_symbol if symbol else None
        params = {"instType": self.inst_type, "instId": inst_id}
        rows = await self._rows("get_position", params, m.PositionRow, signed=True)
        out = []
        for row in rows:
            inst = self.contract_of(row.instId)
            if inst is not None and parse.dec(row.pos, f"position {row.instId} pos"):
                out.append(parse.parse_position(row, inst))
        return out

    async def get_account(self) -> AccountSnapshot:
        if self.asset_type is AssetType.SPOT:
            return await self._spot_account()
        open_orders, row, positions = await asyncio.gather(
            self.get_open_orders(), self._balance_row(), self.get_position()
        )
        balances = {} if row is None else parse.parse_balance(row)
        usdt = next((d for d in row.details if d.ccy == "USDT"), None) if row else None
        capital = parse.dec(usdt.cashBal, "USDT cashBal") if usdt else Decimal(0)
        upl = sum((p.unrealized_pnl for p in positions), Decimal(0))
        # the venue's equity of the settle currency: cash plus the PnL of its positions
        equity = parse.dec(usdt.eq, "USDT eq") if usdt and usdt.eq else capital + upl
        return AccountSnapshot(
            venue=self.key,
            balances=balances,
            positions=positions,
            open_orders=open_orders,
            capital=capital,
            equity=equity,
            open_notional=sum((p.notional for p in positions), Decimal(0)),
            ts=int(time.time() * 1000),
        )

    async def _spot_account(self) -> AccountSnapshot:
        open_orders, balances, prices = await asyncio.gather(
            self.get_open_orders(), self.get_balance(), self._prices()
        )
        notional = open_notional(open_orders)
        return spot_account(self.key, balances, open_orders, prices, notional)

    async def get_leverage(self, symbol: str) -> int:
        """The leverage `symbol` trades at under this client's margin mode."""
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("get_leverage")
        inst = await self.contract(symbol)
        params = {"instId": inst.venue_symbol, "mgnMode": self.margin_mode}
        rows = await self._rows("get_leverage", params, m.LeverageRow, signed=True)
        if not rows:
            raise UnknownSymbol(f"no leverage for {symbol} on {self.key}", venue=self.key)
        return int(parse.dec(rows[0].lever, f"leverage {symbol} lever"))

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        if self.asset_type is AssetType.SPOT:
            raise self._unsupported("set_leverage")
        inst = await self.contract(symbol)
        params: dict[str, Any] = {
            "instId": inst.venue_symbol,
            "lever": str(leverage),
            "mgnMode": self.margin_mode,
        }
        # isolated margin in long/short mode keeps a leverage per leg (§3.3 posSide)
        legs: list[str | None] = [None]
        if self.margin_mode == "isolated" and await self.hedge_mode():
            legs = ["long", "short"]
        applied = leverage
        for leg in legs:
            rows = await self._rows(
                "set_leverage",
                {**params, "posSide": leg},
                m.LeverageRow,
                signed=True,
                idempotent=True,
            )
            if rows:
                applied = int(parse.dec(rows[0].lever, f"leverage {symbol} lever"))
        return applied


def parse_items(raw: bytes) -> list[m.ItemResult]:
    """The items of an order-entry answer's `data`."""
    return codec.decode(raw, list[m.ItemResult])
