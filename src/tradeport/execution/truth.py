"""The execution port's account of the venue's truth: what it knows of each intent's
order (receipts by intent id, recorded in the journal), how that is read back from the
venue (resolve, cancel, reconcile, the journal's open intents), and the account state
it keeps (REST refreshes, stream events)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tradeport.config.schema import FeeSchedule
from tradeport.execution import receipts, records
from tradeport.execution.client_ids import client_id_key
from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    ReceiptStatus,
)
from tradeport.execution.journal import Journal, receipt_from_dict, receipt_to_dict
from tradeport.execution.state import LiveState, PortState, ReconcileReport
from tradeport.model import Instrument, Order
from tradeport.model.errors import (
    BadParameter,
    NotSupported,
    OrderFilled,
    OrderNotFound,
    TradeportError,
    UnknownOrderState,
)
from tradeport.venues.base import VenueClient


class PortTruth:
    """The receipts, journal and state half of `ExecutionPort` (see port.py)."""

    def __init__(
        self, client: VenueClient, journal: Journal | None, fee_rates: FeeSchedule | None
    ) -> None:
        self.client = client
        self.venue = client.key
        self.journal = journal
        self.fee_rates = fee_rates
        self._live = LiveState()
        self._receipts: dict[str, ExecutionReceipt] = {}  # by intent id
        self._intent_of: dict[str, str] = {}  # lower-cased client id -> intent id
        self._recorded_fills: set[tuple[str, str]] = set()  # (intent id, trade id)
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._refresh_again: set[str] = set()
        self._log = logging.getLogger(f"tradeport.execution.{client.config.venue.id}")

    async def refresh_state(
        self, symbol: str | None = None, include_history: bool = False
    ) -> PortState:
        """The account as the venue reports it now (narrowed to `symbol` if given);
        with `include_history`, this port's recent orders and the recent fills of the
        symbols it holds or trades."""
        account = await self.client.get_account()
        full = PortState.from_account(account)
        self._live.replace(full)
        state = full if symbol is None else PortState.from_account(account, symbol)
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
        try:
            batches = await asyncio.gather(
                *(self.client.get_deals(s, 100) for s in sorted(symbols))
            )
        except NotSupported:
            # the venue lists no fills: the history has this port's orders only
            self._log.debug("%s: no fills history; state.fills stays empty", self.venue)
            return
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
                self._trouble("state refresh after a fill failed", exc, symbol=symbol)
            if symbol not in self._refresh_again:
                return

    async def _lookup(self, intent: Intent, inst: Instrument, cid: str) -> ExecutionReceipt | None:
        """The intent's order as the venue holds it: by the venue order id an
        acknowledgement gave (here or in the journal), else by client id. None only when
        nothing says an order exists: no acknowledgement, the venue's last answer a
        refusal, and a venue whose lookup finds closed orders too. A lookup that fails
        leaves the outcome UNKNOWN: nothing is sent."""
        base = self._known_receipt(intent, cid)
        try:
            order = await self._query(intent.asset, base.order_id, cid)
        except OrderNotFound as exc:
            return self._not_found(intent, base, exc)
        except TradeportError as exc:
            what = f"lookup of {cid} failed; nothing sent"
            self._trouble(what, exc, intent_id=intent.intent_id, symbol=intent.asset)
            self._track(intent, base)
            return replace(base, status=ReceiptStatus.UNKNOWN, error=exc)
        self._track(intent, base)
        receipt = receipts.from_order(base, order, inst, self.fee_rates)
        if base.status is ReceiptStatus.UNKNOWN and receipt.status is not ReceiptStatus.UNKNOWN:
            receipt.resolved_from_unknown = True
        receipt = await self._with_fills(receipt, inst)
        self._store(receipt)
        return receipt

    def _known_receipt(self, intent: Intent, cid: str) -> ExecutionReceipt:
        """What this port knows of the intent's order: its receipt, else the journal's
        last receipt with the order id of the journal's acknowledgement."""
        known = self._receipts.get(intent.intent_id)
        if known is not None:
            return known
        base = ExecutionReceipt(
            intent_id=intent.intent_id,
            venue=self.venue,
            symbol=intent.asset,
            status=ReceiptStatus.UNKNOWN,
            client_order_id=cid,
            side=intent.order_side,
        )
        if self.journal is None:
            return base
        receipts_ = self.journal.events(intent_id=intent.intent_id, kind="receipt")
        if receipts_:
            base = receipt_from_dict(receipts_[-1].data)
        if base.order_id is None:
            for ack in reversed(self.journal.events(intent_id=intent.intent_id, kind="ack")):
                order_id = ack.data.get("order_id")
                if isinstance(order_id, str) and order_id:
                    base = replace(base, order_id=order_id)
                    break
        return base

    async def _query(self, symbol: str, order_id: str | None, cid: str) -> Order:
        """The order by its venue id when known, else (or when that finds nothing) by
        its client id."""
        if order_id is not None:
            try:
                return await self.client.query_order(symbol, order_id)
            except OrderNotFound:
                if not cid:
                    raise
        return await self.client.query_order(symbol, client_order_id=cid)

    def _not_found(
        self, intent: Intent, base: ExecutionReceipt, exc: OrderNotFound
    ) -> ExecutionReceipt | None:
        """The venue shows no order of the intent. That proves none was placed only
        when none was acknowledged, or the venue refused it, or the venue's lookup
        finds closed orders too; otherwise the last thing known stands (UNKNOWN when
        that is all), and nothing is sent again for the intent."""
        refused = base.status in (ReceiptStatus.REJECTED, ReceiptStatus.RATE_LIMITED)
        if base.order_id is None and (refused or self.client.finds_closed_orders):
            return None
        if base.order_id is None and not self._requested(intent.intent_id):
            return None  # never sent from here: nothing to find
        self._track(intent, base)
        if base.order_id is not None and base.status is not ReceiptStatus.UNKNOWN:
            return base  # acknowledged, and closed since: the venue keeps no history
        if base.order_id is not None:
            reason = f"acknowledged as {base.order_id}, it is not shown now ({exc})"
        else:
            reason = (
                f"no order {base.client_order_id} is shown ({exc}), and the venue lists no"
                " closed orders: it may have been placed and closed since"
            )
        why = UnknownOrderState(
            f"intent {intent.intent_id} on {self.venue}: {reason}; not sent again",
            venue=self.venue,
        )
        unknown = replace(base, status=ReceiptStatus.UNKNOWN, error=why)
        self._store(unknown)
        return unknown

    def _requested(self, intent_id: str) -> bool:
        """Whether a request of the intent may have left (recorded in the journal, or
        sent by this port)."""
        if intent_id in self._receipts:
            return True
        return self.journal is not None and bool(
            self.journal.events(intent_id=intent_id, kind="request", limit=1)
        )

    def _trouble(
        self,
        what: str,
        exc: TradeportError,
        *,
        intent_id: str | None = None,
        symbol: str | None = None,
    ) -> None:
        """A failure the port carries on after: logged, and kept in the journal."""
        self._log.warning("%s: %s: %s", self.venue, what, exc)
        self._record("error", intent_id=intent_id, symbol=symbol, data=records.error(what, exc))

    def _track(self, intent: Intent, receipt: ExecutionReceipt) -> None:
        self._receipts.setdefault(intent.intent_id, receipt)
        self._intent_of[client_id_key(receipt.client_order_id)] = intent.intent_id

    def _store(self, receipt: ExecutionReceipt) -> None:
        self._receipts[receipt.intent_id] = receipt
        self._intent_of[client_id_key(receipt.client_order_id)] = receipt.intent_id
        self._record(
            "receipt",
            intent_id=receipt.intent_id,
            symbol=receipt.symbol,
            data=receipt_to_dict(receipt),
        )

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
            what = f"cannot read {receipt.client_order_id} back"
            self._trouble(what, exc, intent_id=receipt.intent_id, symbol=receipt.symbol)
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
        except NotSupported:
            # a venue without a fills list: the fee stays the estimate, by design
            return receipt
        except TradeportError as exc:
            what = f"fills of {receipt.order_id} not read; the fee stays estimated"
            self._trouble(what, exc, intent_id=receipt.intent_id, symbol=receipt.symbol)
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
            what = f"cancel of {receipt.client_order_id} unsettled"
            self._trouble(what, exc, intent_id=receipt.intent_id, symbol=receipt.symbol)
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
        intent_id = self._intent_of.get(client_id_key(cid)) if cid else None
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
                    what = f"cancel_all: cancel of {order.order_id} failed"
                    self._trouble(what, result, symbol=order.symbol)
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
                o for o in orders if client_id_key(o.client_order_id or "") not in tracked
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
        """The journal's open intents of this venue against the venue (by the venue
        order id of an acknowledgement, else by client id): the order found gives the
        receipt; no order means it never reached the venue (the intent is closed
        REJECTED with OrderNotFound, and may be submitted again) except on a venue that
        lists no closed orders, where an intent that was sent stays UNKNOWN (`_lookup`)."""
        if self.journal is None:
            return []
        out = []
        for open_intent in self.journal.open_intents(self.venue):
            intent = open_intent.intent
            if symbol is not None and intent.asset != symbol:
                continue
            if intent.intent_id in self._receipts:
                continue  # this port tracks it: `reconcile` resolves it with the others
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
