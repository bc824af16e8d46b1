from decimal import Decimal

import pytest

from tradeport.model import Side
from tradeport.model.errors import MalformedMessage
from tradeport.venues.kit.orders import plain_decimal
from tradeport.venues.kit.parse import dec, dec_or_none, month_close_ms, ms, side_of


def test_empty_text_reads_as_zero_money_and_unknown_time() -> None:
    assert dec("", "fee") == Decimal(0)
    assert dec("0.0100", "qty") == Decimal("0.0100")
    assert ms("", "cTime") == 0
    assert ms("1700000000123", "cTime") == 1700000000123


def test_an_absent_price_is_none_whether_empty_or_zero() -> None:
    assert dec_or_none("", "avgPrice") is None
    assert dec_or_none("0", "avgPrice") is None
    assert dec_or_none("101.5", "avgPrice") == Decimal("101.5")


def test_unreadable_fields_are_malformed_and_named() -> None:
    with pytest.raises(MalformedMessage, match="order px: 'abc' is not a decimal number"):
        dec("abc", "order px")
    with pytest.raises(MalformedMessage, match=r"order cTime: '1\.5' is not a timestamp"):
        ms("1.5", "order cTime")
    with pytest.raises(MalformedMessage, match="trade side: unknown side 'BUY'"):
        side_of({"buy": Side.BUY, "sell": Side.SELL}, "BUY", "trade side")


def test_side_reads_through_the_venue_table() -> None:
    assert side_of({"Buy": Side.BUY, "Sell": Side.SELL}, "Sell", "side") is Side.SELL


def test_a_wire_decimal_has_no_exponent_nor_trailing_zeros() -> None:
    assert plain_decimal(Decimal("1E+2")) == "100"
    assert plain_decimal(Decimal("0.00000100")) == "0.000001"
    assert plain_decimal(Decimal("50000.0")) == "50000"


def test_a_monthly_bar_closes_on_the_calendar() -> None:
    feb_2024 = 1_706_745_600_000  # 2024-02-01T00:00Z, a leap year's February
    assert month_close_ms(feb_2024) == feb_2024 + 29 * 86_400_000 - 1
    jan_2025 = 1_735_689_600_000  # 2025-01-01T00:00Z
    assert month_close_ms(jan_2025) == jan_2025 + 31 * 86_400_000 - 1
