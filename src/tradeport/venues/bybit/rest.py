"""Bybit v5 REST client, the private half: orders, executions, positions, the wallet
and leverage (PROTOCOLS.md §4.3). Instruments, market data and the client's
construction are `rest_market.py`; how a call is signed and answered is `dialect.py`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradeport.model import (
    AccountSnapshot,
    Balance,
    Fill,
    Instrument,
    Order,
    Position,
)
from tradeport.model.errors import (
    OrderNotFound,
    Overloaded,
    TradeportError,
    UnknownSymbol,
)
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.bybit import messages as m
from tradeport.venues.bybit import parse
from tradeport.venues.bybit.orders import CLIENT_ID, CLIENT_ID_RULE, order_params
from tradeport.venues.bybit.rest_market import BybitMarketRest
from tradeport.venues.kit.account import margin_account
from tradeport.venues.kit.orders import order_ref

log = logging.getLogger("tradeport.venues.bybit")

_NOT_MODIFIED = {"set_leverage": 110043, "set_position_mode": 110025}
_WEEK_MS = 7 * 86_400_000  # order history and executions answer at most 7 days per call
_KEPT_MS = 2 * 365 * 86_400_000


class BybitRest(BybitMarketRest):
    """The REST half of the Bybit client; `client.BybitClient` adds the streams."""

    # -- trading -----------------------------------------------------------------------
    async def hedge_mode(self, symbol: str) -> bool:
        """Whether `symbol` (BASE-QUOTE) trades in hedge mode: its position list has
        the two legs (positionIdx 1 and 2) then, one row (idx 0) in one-way mode."""
        if self.category == "spot":
            return False
        venue_symbol = await self._venue_symbol(symbol)
        if venue_symbol not in self._hedge:
            params = {"category": self.category, "symbol": venue_symbol}
            page = await self._signed("get_position", params, m.PositionPage)
            self._hedge[venue_symbol] = any(r.positionIdx in (1, 2) for r in page.rows)
        return self._hedge[venue_symbol]

    async def set_position_mode(self, hedge: bool, coin: str = "USDT") -> None:
        """Hedge (both sides) or one-way mode for every `coin`-settled perpetual; the
        venue refuses while positions or orders are open."""
        if self.category == "spot":
            raise self._unsupported("set_position_mode")
        params = {"category": self.category, "coin": coin, "mode": 3 if hedge else 0}
        await self._setting("set_position_mode", params)
        for inst in (await self.instruments()).values():
            if inst.settle == coin:
                self._hedge[inst.venue_symbol] = hedge

    async def _setting(self, name: str, params: Mapping[str, Any]) -> None:
        """A settings POST; the venue's "not modified" means it is already so."""
        try:
            await self.rest.call(name, params, signed=True, idempotent=True)
        except TradeportError as exc:
            if exc.code != _NOT_MODIFIED[name]:
                raise
            log.debug("%s: %s already in force (%s)", self.key, name, exc.code)

    # 10016 ("Internal System Error") does not say the order was not placed either
    unknown_outcome = (*VenueClient.unknown_outcome, Overloaded)
    client_order_id_pattern = CLIENT_ID
    client_order_id_rule = CLIENT_ID_RULE

    async def _order_params(self, req: OrderRequest, inst: Instrument, cid: str) -> dict[str, Any]:
        hedge = await self.hedge_mode(req.symbol)
        params = order_params(req, inst, self.category, hedge=hedge)
        params["orderLinkId"] = cid
        return params

    def _parse_ack(self, req: OrderRequest, cid: str, raw: bytes) -> str:
        ack = self.rest.decode("make_order", raw, m.OrderAck)
        self.order_ids.add(cid, ack.orderId)
        return ack.orderId

    async def _placed(self, req: OrderRequest, order_id: str) -> Order:
        row = await self._find_order(req.symbol, order_id, None)
        if row.rejectReason == parse.POST_ONLY_WOULD_TAKE:
            raise self._post_only_rejected(req, row.rejectReason, row.rejectReason)
        return parse.parse_order(row, req.symbol, self.config.order_status_map)

    def _order_ref(self, order_id: str | None, client_order_id: str | None) -> dict[str, Any]:
        return order_ref(order_id, client_order_id, "orderId", "orderLinkId", self.order_ids)

    async def _find_order(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> m.OrderRow:
        """An order in any state: the realtime list knows open and recently closed
        orders, the history the rest (open-order.mdx)."""
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            **self._order_ref(order_id, client_order_id),
        }
        for name in ("query_order", "get_orders"):
            page = await self._signed(name, params, m.OrderPage)
            if page.rows:
                row = page.rows[0]
                self.order_ids.add(row.orderLinkId, row.orderId)
                return row
        ref = order_id or client_order_id
        raise OrderNotFound(f"order {ref} of {symbol} is not known", venue=self.key)

    async def _cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            **self._order_ref(order_id, client_order_id),
        }
        # sent once: a second cancel of a cancelled order reports "order not exists"
        ack = await self._signed("cancel_order", params, m.OrderAck, idempotent=False)
        self.order_ids.add(ack.orderLinkId, ack.orderId)
        row = await self._read_back_cancel(ack.orderId, self._find_order(symbol, ack.orderId, None))
        return parse.parse_order(row, symbol, self.config.order_status_map)

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        row = await self._find_order(symbol, order_id, client_order_id)
        return parse.parse_order(row, symbol, self.config.order_status_map)

    def _scopes(self, symbol_param: str | None) -> list[dict[str, Any]]:
        """How to ask for "all" of a list: spot takes no filter, linear wants a symbol
        or a settle coin (open-order.mdx, position.mdx), one query per settle coin."""
        if symbol_param is not None:
            return [{"symbol": symbol_param}]
        if self.category == "spot":
            return [{}]
        settles = sorted({i.settle for i in self._instruments.values() if i.settle})
        return [{"settleCoin": coin} for coin in settles]

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.instruments()
        venue_symbol = await self._venue_symbol(symbol) if symbol else None
        out: list[Order] = []
        for scope in self._scopes(venue_symbol):
            params = {"category": self.category, "openOnly": 0, "limit": 50, **scope}
            for page in await self._pages("get_open_orders", params, m.OrderPage):
                out.extend(self._known_orders(page.rows))
        return out

    def _known_orders(self, rows: list[m.OrderRow]) -> list[Order]:
        smap = self.config.order_status_map
        out = []
        for row in rows:
            self.order_ids.add(row.orderLinkId, row.orderId)
            # linear also lists dated futures and USDC contracts: not this market's
            if row.symbol in self._by_venue_symbol:
                out.append(parse.parse_order(row, self.from_venue_symbol(row.symbol), smap))
        return out

    async def orders_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Order]:
        """Every order of `symbol` created at or after `start_ms`, in any state, oldest
        first (the order history, 7 days per request)."""
        rows = await self._since("get_orders", symbol, start_ms, limit, m.OrderPage)
        orders = self._known_orders(rows)
        return sorted(orders, key=lambda o: o.created_ts)[:limit]

    async def fills_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Fill]:
        """Own fills of `symbol` at or after `start_ms`, oldest first."""
        rows = await self._since("get_deals", symbol, start_ms, limit, m.ExecutionPage)
        fills = parse.trade_fills(rows, symbol)
        return sorted(fills, key=lambda f: f.ts)[:limit]

    async def _since(
        self, name: str, symbol: str, start_ms: int, limit: int, type_: type[Any]
    ) -> list[Any]:
        venue_symbol = await self._venue_symbol(symbol)
        now = self.clock.now_ms()
        rows: list[Any] = []
        # the venue keeps two years of orders and executions (order-list.mdx,
        # execution.mdx): nothing older is there to ask for
        start = max(start_ms, now - _KEPT_MS)
        while start <= now and len(rows) < limit:
            params = {
                "category": self.category,
                "symbol": venue_symbol,
                "startTime": start,
                "endTime": min(now, start + _WEEK_MS),
                "limit": 50 if name == "get_orders" else 100,
            }
            for page in await self._pages(name, params, type_):
                rows.extend(page.rows)
            start += _WEEK_MS + 1
        return rows

    async def _wallet(self) -> m.WalletAccount | None:
        params = {"accountType": "UNIFIED"}
        wallet = await self._signed("get_balance", params, m.WalletBalance)
        return wallet.rows[0] if wallet.rows else None

    async def get_balance(self) -> dict[str, Balance]:
        account = await self._wallet()
        return {} if account is None else parse.parse_wallet(account)

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        if self.category == "spot":
            raise self._unsupported("get_position")
        await self.instruments()
        venue_symbol = await self._venue_symbol(symbol) if symbol else None
        out = []
        for scope in self._scopes(venue_symbol):
            params = {"category": self.category, "limit": 200, **scope}
            for page in await self._pages("get_position", params, m.PositionPage):
                for row in page.rows:
                    if row.symbol not in self._by_venue_symbol:
                        continue
                    if venue_symbol is not None:
                        self._hedge[row.symbol] = row.positionIdx in (1, 2)
                    if parse.dec(row.size, f"position {row.symbol} size"):
                        out.append(parse.parse_position(row, self.from_venue_symbol(row.symbol)))
        return out

    async def get_account(self) -> AccountSnapshot:
        if self.category == "spot":
            return await self._spot_account()
        open_orders, account, positions = await asyncio.gather(
            self.get_open_orders(), self._wallet(), self.get_position()
        )
        balances = {} if account is None else parse.parse_wallet(account)
        usdt = next((c for c in account.coin if c.coin == "USDT"), None) if account else None
        capital = parse.dec(usdt.walletBalance, "USDT walletBalance") if usdt else Decimal(0)
        equity = parse.dec(usdt.equity, "USDT equity") if usdt else Decimal(0)
        return margin_account(self.key, balances, positions, open_orders, capital, equity)

    async def _set_leverage(self, symbol: str, leverage: int) -> int:
        if self.category == "spot":
            raise self._unsupported("set_leverage")
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            "buyLeverage": str(leverage),
            "sellLeverage": str(leverage),
        }
        # the answer is empty: what was asked is what applies
        await self._setting("set_leverage", params)
        return leverage

    async def get_leverage(self, symbol: str) -> int:
        """/v5/position/list with a symbol lists its legs flat or not, each with the
        leverage it trades at (position.mdx)."""
        if self.category == "spot":
            raise self._unsupported("get_leverage")
        params = {"category": self.category, "symbol": await self._venue_symbol(symbol)}
        page = await self._signed("get_position", params, m.PositionPage)
        levels = [parse.dec(r.leverage, f"{r.symbol} leverage") for r in page.rows if r.leverage]
        if not levels:
            raise UnknownSymbol(f"no leverage for {symbol} on {self.key}", venue=self.key)
        return int(max(levels))

    async def _get_deals(self, symbol: str, limit: int, order_id: str | None) -> list[Fill]:
        params = {
            "category": self.category,
            "symbol": await self._venue_symbol(symbol),
            "orderId": order_id,
            "limit": min(limit, 100),
        }
        pages = await self._pages("get_deals", params, m.ExecutionPage, enough=limit)
        rows = [r for p in pages for r in p.rows]
        fills = parse.trade_fills(rows, symbol)
        return sorted(fills, key=lambda f: f.ts)[-limit:]
