"""The terms OKX shows of an order are kept within a bound (the oldest go first)."""

from __future__ import annotations

import pytest

from tradeport.venues.okx.emulator import order_info
from tradeport.venues.okx.emulator.order_info import OrderInfo, OrderTerms


def test_order_terms_are_kept_up_to_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order_info, "TERMS_KEPT", 3)  # a small bound, reached fast
    info = OrderInfo()
    for order_id in range(1, 6):
        info.record(
            "SPOT", order_id, OrderTerms(td_mode="cash", ord_type="ioc", tag=f"t{order_id}")
        )
    assert [info.terms("SPOT", n).tag for n in (3, 4, 5)] == ["t3", "t4", "t5"]
    # forgotten: read as a plain limit order, like one the engine holds from elsewhere
    assert info.terms("SPOT", 1) == OrderTerms(td_mode="cash", ord_type="limit")
