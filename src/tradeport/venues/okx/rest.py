"""OKX v5 REST client, the private half: orders, fills, positions, balances and
leverage (PROTOCOLS.md §3.3). Instruments, market data and the client's construction
are `rest_market.py`; how a call is signed and answered is `dialect.py`. Every quantity
is in base units; swap sizes cross the edge through `contracts.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tradeport.model import (
    AccountSnapshot,
    AssetType,
    Balance,
    Fill,
    Instrument,
    Order,
    Position,
)
from tradeport.model.errors import (
    OrderNotFound,
    Overloaded,
    UnknownOrderState,
    UnknownSymbol,
)
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.kit import arguments
from tradeport.venues.kit.account import margin_account
from tradeport.venues.kit.orders import order_ref
from tradeport.venues.okx import messages as m
from tradeport.venues.okx import parse
from tradeport.venues.okx.contracts import Contract
from tradeport.venues.okx.orders import (
    CLIENT_ID,
    CLIENT_ID_RULE,
    order_params,
    valid_client_order_id,
)
from tradeport.venues.okx.rest_market import OkxMarketRest

HEDGE_MODE = "long_short_mode"
NET_MODE = "net_mode"
# how far back each list reaches (§3.3): order history 7 days (then the archive, 3
# months); fills 3 days (then fills-history, 3 months)
_DAY_MS = 86_400_000
_ORDERS_RECENT_MS = 7 * _DAY_MS
_FILLS_RECENT_MS = 3 * _DAY_MS


class OkxRest(OkxMarketRest):
    """The REST half of the OKX client; `client.OkxClient` adds the streams."""

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
    client_order_id_pattern = CLIENT_ID
    client_order_id_rule = CLIENT_ID_RULE

    def _check_order(self, req: OrderRequest, inst: Instrument) -> None:
        # a swap quantity must be whole lots of contracts: refused here with the lot
        # and contract value named, before the generic step check
        self._contracts[req.symbol].to_venue_size(req.qty)
        super()._check_order(req, inst)

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

    def _accepted(self, raw: bytes, name: str = "make_order") -> m.ItemResult:
        """The one item of an order-entry answer (of call `name`), raising its error
        if refused."""
        items = self.rest.decode(name, raw, list[m.ItemResult])
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
        return order_ref(order_id, client_order_id, "ordId", "clOrdId", self.order_ids)

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

    async def _cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        inst = await self.contract(symbol)
        if self._never_sent(order_id, client_order_id):
            raise OrderNotFound(f"order {client_order_id} of {symbol} is not known", venue=self.key)
        params = {"instId": inst.venue_symbol, **self._order_ref(order_id, client_order_id)}
        # sent once: a second cancel of a cancelled order reports 51400/51401
        raw = await self.rest.call("cancel_order", params, signed=True, idempotent=False)
        ack = self._accepted(raw, "cancel_order")
        self.order_ids.add(ack.clOrdId, ack.ordId)
        lookup = self._find_order(inst, ack.ordId or order_id, client_order_id)
        row = await self._read_back_cancel(ack.ordId, lookup)
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
        limit = arguments.count("limit", limit)
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

    async def _get_deals(self, symbol: str, limit: int, order_id: str | None) -> list[Fill]:
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
        return margin_account(self.key, balances, positions, open_orders, capital, equity)

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

    async def _set_leverage(self, symbol: str, leverage: int) -> int:
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
