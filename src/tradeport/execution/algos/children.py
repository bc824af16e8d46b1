"""The child orders of one parent intent: each an intent of its own (id = parent id +
suffix) sent through a port, its latest truth kept, and all of them cancelled when the
algorithm ends early, so none is left behind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import (
    AlgoResult,
    AlgoStatus,
    EventKind,
    VenueFills,
)
from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentOrderType,
    ReceiptStatus,
)
from tradeport.model.errors import BadParameter, TradeportError

log = logging.getLogger("tradeport.execution.router")
Emit = Callable[..., None]


async def finish_despite_cancel(
    coro: Coroutine[Any, Any, ExecutionReceipt], child: Child
) -> ExecutionReceipt:
    """Run an order call to its end even if the caller is cancelled meanwhile, and keep
    its answer as the child's latest truth either way: an order call cut off halfway
    would leave an order at the venue that nobody knows of, and the cleanup that
    follows a cancel needs the child's receipt to cancel it."""
    task = asyncio.ensure_future(coro)
    try:
        receipt = await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        if not task.cancelled():
            error = task.exception()
            if error is None:
                child.receipt = task.result()
            else:
                log.error(
                    "%s: %s failed while cancelling: %s", child.venue, child.intent.intent_id, error
                )
        raise
    child.receipt = receipt
    return receipt


def is_refused(receipt: ExecutionReceipt) -> bool:
    """The venue (or the port's guards) refused the child: nothing rests or filled."""
    return receipt.status in (ReceiptStatus.REJECTED, ReceiptStatus.RATE_LIMITED)


@dataclass(slots=True)
class Child:
    intent: Intent
    port: OrderPort
    venue: str
    receipt: ExecutionReceipt | None = None  # None until the port answered


class Children:
    def __init__(self, parent: Intent, emit: Emit) -> None:
        self.parent = parent
        self._emit = emit
        self._children: dict[str, Child] = {}

    def intent(
        self,
        suffix: str,
        size: Decimal,
        order_type: IntentOrderType,
        price: Decimal | None = None,
    ) -> Intent:
        """A child of the parent: same asset, side, action and leverage; its id is the
        parent's plus `suffix` (letters and digits, so every venue's client id rule
        can carry it)."""
        parent = self.parent
        return Intent(
            asset=parent.asset,
            side=parent.side,
            action=parent.action,
            size=size,
            leverage=parent.leverage,
            order_type=order_type,
            limit_price=price,
            intent_id=f"{parent.intent_id}{suffix}",
            metadata={**parent.metadata, "parent_intent_id": parent.intent_id},
        )

    async def submit(self, port: OrderPort, intent: Intent) -> ExecutionReceipt:
        if intent.intent_id in self._children:
            raise BadParameter(f"child {intent.intent_id} was already sent")
        child = Child(intent, port, port.client.key)
        self._children[intent.intent_id] = child  # known before it can reach the venue
        receipt = await finish_despite_cancel(port.submit(intent), child)
        if is_refused(receipt):
            detail = str(receipt.error) if receipt.error is not None else receipt.status.value
            self._event(EventKind.REJECTED, child, detail)
        else:
            self._event(EventKind.SUBMITTED, child)
            if receipt.status is ReceiptStatus.FILLED:
                self._event(EventKind.FILLED, child)
        return receipt

    async def resolve(self, receipt: ExecutionReceipt) -> ExecutionReceipt:
        """The venue's truth about a child, kept as its latest."""
        child = self._children[receipt.intent_id]
        was_done = receipt.done
        fresh = await finish_despite_cancel(child.port.resolve(receipt), child)
        if not was_done and fresh.status is ReceiptStatus.FILLED:
            self._event(EventKind.FILLED, child)
        elif not was_done and fresh.status is ReceiptStatus.CANCELLED:
            self._event(EventKind.CANCELLED, child, "closed at the venue")
        return fresh

    async def cancel(self, receipt: ExecutionReceipt, reason: str) -> ExecutionReceipt:
        """Cancel a child; the answer is the venue's truth (it may have filled first)."""
        child = self._children[receipt.intent_id]
        fresh = await finish_despite_cancel(child.port.cancel(receipt, reason), child)
        kind = EventKind.FILLED if fresh.status is ReceiptStatus.FILLED else EventKind.CANCELLED
        self._event(kind, child, reason)
        return fresh

    def filled(self) -> Decimal:
        return sum((c.receipt.filled_qty for c in self._sent()), Decimal(0))

    def filled_of(self, intent_ids: Iterable[str]) -> Decimal:
        """What the children with these intent ids filled."""
        wanted = set(intent_ids)
        sent = self._sent()
        return sum((c.receipt.filled_qty for c in sent if c.intent.intent_id in wanted), Decimal(0))

    async def close_out(self, reason: str) -> list[TradeportError]:
        """Cancel every child not known to be done, then read the venue's fees of the
        children that filled. Every child is tried; the errors are returned."""
        errors: list[TradeportError] = []
        for child in self._children.values():
            receipt = child.receipt
            if receipt is None or receipt.done:
                continue
            try:
                await self.cancel(receipt, reason)
            except TradeportError as exc:
                log.error("%s: cancel of child %s failed: %s", child.venue, receipt.intent_id, exc)
                errors.append(exc)
        for child in self._children.values():
            receipt = child.receipt
            if receipt is None or receipt.filled_qty == 0 or receipt.fee_source is FeeSource.VENUE:
                continue
            try:
                child.receipt = await child.port.resolve(receipt)
            except TradeportError as exc:
                # the estimate stays; the fills themselves are known
                log.warning("%s: fees of %s not read: %s", child.venue, receipt.intent_id, exc)
                errors.append(exc)
        return errors

    def result(
        self,
        algo: str,
        status: AlgoStatus,
        error: TradeportError | None,
        cleanup_errors: list[TradeportError],
    ) -> AlgoResult:
        sent = self._sent()
        venues: dict[str, VenueFills] = {}
        for venue in dict.fromkeys(c.venue for c in sent):
            venues[venue] = _consolidate(venue, [c.receipt for c in sent if c.venue == venue])
        total = _consolidate("", [c.receipt for c in sent])
        return AlgoResult(
            parent_id=self.parent.intent_id,
            algo=algo,
            symbol=self.parent.asset,
            status=status,
            target_qty=self.parent.size,
            filled_qty=total.filled_qty,
            avg_price=total.avg_price,
            fees=total.fees,
            venues=venues,
            children=[c.receipt for c in sent],
            error=error,
            cleanup_errors=cleanup_errors,
        )

    def _sent(self) -> list[_Sent]:
        return [_Sent(c.intent, c.venue, c.receipt) for c in self._children.values() if c.receipt]

    def _event(self, kind: EventKind, child: Child, detail: str = "") -> None:
        receipt = child.receipt
        self._emit(
            kind,
            child_id=child.intent.intent_id,
            venue=child.venue,
            price=child.intent.limit_price,
            receipt=receipt,
            detail=detail,
        )


@dataclass(frozen=True, slots=True)
class _Sent:
    intent: Intent
    venue: str
    receipt: ExecutionReceipt


def _consolidate(venue: str, receipts: list[ExecutionReceipt]) -> VenueFills:
    filled = priced = notional = Decimal(0)
    fees: dict[str, Decimal] = {}
    for r in receipts:
        filled += r.filled_qty
        if r.filled_qty > 0 and r.avg_price is not None:
            priced += r.filled_qty
            notional += r.filled_qty * r.avg_price
        if r.fee is not None and r.fee_asset is not None:
            fees[r.fee_asset] = fees.get(r.fee_asset, Decimal(0)) + r.fee
    avg = notional / priced if priced > 0 else None
    return VenueFills(
        venue=venue, filled_qty=filled, avg_price=avg, fees=fees, children=len(receipts)
    )
