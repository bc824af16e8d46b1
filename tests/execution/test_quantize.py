"""Quantization to tick and step, and the order filters built on it."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeport.execution.quantize import (
    check_order,
    quantize,
    quantize_price,
    quantize_qty,
)
from tradeport.model.enums import AssetType, Side
from tradeport.model.errors import BadParameter, InvalidPrice, InvalidQuantity, MinNotional
from tradeport.model.market import Instrument

STEPS = [Decimal(s) for s in ("0.00001000", "0.0001", "0.01", "0.25", "0.5", "1", "10", "100")]

BTC = Instrument(
    symbol="BTC-USDT",
    venue_symbol="BTCUSDT",
    asset_type=AssetType.SPOT,
    base="BTC",
    quote="USDT",
    settle=None,
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.0001"),
    min_qty=Decimal("0.0001"),
    min_notional=Decimal("5"),
    max_qty=Decimal("9000"),
    min_price=Decimal("0.01"),
    max_price=Decimal("1000000"),
)
# A perpetual quoted in contracts of 0.01 BTC, priced in half-dollar ticks.
PERP = Instrument(
    symbol="BTC-USDT",
    venue_symbol="BTC-USDT-SWAP",
    asset_type=AssetType.SWAP,
    base="BTC",
    quote="USDT",
    settle="USDT",
    tick_size=Decimal("0.5"),
    step_size=Decimal("1"),
    min_qty=Decimal("1"),
    min_notional=Decimal("100"),
    contract_size=Decimal("0.01"),
)

values = st.decimals(min_value=0, max_value=10_000_000, places=9, allow_nan=False)
steps = st.sampled_from(STEPS)


# -- quantize --------------------------------------------------------------------------
@given(values, steps)
def test_round_down_gives_the_largest_multiple_not_above_the_value(
    value: Decimal, step: Decimal
) -> None:
    q = quantize(value, step, ROUND_DOWN)
    assert q % step == 0
    assert q <= value < q + step


@given(values, steps, st.sampled_from([ROUND_DOWN, ROUND_UP, ROUND_HALF_EVEN, ROUND_CEILING]))
def test_any_rounding_lands_on_a_multiple_within_one_step_and_is_idempotent(
    value: Decimal, step: Decimal, rounding: str
) -> None:
    q = quantize(value, step, rounding)
    assert q % step == 0
    assert abs(q - value) < step
    assert quantize(q, step, rounding) == q
    assert str(quantize(q, step, rounding)) == str(q)


@given(values, steps)
def test_result_is_written_with_the_steps_places(value: Decimal, step: Decimal) -> None:
    q = quantize(value, step)
    assert q.as_tuple().exponent == min(step.normalize().as_tuple().exponent, 0)


@pytest.mark.parametrize(
    ("value", "step", "text"),
    [
        ("0.123456789", "0.00001000", "0.12345"),
        ("12.74", "0.5", "12.5"),
        ("1234", "10", "1230"),
        ("0.00015", "0.0001", "0.0001"),
        ("7", "0.01", "7.00"),
    ],
)
def test_quantize_examples(value: str, step: str, text: str) -> None:
    assert str(quantize(Decimal(value), Decimal(step))) == text


def test_zero_step_means_no_rule_and_bad_input_is_refused() -> None:
    assert quantize(Decimal("1.23456"), Decimal(0)) == Decimal("1.23456")
    with pytest.raises(BadParameter):
        quantize(Decimal("1"), Decimal("-0.1"))
    with pytest.raises(BadParameter):
        quantize(Decimal("NaN"), Decimal("0.1"))


def test_price_rounds_to_nearest_by_default_and_never_worse_with_a_side() -> None:
    assert quantize_price(BTC, Decimal("100.005")) == Decimal("100.00")  # half to even
    assert quantize_price(BTC, Decimal("100.015")) == Decimal("100.02")
    assert quantize_price(BTC, Decimal("100.019"), Side.BUY) == Decimal("100.01")
    assert quantize_price(BTC, Decimal("100.011"), Side.SELL) == Decimal("100.02")
    assert quantize_price(PERP, Decimal("60000.3"), Side.BUY) == Decimal("60000.0")


@given(st.decimals(min_value="0.01", max_value=1_000_000, places=6), st.sampled_from(Side))
def test_a_sided_price_is_never_worse_than_asked(price: Decimal, side: Side) -> None:
    q = quantize_price(BTC, price, side)
    assert q <= price if side is Side.BUY else q >= price
    assert abs(q - price) < BTC.tick_size


def test_qty_rounds_down_to_the_step() -> None:
    assert quantize_qty(BTC, Decimal("0.12349")) == Decimal("0.1234")
    assert quantize_qty(PERP, Decimal("3.99")) == Decimal("3")


# -- check_order -----------------------------------------------------------------------
@given(
    st.decimals(min_value="0.0001", max_value=9000, places=8),
    st.decimals(min_value="0.01", max_value=1_000_000, places=4),
)
def test_quantized_orders_pass_exactly_when_above_the_minimums(
    raw_qty: Decimal, raw_price: Decimal
) -> None:
    qty, price = quantize_qty(BTC, raw_qty), quantize_price(BTC, raw_price)
    if qty >= BTC.min_qty and price >= Decimal("0.01") and qty * price >= BTC.min_notional:
        check_order(BTC, qty, price)
    else:
        with pytest.raises((InvalidQuantity, InvalidPrice, MinNotional)):
            check_order(BTC, qty, price)


@given(st.decimals(min_value="0.0001", max_value=9000, places=8))
def test_a_qty_is_accepted_exactly_when_it_is_already_quantized(qty: Decimal) -> None:
    on_step = quantize_qty(BTC, qty) == qty
    try:
        check_order(BTC, qty, Decimal("100000"))
    except InvalidQuantity as exc:
        assert not on_step
        assert "not a multiple of step size 0.0001" in str(exc)
    else:
        assert on_step


@given(st.decimals(min_value="1", max_value=1_000_000, places=6))
def test_a_price_is_accepted_exactly_when_it_is_on_the_tick(price: Decimal) -> None:
    on_tick = quantize_price(BTC, price) == price
    try:
        check_order(BTC, Decimal("1"), price, reduce_only=True)  # price rules only
    except InvalidPrice as exc:
        assert not on_tick
        assert "tick size 0.01" in str(exc)
    else:
        assert on_tick


@pytest.mark.parametrize(
    ("qty", "price", "error", "message"),
    [
        ("0.00015", "60000", InvalidQuantity, "qty 0.00015 is not a multiple of step size 0.0001"),
        ("0", "60000", InvalidQuantity, "must be a positive number"),
        ("9000.0001", "1", InvalidQuantity, "above max qty 9000"),
        ("1", "60000.005", InvalidPrice, "price 60000.005 is not a multiple of tick size 0.01"),
        ("1", "-1", InvalidPrice, "must be a positive number"),
        ("0.0001", "1000000.01", InvalidPrice, "above max price 1000000"),
        ("0.0001", "40000", MinNotional, "notional 4 (price × qty × contract size)"),
    ],
)
def test_each_broken_rule_raises_its_own_error(
    qty: str, price: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        check_order(BTC, Decimal(qty), Decimal(price))
    assert type(info.value) is error
    assert str(info.value).startswith("BTC-USDT: ")
    assert message in str(info.value)


def test_below_min_qty_and_min_price() -> None:
    coarse = msgspec.structs.replace(BTC, min_qty=Decimal("0.001"), min_price=Decimal("10"))
    with pytest.raises(InvalidQuantity, match=re.escape("below min qty 0.001")):
        check_order(coarse, Decimal("0.0005"), Decimal("60000"))
    with pytest.raises(InvalidPrice, match="below min price 10"):
        check_order(coarse, Decimal("1"), Decimal("9.99"))


def test_min_notional_counts_the_contract_size() -> None:
    check_order(PERP, Decimal("2"), Decimal("5000"))  # 2 × 0.01 × 5000 = 100
    with pytest.raises(MinNotional, match=re.escape("notional 99.5 ")):
        check_order(PERP, Decimal("2"), Decimal("4975"))


def test_reduce_only_orders_skip_min_notional() -> None:
    check_order(BTC, Decimal("0.0001"), Decimal("100"), reduce_only=True)
    with pytest.raises(InvalidQuantity):
        check_order(BTC, Decimal("0.00015"), Decimal("100"), reduce_only=True)


def test_market_orders_check_notional_against_the_reference_price() -> None:
    check_order(BTC, Decimal("0.0001"), None)  # no reference: nothing to compare
    check_order(BTC, Decimal("0.0001"), None, reference_price=Decimal("60000"))
    with pytest.raises(MinNotional):
        check_order(BTC, Decimal("0.0001"), None, reference_price=Decimal("40000"))
