"""BingX swap REST client, the private half: orders, balance, positions and leverage
(PROTOCOLS.md §5.3). Contracts, market data and the client's construction are
`rest_market.py`; how a call is signed and answered is `dialect.py`.

Client order ids are lower-cased by the venue, so every lookup sends and compares the
lower-cased id; a second order with a client id already used is answered with the
first order (an idempotent retry), which the shared order flow then reads back.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

import msgspec

from tradeport.model import (
    AccountSnapshot,
    Balance,
    Fill,
    Instrument,
    Order,
    OrderStatus,
    OrderType,
    Position,
)
from tradeport.model.errors import BadParameter, DuplicateClientOrderId, TradeportError
from tradeport.venues.base import BatchItem, OrderRequest
from tradeport.venues.bingx import messages as m
from tradeport.venues.bingx import parse
from tradeport.venues.bingx.orders import (
    BATCH_MAX,
    CLIENT_ID,
    CLIENT_ID_RULE,
    batch_orders,
    match_rows,
    order_params,
    venue_client_id,
)
from tradeport.venues.bingx.rest_market import BingxMarketRest
from tradeport.venues.kit.account import margin_account
from tradeport.venues.kit.orders import order_ref

log = logging.getLogger("tradeport.venues.bingx")
_CLOSED = (OrderStatus.EXPIRED, OrderStatus.CANCELED)
# how far back fills are asked for (the venue wants a window)
FILL_WINDOW_MS = 7 * 86_400_000
# our margin type names → the venue's (§5.3)
MARGIN_TYPES = {"cross": "CROSSED", "isolated": "ISOLATED"}


class PositionMode(msgspec.Struct):
    dualSidePosition: str | bool = False


class BingxRest(BingxMarketRest):
    """The REST half of the BingX client."""

    client_order_id_pattern = CLIENT_ID
    client_order_id_rule = CLIENT_ID_RULE
    _hedge: bool | None = None  # the account's position mode, read once

    # -- position mode -----------------------------------------------------------------
    @property
    def hedged(self) -> bool | None:
        """The position mode as last read or set; None before it was."""
        return self._hedge

    async def hedge_mode(self) -> bool:
        """Whether the account trades in hedge mode (LONG and SHORT legs); one mode
        for every contract of the account."""
        if self._hedge is None:
            mode = await self._signed("get_position_mode", {}, PositionMode)
            self._hedge = str(mode.dualSidePosition).lower() == "true"
        return self._hedge

    async def set_position_mode(self, hedge: bool) -> None:
        """Hedge (LONG and SHORT legs) or one-way mode for the account; the venue
        refuses while orders or positions are open."""
        params = {"dualSidePosition": "true" if hedge else "false"}
        await self.rest.call("set_position_mode", params, signed=True, idempotent=True)
        self._hedge = hedge

    # -- margin type -------------------------------------------------------------------
    async def get_margin_type(self, symbol: str) -> str:
        """`cross` or `isolated`: how `symbol`'s positions are margined."""
        params = {"symbol": await self._venue_symbol(symbol)}
        answer = await self._signed("get_margin_type", params, m.MarginType)
        return "isolated" if answer.marginType.upper() == "ISOLATED" else "cross"

    async def set_margin_type(self, symbol: str, margin_type: str) -> None:
        """Margin `symbol`'s positions `cross` or `isolated`; the venue refuses a
        change while the contract has a position or open orders."""
        venue_type = MARGIN_TYPES.get(margin_type) if isinstance(margin_type, str) else None
        if venue_type is None:
            raise BadParameter(
                f"margin type {margin_type!r}: expected one of {sorted(MARGIN_TYPES)}"
            )
        params = {"symbol": await self._venue_symbol(symbol), "marginType": venue_type}
        await self.rest.call("set_margin_type", params, signed=True, idempotent=True)

    # -- orders ------------------------------------------------------------------------
    async def _order_params(self, req: OrderRequest, inst: Instrument, cid: str) -> dict[str, Any]:
        params = order_params(req, inst, hedge=await self.hedge_mode())
        params["clientOrderId"] = cid
        return params

    def _parse_ack(self, req: OrderRequest, cid: str, raw: bytes) -> str:
        ack = self.rest.decode("make_order", raw, m.OrderAnswer, strict=False).order
        return self._acknowledged(cid, str(ack.orderId))

    def _acknowledged(self, cid: str, order_id: str) -> str:
        """The venue's id of the order it placed for `cid`; DuplicateClientOrderId
        when that is the id an earlier order of ours already had."""
        cid = venue_client_id(cid)
        if self.order_ids.order_id(cid) == order_id:
            # the venue answers a reused client id with the order that has it: nothing
            # new was placed (§5.3)
            raise DuplicateClientOrderId(
                f"client order id {cid} is order {order_id} already; no new order placed",
                venue=self.key,
            )
        self.order_ids.add(cid, order_id)
        return order_id

    async def _send_batch(self, items: list[BatchItem]) -> list[Order | TradeportError]:
        """The batch endpoint, BATCH_MAX orders a call, one call after the other."""
        results: list[Order | TradeportError] = []
        for start in range(0, len(items), BATCH_MAX):
            results.extend(await self._send_chunk(items[start : start + BATCH_MAX]))
        return results

    async def _send_chunk(self, items: list[BatchItem]) -> list[Order | TradeportError]:
        params = {"batchOrders": batch_orders([item.params for item in items])}
        try:
            raw = await self.rest.call("make_orders", params, signed=True, idempotent=False)
            answer = self.rest.decode("make_orders", raw, m.BatchAnswer, strict=False)
        except self.unknown_outcome as exc:
            # never resent: the venue may hold any of them. Each is asked for by its id.
            cids = [item.cid for item in items]
            log.warning("%s: batch %s outcome unknown (%s); reconciling", self.key, cids, exc)
            return [await self._reconcile_unknown(item.req, item.cid) for item in items]
        except TradeportError as exc:
            # the call itself was refused: none of its orders was placed
            return [exc for _ in items]
        rows = match_rows([item.cid for item in items], answer.orders or [])
        return [await self._batch_result(item, row) for item, row in zip(items, rows, strict=True)]

    async def _batch_result(
        self, item: BatchItem, row: m.BatchRow | None
    ) -> Order | TradeportError:
        """One item's outcome: its order, read back as `submit_order` does, or the
        typed error of its refusal."""
        if row is None:
            # the answer does not tell of this item: as unknown as a lost answer
            return await self._reconcile_unknown(item.req, item.cid)
        if row.code:
            return self.rest.errors.error(row.code, row.msg, mutation=True)
        try:
            order_id = self._acknowledged(item.cid, str(row.orderId))
            return await self._read_back(item.req, item.cid, order_id)
        except TradeportError as exc:
            return exc

    async def _placed(self, req: OrderRequest, order_id: str) -> Order:
        order = await self.query_order(req.symbol, order_id)
        # a post-only that would take is acknowledged, then closed unfilled
        if order.type is OrderType.POST_ONLY and order.status in _CLOSED and not order.filled_qty:
            raise self._post_only_rejected(req, order.status.value, order.status.value)
        return order

    def _order_ref(self, order_id: str | None, client_order_id: str | None) -> dict[str, Any]:
        cid = None if client_order_id is None else venue_client_id(client_order_id)
        return order_ref(order_id, cid, "orderId", "clientOrderId", self.order_ids)

    def _known(self, row: m.OrderRow, symbol: str | None = None) -> Order:
        order_id = str(row.orderId)
        self.order_ids.add(row.clientOrderId or None, order_id)
        return parse.parse_order(
            row, symbol or self.from_venue_symbol(row.symbol), self.config.order_status_map
        )

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        params = {"symbol": await self._venue_symbol(symbol)}
        params.update(self._order_ref(order_id, client_order_id))
        answer = await self._signed("query_order", params, m.OrderAnswer)
        return self._known(answer.order, symbol)

    async def _cancel(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order:
        params = {"symbol": await self._venue_symbol(symbol)}
        params.update(self._order_ref(order_id, client_order_id))
        # sent once: a second cancel of a cancelled order reports "order not exist"
        answer = await self._signed("cancel_order", params, m.OrderAnswer, idempotent=False)
        return self._known(answer.order, symbol)

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order of `symbol`; the orders the venue cancelled."""
        self.check_trading_allowed("cancel_all")
        params = {"symbol": await self._venue_symbol(symbol)}
        answer = await self._signed("cancel_all", params, CancelAll, idempotent=False)
        return [self._known(row, symbol) for row in answer.success]

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.instruments()
        params = {"symbol": await self._venue_symbol(symbol) if symbol else None}
        answer = await self._signed("get_open_orders", params, m.OrderList)
        return [self._known(r) for r in answer.orders if r.symbol in self._by_venue_symbol]

    async def _get_deals(self, symbol: str, limit: int, order_id: str | None) -> list[Fill]:
        now = self.clock.now_ms()
        params = {
            "symbol": await self._venue_symbol(symbol),
            "orderId": order_id,
            "startTs": now - FILL_WINDOW_MS,
            "endTs": now,
            "pageSize": min(limit, 1000),
        }
        history = await self._signed("get_deals", params, m.FillHistory)
        fills = [parse.parse_fill(row, symbol) for row in history.fill_history_orders]
        fills = sorted(fills, key=lambda f: f.ts)[-limit:]
        return await self._with_profit(symbol, fills)

    async def orders_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Order]:
        """Every order of `symbol` created at or after `start_ms`, in any state (the
        order history, `allOrders` with `startTime`)."""
        params = {
            "symbol": await self._venue_symbol(symbol),
            "startTime": start_ms,
            "endTime": self.clock.now_ms(),
            "limit": min(limit, 1000),
        }
        answer = await self._signed("get_orders", params, m.OrderList)
        return [self._known(row, symbol) for row in answer.orders]

    async def fills_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Fill]:
        """Own fills of `symbol` at or after `start_ms` (without their share of the
        order's realized profit: reconciling needs the fills, not the pnl)."""
        params = {
            "symbol": await self._venue_symbol(symbol),
            "startTs": start_ms,
            "endTs": self.clock.now_ms(),
            "pageSize": min(limit, 1000),
        }
        history = await self._signed("get_deals", params, m.FillHistory)
        fills = [parse.parse_fill(row, symbol) for row in history.fill_history_orders]
        return [f for f in fills if f.ts >= start_ms]

    async def _with_profit(self, symbol: str, fills: list[Fill]) -> list[Fill]:
        """Fills carry no realized pnl at this venue; their order's `profit` does. It
        is shared among the order's fills by quantity (the last takes the rounding),
        so the fills of an order sum to exactly what the venue realized on it."""
        venue_symbol = await self._venue_symbol(symbol)
        profits: dict[str, Decimal] = {}
        for order_id in dict.fromkeys(f.order_id for f in fills):
            params = {"symbol": venue_symbol, "orderId": order_id}
            answer = await self._signed("query_order", params, m.OrderAnswer)
            profits[order_id] = answer.order.profit
        return parse.share_profit(fills, profits)

    # -- account -----------------------------------------------------------------------
    async def _balances(self) -> list[m.BalanceRow]:
        return await self._signed("get_balance", {}, list[m.BalanceRow])

    async def get_balance(self) -> dict[str, Balance]:
        return {row.asset: parse.parse_balance(row) for row in await self._balances()}

    async def get_position(self, symbol: str | None = None) -> list[Position]:
        await self.instruments()
        params = {"symbol": await self._venue_symbol(symbol) if symbol else None}
        rows = await self._signed("get_position", params, list[m.PositionRow])
        return [
            parse.parse_position(row, self.from_venue_symbol(row.symbol))
            for row in rows
            if row.symbol in self._by_venue_symbol and row.positionAmt
        ]

    async def get_account(self) -> AccountSnapshot:
        open_orders, rows, positions = await asyncio.gather(
            self.get_open_orders(), self._balances(), self.get_position()
        )
        balances = {row.asset: parse.parse_balance(row) for row in rows}
        usdt = next((r for r in rows if r.asset == "USDT"), None)
        capital = usdt.balance if usdt else Decimal(0)
        equity = usdt.equity if usdt else Decimal(0)
        return margin_account(self.key, balances, positions, open_orders, capital, equity)

    async def get_leverage(self, symbol: str) -> int:
        """One-way mode reports the same leverage for both legs; hedge-mode legs set
        apart elsewhere report the higher (the one that risks more)."""
        return max(await self.leverage_legs(symbol))

    async def leverage_legs(self, symbol: str) -> tuple[int, int]:
        """The (long, short) leverage the venue holds for `symbol`."""
        params = {"symbol": await self._venue_symbol(symbol)}
        lev = await self._signed("get_leverage", params, m.Leverage)
        return lev.longLeverage or lev.leverage, lev.shortLeverage or lev.leverage

    async def _set_leverage(self, symbol: str, leverage: int) -> int:
        venue_symbol = await self._venue_symbol(symbol)
        # side BOTH in one-way mode, each leg in hedge mode (§5.3)
        sides = ("LONG", "SHORT") if await self.hedge_mode() else ("BOTH",)
        applied = leverage
        for side in sides:
            params = {"symbol": venue_symbol, "side": side, "leverage": leverage}
            answer = await self._signed("set_leverage", params, m.Leverage, idempotent=True)
            applied = answer.leverage or leverage
        return applied


class CancelAll(msgspec.Struct):
    success: list[m.OrderRow] = []
    failed: list[Any] | None = None
