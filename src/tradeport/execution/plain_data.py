"""Intents and receipts as plain data (JSON-ready dicts), and back: how the journal
stores them. Decimals are kept as their exact text ("0.0500" stays "0.0500"), enums as
their values, a receipt's error as {"type", "kind", "message", "code"}."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

import msgspec

from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentOrderType,
    IntentSide,
    ReceiptStatus,
)
from tradeport.model import Order, Side
from tradeport.model.errors import (
    ERROR_KINDS,
    BadParameter,
    ConfigError,
    JournalError,
    TradeportError,
)

E = TypeVar("E", bound=Enum)


def intent_to_dict(intent: Intent) -> dict[str, Any]:
    return {
        "intent_id": intent.intent_id,
        "asset": intent.asset,
        "side": intent.side.value,
        "action": intent.action.value,
        "size": str(intent.size),
        "leverage": intent.leverage,
        "order_type": intent.order_type.value,
        "limit_price": None if intent.limit_price is None else str(intent.limit_price),
        "metadata": dict(intent.metadata),
    }


def intent_from_dict(d: Mapping[str, Any]) -> Intent:
    """The Intent `intent_to_dict` wrote; a missing or bad field is a BadParameter
    naming it."""
    leverage = d.get("leverage")
    if leverage is not None and (isinstance(leverage, bool) or not isinstance(leverage, int)):
        raise BadParameter(f"intent leverage {leverage!r}: expected a whole number")
    metadata = d.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadParameter(f"intent metadata {metadata!r}: expected an object")
    limit_price = d.get("limit_price")
    return Intent(
        intent_id=_text(d, "intent_id"),
        asset=_text(d, "asset"),
        side=_enum(d, "side", IntentSide),
        action=_enum(d, "action", IntentAction),
        size=_decimal("size", d.get("size")),
        leverage=leverage,
        order_type=_enum(d, "order_type", IntentOrderType),
        limit_price=None if limit_price is None else _decimal("limit_price", limit_price),
        metadata=metadata,
    )


def receipt_to_dict(receipt: ExecutionReceipt) -> dict[str, Any]:
    """The receipt as plain data: Decimals as text, the error as {"type", "kind",
    "message", "code"}, the order as the venue showed it."""

    def dec(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    error = receipt.error
    return {
        "intent_id": receipt.intent_id,
        "venue": receipt.venue,
        "symbol": receipt.symbol,
        "status": receipt.status.value,
        "client_order_id": receipt.client_order_id,
        "order_id": receipt.order_id,
        "side": None if receipt.side is None else receipt.side.value,
        "filled_qty": str(receipt.filled_qty),
        "avg_price": dec(receipt.avg_price),
        "fee": dec(receipt.fee),
        "fee_asset": receipt.fee_asset,
        "fee_source": None if receipt.fee_source is None else receipt.fee_source.value,
        "mark_at_submit": dec(receipt.mark_at_submit),
        "slippage_bps": dec(receipt.slippage_bps),
        "submit_ts": receipt.submit_ts,
        "venue_ts": receipt.venue_ts,
        "error": None
        if error is None
        else {
            "type": type(error).__name__,
            "kind": error.kind,
            "message": error.message,
            "code": error.code,
        },
        "resolved_from_unknown": receipt.resolved_from_unknown,
        "order": None if receipt.order is None else msgspec.to_builtins(receipt.order),
        "raw": receipt.raw,
    }


def receipt_from_dict(d: Mapping[str, Any]) -> ExecutionReceipt:
    """The receipt `receipt_to_dict` wrote (the error comes back as its taxonomy class
    with the message and code; a bad field is a BadParameter naming it)."""

    def dec(name: str) -> Decimal | None:
        value = d.get(name)
        return None if value is None else _decimal(name, value)

    side, fee_source = d.get("side"), d.get("fee_source")
    order = d.get("order")
    try:
        parsed_order = None if order is None else msgspec.convert(order, Order, strict=False)
    except msgspec.ValidationError as exc:
        raise BadParameter(f"receipt order: {exc}") from exc
    return ExecutionReceipt(
        intent_id=_text(d, "intent_id"),
        venue=str(d.get("venue", "")),
        symbol=_text(d, "symbol"),
        status=_enum(d, "status", ReceiptStatus),
        client_order_id=str(d.get("client_order_id", "")),
        order_id=d.get("order_id"),
        side=None if side is None else _enum(d, "side", Side),
        filled_qty=_decimal("filled_qty", d.get("filled_qty", "0")),
        avg_price=dec("avg_price"),
        fee=dec("fee"),
        fee_asset=d.get("fee_asset"),
        fee_source=None if fee_source is None else _enum(d, "fee_source", FeeSource),
        mark_at_submit=dec("mark_at_submit"),
        slippage_bps=dec("slippage_bps"),
        submit_ts=int(d.get("submit_ts", 0)),
        venue_ts=int(d.get("venue_ts", 0)),
        error=_error_from_dict(d.get("error")),
        resolved_from_unknown=bool(d.get("resolved_from_unknown", False)),
        order=parsed_order,
        raw=dict(d.get("raw") or {}),
    )


def _error_from_dict(value: object) -> TradeportError | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadParameter(f"receipt error {value!r}: expected an object")
    cls = ERROR_KINDS.get(str(value.get("kind")), TradeportError)
    message, code = str(value.get("message", "")), value.get("code")
    # these two are built from fields, not a message: kept as the base class
    if issubclass(cls, ConfigError | JournalError):
        cls = TradeportError
    return cls(message, code=code)


def _text(d: Mapping[str, Any], name: str) -> str:
    value = d.get(name)
    if not isinstance(value, str) or not value:
        raise BadParameter(f"{name} {value!r}: expected a non-empty text")
    return value


def _enum(d: Mapping[str, Any], name: str, kind: type[E]) -> E:
    value = d.get(name)
    try:
        return kind(value)
    except ValueError:
        raise BadParameter(f"{name} {value!r}: expected one of {[m.value for m in kind]}") from None


def _decimal(name: str, value: object) -> Decimal:
    if not isinstance(value, str):
        raise BadParameter(f"{name} {value!r}: expected a decimal number as text")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise BadParameter(f"{name} {value!r}: not a decimal number") from None


__all__ = ["intent_from_dict", "intent_to_dict", "receipt_from_dict", "receipt_to_dict"]
