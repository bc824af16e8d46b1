"""From what the venue says about an order to an `ExecutionReceipt`: its status, the
fee (estimated from the fee rates until the order's fills give the real one) and the
slippage against the mark at submit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from tradeport.config.schema import FeeSchedule
from tradeport.execution.intent import ExecutionReceipt, FeeSource, ReceiptStatus, slippage_bps
from tradeport.model import Fill, Instrument, Order, OrderStatus, OrderType

_STATUS = {
    OrderStatus.NEW: ReceiptStatus.ACCEPTED,
    OrderStatus.PARTIALLY_FILLED: ReceiptStatus.PARTIALLY_FILLED,
    OrderStatus.FILLED: ReceiptStatus.FILLED,
    OrderStatus.CANCELED: ReceiptStatus.CANCELLED,
    OrderStatus.EXPIRED: ReceiptStatus.CANCELLED,
    OrderStatus.REJECTED: ReceiptStatus.REJECTED,
    OrderStatus.UNKNOWN: ReceiptStatus.UNKNOWN,
}


def receipt_status(status: OrderStatus) -> ReceiptStatus:
    return _STATUS[status]


def estimate_fee(
    order: Order, inst: Instrument, rates: FeeSchedule | None
) -> tuple[Decimal, FeeSource] | None:
    """The fee the order costs (or will cost once filled) at the published rates: taker
    for a market order or a limit that took at once, maker for the rest."""
    if rates is None:
        return None
    took = order.type is OrderType.MARKET or (
        order.type is OrderType.LIMIT and order.filled_qty > 0 and order.status.is_closed
    )
    rate, source = (
        (rates.taker, FeeSource.ESTIMATED_TAKER)
        if took
        else (rates.maker, FeeSource.ESTIMATED_MAKER)
    )
    if order.filled_qty > 0 and order.avg_price is not None:
        notional = order.filled_qty * order.avg_price
    elif order.price is not None:
        notional = order.qty * order.price
    else:
        return None
    return notional * inst.contract_size * rate, source


def from_order(
    base: ExecutionReceipt, order: Order, inst: Instrument, rates: FeeSchedule | None
) -> ExecutionReceipt:
    """`base` updated with the venue's view of its order (status, ids, fill, estimated
    fee, slippage); a fee already read from the fills is kept while nothing more filled."""
    filled = order.filled_qty * inst.contract_size
    receipt = replace(
        base,
        status=receipt_status(order.status),
        order_id=order.order_id or base.order_id,
        side=order.side,
        filled_qty=filled,
        avg_price=order.avg_price if order.avg_price is not None else base.avg_price,
        venue_ts=order.updated_ts or order.created_ts or base.venue_ts,
        order=order,
        raw=base.raw or order.raw,  # the acknowledgement: the first answer kept
    )
    if not (base.fee_source is FeeSource.VENUE and base.filled_qty == filled):
        estimate = estimate_fee(order, inst, rates)
        if estimate is not None:
            receipt.fee, receipt.fee_source = estimate
            receipt.fee_asset = inst.settle or inst.quote
    return with_slippage(receipt)


def with_fills(
    receipt: ExecutionReceipt, fills: Sequence[Fill], inst: Instrument
) -> ExecutionReceipt:
    """The fee summed from the order's own fills (source `venue`) once they account for
    everything the order filled, and the average price they give when the order had
    none. Fills in several fee assets leave the estimate in place."""
    if not fills:
        return receipt
    qty = sum((f.qty for f in fills), Decimal(0)) * inst.contract_size
    assets = {f.fee_asset for f in fills}
    if qty != receipt.filled_qty or len(assets) != 1:
        return receipt
    out = replace(
        receipt,
        fee=sum((f.fee for f in fills), Decimal(0)),
        fee_asset=assets.pop(),
        fee_source=FeeSource.VENUE,
    )
    if out.avg_price is None:
        value = sum((f.price * f.qty for f in fills), Decimal(0))
        out.avg_price = value / sum((f.qty for f in fills), Decimal(0))
    return with_slippage(out)


def with_slippage(receipt: ExecutionReceipt) -> ExecutionReceipt:
    if receipt.side is None or receipt.avg_price is None or not receipt.mark_at_submit:
        return receipt
    receipt.slippage_bps = slippage_bps(receipt.side, receipt.avg_price, receipt.mark_at_submit)
    return receipt
