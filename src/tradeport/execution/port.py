"""The execution port (DESIGN.md §5): intents in, the venue's truth out, on any venue
client. Around the client's order flow it adds idempotent client ids derived from
intent ids, the leverage cache, quantization from base units, guards, fee and slippage,
truth-based cancels, reconciliation and the journal.

Guards are the caller's errors and raise before anything is sent: PermissionDenied
(live trading without allow_mainnet), NotReady (the client's readiness), BadParameter
(max notional, max leverage), and the instrument's rules (InvalidQuantity, MinNotional
...). What the venue refuses is not raised: the receipt is REJECTED (or RATE_LIMITED)
and carries the typed error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any, Self

from tradeport.config.schema import FeeSchedule
from tradeport.execution import receipts, records, sizing
from tradeport.execution.client_ids import client_order_id_for
from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentOrderType,
    ReceiptStatus,
)
from tradeport.execution.journal import Journal, intent_to_dict, receipt_to_dict
from tradeport.execution.leverage import LeverageCache, cache_path
from tradeport.execution.leverage import state_dir as resolve_state_dir
from tradeport.execution.quantize import check_order, quantize_price
from tradeport.execution.state import PortState, ReconcileReport
from tradeport.model import Instrument, Offset, Order, OrderType
from tradeport.model.errors import (
    BadParameter,
    DuplicateClientOrderId,
    NotReady,
    NotSupported,
    OrderFilled,
    OrderNotFound,
    RateLimitError,
    ReduceOnlyRejected,
    TradeportError,
    UnknownOrderState,
)
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.kit import arguments

_ORDER_TYPES = {
    IntentOrderType.MARKET: OrderType.MARKET,
    IntentOrderType.LIMIT: OrderType.LIMIT,
    IntentOrderType.POST_ONLY: OrderType.POST_ONLY,
}
# errors of the client's own checks: the caller's, raised, never a venue's rejection
_CALLER_ERRORS = (NotReady, NotSupported)


class ExecutionPort:
    """Intents to orders on one venue client, with the venue's truth back.

    `journal`: a Journal or the path of one (opened and closed by the port); every
    intent, request, acknowledgement, fill, cancel and receipt is recorded, and
    `connect` settles the intents it holds open before any new submit. `state_dir`: where
    the leverage cache lives (default: $TRADEPORT_STATE_DIR, else the user's state
    directory). `account`: names the account in the cache. `max_notional` (in the quote
    currency) and `max_leverage` refuse an entering intent above them. `fee_rates`:
    the account's maker/taker rates for fee estimates (default: the venue's published
    schedule from venue.yaml, when it has one)."""

    def __init__(
        self,
        client: VenueClient,
        *,
        journal: Journal | str | os.PathLike[str] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        account: str = "default",
        max_notional: Decimal | None = None,
        max_leverage: int | None = None,
        fee_rates: FeeSchedule | None = None,
    ) -> None:
        if not isinstance(client, VenueClient):
            raise BadParameter(f"client: expected a VenueClient, got {type(client).__name__}")
        self.client = client
        self.venue = client.key
        self.account = arguments.text("account", account)
        self.max_notional = (
            None
            if max_notional is None
            else arguments.positive_amount("max_notional", max_notional)
        )
        self.max_leverage = (
            None if max_leverage is None else arguments.count("max_leverage", max_leverage)
        )
        self.fee_rates = fee_rates if fee_rates is not None else client.config.fees
        self._owns_journal = journal is not None and not isinstance(journal, Journal)
        self.journal: Journal | None = (
            journal if journal is None or isinstance(journal, Journal) else Journal(journal)
        )
        directory = resolve_state_dir(state_dir)
        self.leverage = LeverageCache(
            cache_path(directory, client.key, client.environment, self.account)
        )
        self.state: PortState | None = None
        self._receipts: dict[str, ExecutionReceipt] = {}  # by intent id
        self._intent_of: dict[str, str] = {}  # lower-cased client id -> intent id
        self._intent_locks: dict[str, asyncio.Lock] = {}
        self._recorded_fills: set[tuple[str, str]] = set()  # (intent id, trade id)
        self._connect_lock = asyncio.Lock()
        self._connected = False
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._refresh_again: set[str] = set()
        self._log = logging.getLogger(f"tradeport.execution.{client.config.venue.id}")

    def __repr__(self) -> str:
        return f"<ExecutionPort {self.venue} {self.client.environment} account={self.account}>"

    # -- lifecycle ---------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Instruments, readiness, state, the leverage cache against the venue, then
        the journal's open intents settled against the venue. Safe to call again."""
        async with self._connect_lock:
            if self._connected:
                return
            await self.client.instruments()
            await self._ready()
            await self.refresh_state()
            await self._check_leverage_drift()
            await self._settle_journal()
            self._connected = True

    async def close(self) -> None:
        """Stop background refreshes and close a journal the port opened; the client
        stays open (it is the caller's)."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._refreshing.clear()
        if self._owns_journal and self.journal is not None:
            self.journal.close()

    async def _ready(self) -> None:
        client = self.client
        if client.readiness_mode == "wait":
            await client.readiness.wait(client.ready_timeout)
        else:
            client.readiness.check()

    # -- state -------------------------------------------------------------------------
    async def refresh_state(
        self, symbol: str | None = None, include_history: bool = False
    ) -> PortState:
        """The account as the venue reports it now (narrowed to `symbol` if given);
        with `include_history`, this port's recent orders and the recent fills of the
        symbols it holds or trades."""
        account = await self.client.get_account()
        self.state = PortState.from_account(account)
        state = self.state if symbol is None else PortState.from_account(account, symbol)
        if include_history:
            await self._add_history(state, symbol)
        self._record(
            "snapshot",
            symbol=symbol,
            data={
                "capital": str(state.capital),
                "equity": str(state.equity),
                "positions": len(state.positions),
                "open_orders": len(state.open_orders),
                "open_notional": str(state.open_notional),
            },
        )
        return state

    async def _add_history(self, state: PortState, symbol: str | None) -> None:
        mine = [r for r in self._receipts.values() if symbol is None or r.symbol == symbol]
        state.orders = [r.order for r in mine if r.order is not None]
        symbols = {symbol} if symbol else {p.symbol for p in state.positions}
        symbols |= {o.symbol for o in state.open_orders} | {r.symbol for r in mine}
        batches = await asyncio.gather(*(self.client.get_deals(s, 100) for s in sorted(symbols)))
        state.fills = sorted((f for batch in batches for f in batch), key=lambda f: f.ts)

    def _refresh_later(self, symbol: str) -> None:
        """Refresh in the background, one task per symbol: a request made while one
        runs makes it run once more."""
        task = self._refreshing.get(symbol)
        if task is not None and not task.done():
            self._refresh_again.add(symbol)
            return
        self._refreshing[symbol] = asyncio.get_running_loop().create_task(
            self._refresh_loop(symbol), name=f"tradeport-port-refresh-{symbol}"
        )

    async def idle(self) -> None:
        """Return once the background state refreshes (after market fills) are done."""
        while tasks := [t for t in self._refreshing.values() if not t.done()]:
            await asyncio.gather(*tasks)

    async def _refresh_loop(self, symbol: str) -> None:
        while True:
            self._refresh_again.discard(symbol)
            try:
                await self.refresh_state(symbol)
            except TradeportError as exc:
                self._log.warning("%s: state refresh after a fill failed: %s", self.venue, exc)
            if symbol not in self._refresh_again:
                return

    # -- leverage ----------------------------------------------------------------------
    async def ensure_leverage(self, symbol: str, leverage: int) -> int:
        """Set `symbol`'s leverage unless the cache says it is in force; the cache is
        written once the venue confirmed."""
        async with self.leverage.lock(symbol):
            if self.leverage.get(symbol) == leverage:
                return leverage
            applied = await self.client.set_leverage(symbol, leverage)
            self.leverage.set(symbol, applied)
            return applied

    async def _check_leverage_drift(self) -> None:
        for symbol, cached in self.leverage.items():
            async with self.leverage.lock(symbol):
                actual = await self.client.get_leverage(symbol)
                if actual != cached:
                    self._log.warning(
                        "%s: %s leverage is %d at the venue, %d in the cache; the venue's"
                        " value replaces it",
                        self.venue,
                        symbol,
                        actual,
                        cached,
                    )
                    self.leverage.set(symbol, actual)

    # -- submit ------------------------------------------------------------------------
    async def submit(self, intent: Intent) -> ExecutionReceipt:
        """Send the intent's order and return the venue's answer (see the module notes
        for what raises). The same intent id again returns that order, never a second."""
        if not isinstance(intent, Intent):
            raise BadParameter(f"intent: expected an Intent, got {type(intent).__name__}")
        await self.connect()
        lock = self._intent_locks.setdefault(intent.intent_id, asyncio.Lock())
        async with lock:
            return await self._submit(intent)

    async def _submit(self, intent: Intent) -> ExecutionReceipt:
        client = self.client
        client.check_trading_allowed("submit")
        inst = await client.instrument(intent.asset)
        cid = client_order_id_for(intent.intent_id, client.client_order_id_pattern, self.venue)
        if self._seen(intent.intent_id):
            existing = await self._lookup(intent, inst, cid)
            if existing is not None:
                return existing
        sizing.check_leverage_limit(intent, self.max_leverage)
        await self._ready()
        mark = await self._mark(intent.asset)
        qty = sizing.venue_qty(intent, inst)
        price = None
        if intent.limit_price is not None and intent.order_type is not IntentOrderType.MARKET:
            price = quantize_price(inst, intent.limit_price, intent.order_side)
        exiting = intent.action is IntentAction.EXIT
        base = ExecutionReceipt(
            intent_id=intent.intent_id,
            venue=self.venue,
            symbol=intent.asset,
            status=ReceiptStatus.UNKNOWN,
            client_order_id=cid,
            side=intent.order_side,
            mark_at_submit=mark,
            submit_ts=time.time_ns(),
        )
        if exiting:
            held = sizing.held_qty(await self.client.get_position(intent.asset), intent.side)
            if held <= 0:
                refusal = ReduceOnlyRejected(
                    f"intent {intent.intent_id}: no {intent.side.value} position of"
                    f" {intent.asset} to exit; nothing sent",
                    venue=self.venue,
                )
                return await self._refused(intent, base, refusal)
            qty = min(qty, held)
        check_order(inst, qty, price, reduce_only=exiting, reference_price=mark)
        reference = price if price is not None else mark
        sizing.check_notional(intent, inst, qty, reference, self.max_notional)
        self._track(intent, base)
        self._record(
            "intent",
            intent_id=intent.intent_id,
            symbol=intent.asset,
            data={**intent_to_dict(intent), "client_order_id": cid},
        )
        if intent.leverage is not None and not exiting:
            try:
                await self.ensure_leverage(intent.asset, intent.leverage)
            except _CALLER_ERRORS:
                raise
            except TradeportError as exc:
                return await self._finish(self._failed(base, exc))
        req = OrderRequest(
            symbol=intent.asset,
            side=intent.order_side,
            type=_ORDER_TYPES[intent.order_type],
            qty=qty,
            price=price,
            offset=Offset.CLOSE if exiting else Offset.OPEN,
            reduce_only=exiting,
            client_order_id=cid,
        )
        self._record(
            "request", intent_id=intent.intent_id, symbol=intent.asset, data=records.request(req)
        )
        return await self._finish(await self._send(intent, inst, base, req))

    async def _send(
        self, intent: Intent, inst: Instrument, base: ExecutionReceipt, req: OrderRequest
    ) -> ExecutionReceipt:
        try:
            order = await self.client.submit_order(req)
        except _CALLER_ERRORS:
            raise
        except DuplicateClientOrderId as exc:
            # the venue holds an order under this client id already: that one is the
            # intent's order (an earlier run sent it)
            self._log.info("%s: %s already at the venue (%s)", self.venue, req.client_order_id, exc)
            existing = await self._lookup(intent, inst, base.client_order_id)
            return existing if existing is not None else self._failed(base, exc)
        except TradeportError as exc:
            return self._failed(base, exc)
        self._record(
            "ack", intent_id=intent.intent_id, symbol=intent.asset, data=records.order(order)
        )
        receipt = receipts.from_order(base, order, inst, self.fee_rates)
        if receipt.status is ReceiptStatus.UNKNOWN:
            return receipt
        if intent.order_type is IntentOrderType.MARKET and not receipt.done:
            return await self.resolve(receipt)  # a market order's fill, as the venue tells it
        return await self._with_fills(receipt, inst)

    def _failed(self, base: ExecutionReceipt, exc: TradeportError) -> ExecutionReceipt:
        status = (
            ReceiptStatus.RATE_LIMITED
            if isinstance(exc, RateLimitError)
            else ReceiptStatus.REJECTED
        )
        return replace(base, status=status, error=exc)

    async def _refused(
        self, intent: Intent, base: ExecutionReceipt, error: TradeportError
    ) -> ExecutionReceipt:
        self._track(intent, base)
        self._record(
            "intent",
            intent_id=intent.intent_id,
            symbol=intent.asset,
            data={**intent_to_dict(intent), "client_order_id": base.client_order_id},
        )
        return await self._finish(replace(base, status=ReceiptStatus.REJECTED, error=error))

    async def _finish(self, receipt: ExecutionReceipt) -> ExecutionReceipt:
        """Record the receipt; then the state: refreshed before returning when an order
        rests (the caller acts on its open orders next), in the background after a
        market fill (the receipt already says what filled)."""
        self._store(receipt)
        if receipt.status in (ReceiptStatus.ACCEPTED, ReceiptStatus.PARTIALLY_FILLED):
            await self.refresh_state(receipt.symbol)
        elif receipt.filled_qty > 0:
            self._refresh_later(receipt.symbol)
        return receipt

    def _seen(self, intent_id: str) -> bool:
        """Whether this intent id may already have an order: known here, in the
        journal, or (with no journal to tell) possibly sent by an earlier run."""
        if intent_id in self._receipts or self.journal is None:
            return True
        return bool(self.journal.events(intent_id=intent_id, limit=1))

    async def _lookup(self, intent: Intent, inst: Instrument, cid: str) -> ExecutionReceipt | None:
        """The intent's order as the venue holds it, by client id; None if the venue
        holds none. A lookup that fails leaves the outcome UNKNOWN: nothing is sent."""
        base = self._receipts.get(intent.intent_id) or ExecutionReceipt(
            intent_id=intent.intent_id,
            venue=self.venue,
            symbol=intent.asset,
            status=ReceiptStatus.UNKNOWN,
            client_order_id=cid,
            side=intent.order_side,
        )
        try:
            order = await self.client.query_order(intent.asset, client_order_id=cid)
        except OrderNotFound:
            return None
        except TradeportError as exc:
            self._log.warning("%s: lookup of %s failed (%s); not sending", self.venue, cid, exc)
            self._track(intent, base)
            return replace(base, status=ReceiptStatus.UNKNOWN, error=exc)
        self._track(intent, base)
        receipt = receipts.from_order(base, order, inst, self.fee_rates)
        if base.status is ReceiptStatus.UNKNOWN and receipt.status is not ReceiptStatus.UNKNOWN:
            receipt.resolved_from_unknown = True
        receipt = await self._with_fills(receipt, inst)
        self._store(receipt)
        return receipt

    def _track(self, intent: Intent, receipt: ExecutionReceipt) -> None:
        self._receipts.setdefault(intent.intent_id, receipt)
        self._intent_of[receipt.client_order_id.lower()] = intent.intent_id

    def _store(self, receipt: ExecutionReceipt) -> None:
        self._receipts[receipt.intent_id] = receipt
        self._intent_of[receipt.client_order_id.lower()] = receipt.intent_id
        self._record(
            "receipt",
            intent_id=receipt.intent_id,
            symbol=receipt.symbol,
            data=receipt_to_dict(receipt),
        )

    # -- the mark ----------------------------------------------------------------------
    async def _mark(self, symbol: str) -> Decimal | None:
        """The mid of the best bid and ask (the last price when a side is missing)."""
        try:
            tick = await self.client.get_tick(symbol)
        except TradeportError as exc:
            self._log.warning("%s: no mark for %s (%s); no slippage", self.venue, symbol, exc)
            return None
        if tick.bid and tick.ask:
            return (Decimal(str(tick.bid)) + Decimal(str(tick.ask))) / 2
        return Decimal(str(tick.last)) if tick.last else None

    # -- the venue's truth -------------------------------------------------------------
    async def resolve(self, receipt: ExecutionReceipt) -> ExecutionReceipt:
        """The venue's current truth for the receipt's order: status, fill, average
        price and the fee from its fills. While the venue cannot show the order, the
        receipt comes back as it was."""
        inst = await self.client.instrument(receipt.symbol)
        by_id = receipt.order_id
        try:
            order = await self.client.query_order(
                receipt.symbol, by_id, None if by_id else receipt.client_order_id
            )
        except OrderNotFound:
            self._log.info("%s: %s not at the venue (yet)", self.venue, receipt.client_order_id)
            return receipt
        except TradeportError as exc:
            self._log.warning(
                "%s: cannot read %s back: %s", self.venue, receipt.client_order_id, exc
            )
            return receipt
        out = receipts.from_order(receipt, order, inst, self.fee_rates)
        if receipt.status is ReceiptStatus.UNKNOWN and out.status is not ReceiptStatus.UNKNOWN:
            out.resolved_from_unknown = True
        out = await self._with_fills(out, inst)
        self._store(out)
        return out

    async def _with_fills(self, receipt: ExecutionReceipt, inst: Instrument) -> ExecutionReceipt:
        if (
            receipt.filled_qty <= 0
            or receipt.order_id is None
            or receipt.fee_source is FeeSource.VENUE
        ):
            return receipt
        try:
            fills = await self.client.get_deals(receipt.symbol, 100, order_id=receipt.order_id)
        except TradeportError as exc:
            self._log.warning(
                "%s: fills of %s not read (%s); the fee stays estimated",
                self.venue,
                receipt.order_id,
                exc,
            )
            return receipt
        fills = [f for f in fills if f.order_id == receipt.order_id]
        for f in fills:
            if (receipt.intent_id, f.trade_id) not in self._recorded_fills:
                self._recorded_fills.add((receipt.intent_id, f.trade_id))
                self._record(
                    "fill", intent_id=receipt.intent_id, symbol=f.symbol, data=records.fill(f)
                )
        return receipts.with_fills(receipt, fills, inst)

    async def cancel(self, order: ExecutionReceipt | Order, reason: str = "") -> ExecutionReceipt:
        """Cancel an order and report the venue's truth about it afterwards: CANCELLED
        once the venue no longer lists it open, FILLED if it filled first."""
        receipt = self._receipt_of(order)
        inst = await self.client.instrument(receipt.symbol)
        by_id = receipt.order_id
        self._record(
            "cancel",
            intent_id=receipt.intent_id,
            symbol=receipt.symbol,
            data={"reason": reason, "order_id": by_id, "client_order_id": receipt.client_order_id},
        )
        try:
            cancelled = await self.client.cancel_order(
                receipt.symbol, by_id, None if by_id else receipt.client_order_id
            )
        except OrderFilled as exc:
            filled = exc.order if isinstance(exc.order, Order) else None
            if filled is None:
                return await self.resolve(receipt)
            out = await self._with_fills(
                receipts.from_order(receipt, filled, inst, self.fee_rates), inst
            )
        except OrderNotFound:
            return await self.resolve(receipt)  # closed already: the venue says how
        except UnknownOrderState as exc:
            self._log.warning(
                "%s: cancel of %s unsettled: %s", self.venue, receipt.client_order_id, exc
            )
            out = await self.resolve(receipt)
            if out.status in (ReceiptStatus.ACCEPTED, ReceiptStatus.PARTIALLY_FILLED):
                out = replace(out, error=exc)
        else:
            out = await self._with_fills(
                receipts.from_order(receipt, cancelled, inst, self.fee_rates), inst
            )
        self._store(out)
        self._refresh_later(out.symbol)
        return out

    def _receipt_of(self, order: ExecutionReceipt | Order) -> ExecutionReceipt:
        if isinstance(order, ExecutionReceipt):
            return self._receipts.get(order.intent_id, order)
        if not isinstance(order, Order):
            raise BadParameter(
                f"order: expected an ExecutionReceipt or Order, got {type(order).__name__}"
            )
        cid = order.client_order_id
        intent_id = self._intent_of.get(cid.lower()) if cid else None
        if intent_id is not None and intent_id in self._receipts:
            return self._receipts[intent_id]
        ref = cid or order.order_id
        if ref is None:
            raise BadParameter("order: has neither an order id nor a client order id")
        return receipts.with_slippage(
            ExecutionReceipt(
                intent_id=intent_id or ref,
                venue=self.venue,
                symbol=order.symbol,
                status=receipts.receipt_status(order.status),
                client_order_id=cid or "",
                order_id=order.order_id,
                side=order.side,
                filled_qty=order.filled_qty,
                avg_price=order.avg_price,
                order=order,
            )
        )

    async def cancel_all(self, symbol: str | None = None) -> list[ExecutionReceipt]:
        """The kill switch: cancel every open order (of `symbol`, or all), then check
        the venue lists none; one more round for any left. UnknownOrderState if some
        order is still open after that."""
        out: dict[str, ExecutionReceipt] = {}
        for _round in range(2):
            open_orders = await self.client.get_open_orders(symbol)
            if not open_orders:
                return list(out.values())
            results = await asyncio.gather(
                *(self.cancel(o, "cancel_all") for o in open_orders), return_exceptions=True
            )
            for order, result in zip(open_orders, results, strict=True):
                if isinstance(result, ExecutionReceipt):
                    out[result.intent_id] = result
                elif isinstance(result, TradeportError):
                    self._log.warning(
                        "%s: cancel of %s failed: %s", self.venue, order.order_id, result
                    )
                else:
                    raise result
        left = await self.client.get_open_orders(symbol)
        if left:
            ids = ", ".join(str(o.order_id) for o in left)
            raise UnknownOrderState(
                f"cancel_all: still open after two rounds: {ids}", venue=self.venue
            )
        return list(out.values())

    async def reconcile(self, symbol: str | None = None) -> ReconcileReport:
        """Ask the venue: its open orders and positions; every receipt not yet final (and
        the journal's open intents) settled against it."""
        orders, positions = await asyncio.gather(
            self.client.get_open_orders(symbol), self.client.get_position(symbol)
        )
        pending = [
            r
            for r in self._receipts.values()
            if not r.done and (symbol is None or r.symbol == symbol)
        ]
        settled = list(await asyncio.gather(*(self.resolve(r) for r in pending)))
        settled += await self._settle_journal(symbol)
        tracked = set(self._intent_of)
        report = ReconcileReport(
            venue=self.venue,
            open_orders=orders,
            positions=positions,
            resolved=[r for r in settled if r.status is not ReceiptStatus.UNKNOWN],
            still_unknown=[r for r in settled if r.status is ReceiptStatus.UNKNOWN],
            untracked_orders=[
                o for o in orders if (o.client_order_id or "").lower() not in tracked
            ],
            ts=time.time_ns(),
        )
        self._record(
            "reconcile",
            symbol=symbol,
            data={
                "open_orders": len(orders),
                "positions": len(positions),
                "resolved": [r.intent_id for r in report.resolved],
                "still_unknown": [r.intent_id for r in report.still_unknown],
                "untracked_orders": [o.order_id for o in report.untracked_orders],
            },
        )
        return report

    async def _settle_journal(self, symbol: str | None = None) -> list[ExecutionReceipt]:
        """The journal's open intents of this venue against the venue, by client id: the
        order found gives the receipt; no order means it never reached the venue (the
        intent is closed REJECTED with OrderNotFound, and may be submitted again)."""
        if self.journal is None:
            return []
        out = []
        for open_intent in self.journal.open_intents(self.venue):
            intent = open_intent.intent
            if symbol is not None and intent.asset != symbol:
                continue
            known = self._receipts.get(intent.intent_id)
            if known is not None and known.done:
                continue
            inst = await self.client.instrument(intent.asset)
            cid = open_intent.client_order_id
            found = await self._lookup(intent, inst, cid)
            if found is None:
                base = self._receipts.get(intent.intent_id) or ExecutionReceipt(
                    intent_id=intent.intent_id,
                    venue=self.venue,
                    symbol=intent.asset,
                    status=ReceiptStatus.UNKNOWN,
                    client_order_id=cid,
                    side=intent.order_side,
                )
                missing = OrderNotFound(
                    f"intent {intent.intent_id}: the venue holds no order {cid}; it never"
                    " reached the venue",
                    venue=self.venue,
                )
                found = replace(base, status=ReceiptStatus.REJECTED, error=missing)
                self._store(found)
            out.append(found)
        return out

    # -- journal -----------------------------------------------------------------------
    def _record(
        self,
        kind: str,
        *,
        intent_id: str | None = None,
        symbol: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        if self.journal is not None:
            self.journal.record(
                kind, intent_id=intent_id, venue=self.venue, symbol=symbol, data=data
            )


__all__ = ["ExecutionPort"]
