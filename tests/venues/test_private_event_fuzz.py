"""Every venue's private-event parsers, fed the documented samples with a price, a
quantity, a fee or a PnL replaced by a non-finite or negative value: the frame is
MalformedMessage, never an Order or a Fill carrying such a value."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.model import AssetType, Fill, Instrument, Order
from tradeport.model.errors import MalformedMessage
from tradeport.venues.binance import messages as binance_messages
from tradeport.venues.binance import parse as binance_parse
from tradeport.venues.binance import stream_parse as binance_stream
from tradeport.venues.bybit import stream_parse as bybit_stream
from tradeport.venues.okx import stream_parse as okx_stream
from tradeport.venues.okx.contracts import Contract

HERE = Path(__file__).parent

NON_FINITE = ["NaN", "nan", "-NaN", "sNaN", "inf", "-inf", "Infinity", "-Infinity"]
# what no price or quantity can be; fees and PnL may be negative, but never non-finite
HOSTILE_SIZE = st.one_of(
    st.sampled_from([*NON_FINITE, "-1", "-0.00000001"]),
    st.decimals(max_value=Decimal("-1e-12"), allow_nan=False, allow_infinity=False).map(str),
)
HOSTILE_AMOUNT = st.sampled_from(NON_FINITE)


def _load(venue: str, name: str) -> Any:
    return json.loads((HERE / venue / "data" / name).read_text())


def _sane(events: list[Any]) -> None:
    """What a parser returned carries no impossible value."""
    for event in events:
        if isinstance(event, Order):
            sizes = [event.qty, event.filled_qty, event.price, event.avg_price]
            amounts: list[Decimal | None] = []
        elif isinstance(event, Fill):
            sizes = [event.price, event.qty]
            amounts = [event.fee, event.realized_pnl]
        else:
            continue
        for value in sizes:
            assert value is None or (value.is_finite() and value >= 0), event
        for value in amounts:
            assert value is None or value.is_finite(), event


def _parsed_or_malformed(parse: Callable[[], list[Any]]) -> None:
    try:
        events = parse()
    except MalformedMessage:
        return
    _sane(events)


# -- Binance ---------------------------------------------------------------------------
def _binance_frame(sample: str, field: str, value: str) -> str:
    msg = _load("binance", sample)
    (msg["o"] if "o" in msg and isinstance(msg["o"], dict) else msg)[field] = value
    return json.dumps(msg)


def _binance_events(frame: str) -> list[Any]:
    return binance_stream.parse_user_frame(frame, lambda s: "BTC-USDT", 0)


BINANCE_SIZES = [
    ("ws_spot_execution_report_trade.json", f) for f in ("q", "p", "l", "z", "L", "Z")
] + [("ws_futures_order_trade_update_trade.json", f) for f in ("q", "p", "ap", "l", "z", "L")]
BINANCE_AMOUNTS = [
    ("ws_spot_execution_report_trade.json", "n"),
    ("ws_futures_order_trade_update_trade.json", "n"),
    ("ws_futures_order_trade_update_trade.json", "rp"),
]


@pytest.mark.parametrize(("sample", "field"), BINANCE_SIZES)
@settings(max_examples=15, deadline=None)
@given(value=HOSTILE_SIZE)
def test_binance_user_events_refuse_impossible_sizes(sample: str, field: str, value: str) -> None:
    with pytest.raises(MalformedMessage):
        _binance_events(_binance_frame(sample, field, value))


@pytest.mark.parametrize(("sample", "field"), BINANCE_AMOUNTS)
@settings(max_examples=10, deadline=None)
@given(value=HOSTILE_AMOUNT)
def test_binance_user_events_refuse_non_finite_money(sample: str, field: str, value: str) -> None:
    with pytest.raises(MalformedMessage):
        _binance_events(_binance_frame(sample, field, value))


@pytest.mark.parametrize("sample", [s for s, _ in BINANCE_AMOUNTS[:2]])
def test_a_binance_nan_fill_price_is_no_fill(sample: str) -> None:
    with pytest.raises(MalformedMessage, match="not a finite number"):
        _binance_events(_binance_frame(sample, "L", "NaN"))


@settings(max_examples=20, deadline=None)
@given(field=st.sampled_from(["price", "qty"]), value=HOSTILE_SIZE)
def test_binance_trade_history_refuses_impossible_sizes(field: str, value: str) -> None:
    rows = _load("binance", "spot_my_trades.json")
    rows[0][field] = value

    def parse() -> list[Any]:
        trades = msgspec.json.decode(json.dumps(rows), type=list[binance_messages.UserTrade])
        return [binance_parse.parse_user_trade(t, "BNB-BTC") for t in trades]

    try:
        _parsed_or_malformed(parse)
    except msgspec.ValidationError:
        return  # refused by the decoder already: no fill was built


# -- Bybit -----------------------------------------------------------------------------
BYBIT_STATUS = {"New": "new", "PartiallyFilled": "partially_filled", "Filled": "filled"}


def _bybit_events(sample: str, field: str, value: str) -> list[Any]:
    msg = _load("bybit", sample)
    msg["data"][0][field] = value
    events = bybit_stream.parse_private_frame(
        json.dumps(msg), "linear", lambda s: "BTC-USDT", BYBIT_STATUS, 0
    )
    return [*events.orders, *events.fills]


@pytest.mark.parametrize(
    ("sample", "field"),
    [("ws_order_linear.json", f) for f in ("price", "qty", "cumExecQty", "avgPrice")]
    + [("ws_execution.json", f) for f in ("execPrice", "execQty")],
)
@settings(max_examples=15, deadline=None)
@given(value=HOSTILE_SIZE)
def test_bybit_private_rows_refuse_impossible_sizes(sample: str, field: str, value: str) -> None:
    with pytest.raises(MalformedMessage):
        _bybit_events(sample, field, value)


@pytest.mark.parametrize("field", ["execFee", "execPnl"])
@settings(max_examples=10, deadline=None)
@given(value=HOSTILE_AMOUNT)
def test_bybit_executions_refuse_non_finite_money(field: str, value: str) -> None:
    with pytest.raises(MalformedMessage):
        _bybit_events("ws_execution.json", field, value)


# -- OKX -------------------------------------------------------------------------------
OKX_STATUS = {"live": "new", "partially_filled": "partially_filled", "filled": "filled"}


def _okx_contract() -> Contract:
    inst = Instrument(
        symbol="BTC-USDT",
        venue_symbol="BTC-USDT",
        asset_type=AssetType.SPOT,
        base="BTC",
        quote="USDT",
        settle=None,
        tick_size=Decimal("0.1"),
        step_size=Decimal("0.00000001"),
        min_qty=Decimal("0.00001"),
        min_notional=Decimal(0),
    )
    return Contract(instrument=inst, ct_val=Decimal(1), lot=Decimal(1), min_size=Decimal(1))


def _okx_events(field: str, value: str) -> list[Any]:
    msg = _load("okx", "ws_orders.json")
    msg["data"][0][field] = value
    events = okx_stream.parse_private(
        json.dumps(msg), {"BTC-USDT": _okx_contract()}.get, OKX_STATUS, 0
    )
    return [*events.orders, *events.fills]


@pytest.mark.parametrize("field", ["px", "sz", "accFillSz", "avgPx", "fillPx", "fillSz"])
@settings(max_examples=15, deadline=None)
@given(value=HOSTILE_SIZE)
def test_okx_order_pushes_refuse_impossible_sizes(field: str, value: str) -> None:
    with pytest.raises(MalformedMessage):
        _okx_events(field, value)


@pytest.mark.parametrize("field", ["fillFee", "fillPnl"])
@settings(max_examples=10, deadline=None)
@given(value=HOSTILE_AMOUNT)
def test_okx_order_pushes_refuse_non_finite_money(field: str, value: str) -> None:
    with pytest.raises(MalformedMessage):
        _okx_events(field, value)


# -- balances and positions ------------------------------------------------------------
@pytest.mark.parametrize(
    ("where", "field"),
    [("B", "wb"), ("B", "cw"), ("P", "pa"), ("P", "ep"), ("P", "up")],
)
@settings(max_examples=10, deadline=None)
@given(value=HOSTILE_AMOUNT)
def test_binance_account_updates_refuse_non_finite_values(
    where: str, field: str, value: str
) -> None:
    msg = _load("binance", "ws_futures_account_update.json")
    msg["a"][where][1][field] = value
    with pytest.raises(MalformedMessage):
        _binance_events(json.dumps(msg))


@pytest.mark.parametrize("field", ["f", "l"])
@settings(max_examples=10, deadline=None)
@given(value=HOSTILE_AMOUNT)
def test_binance_spot_balances_refuse_non_finite_values(field: str, value: str) -> None:
    msg = _load("binance", "ws_spot_outbound_account_position.json")
    msg["B"][0][field] = value
    with pytest.raises(MalformedMessage):
        _binance_events(json.dumps(msg))


@settings(max_examples=15, deadline=None)
@given(field=st.sampled_from(["entryPrice", "markPrice"]), value=HOSTILE_SIZE)
def test_bybit_positions_refuse_impossible_prices(field: str, value: str) -> None:
    msg = _load("bybit", "ws_position.json")
    msg["data"][0][field] = value
    msg["data"][0].pop("avgPrice", None)  # the entry price is read from avgPrice first
    with pytest.raises(MalformedMessage):
        bybit_stream.parse_private_frame(
            json.dumps(msg), "linear", lambda s: "BTC-USDT", BYBIT_STATUS, 0
        )
