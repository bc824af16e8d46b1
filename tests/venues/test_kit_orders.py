from decimal import Decimal

import pytest

from tradeport.model import Offset, OrderType, PositionSide, Side
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest
from tradeport.venues.kit.orders import OrderIds, hedge_leg, order_ref


def request(side: Side, offset: Offset = Offset.OPEN, **kw: object) -> OrderRequest:
    return OrderRequest(
        symbol="BTC-USDT",
        side=side,
        type=OrderType.LIMIT,
        qty=Decimal("1"),
        price=Decimal("100"),
        offset=offset,
        **kw,  # type: ignore[arg-type]
    )


def test_opening_buys_and_closing_sells_act_on_the_long_leg() -> None:
    assert hedge_leg(request(Side.BUY)) is PositionSide.LONG
    assert hedge_leg(request(Side.SELL, Offset.CLOSE)) is PositionSide.LONG
    assert hedge_leg(request(Side.SELL)) is PositionSide.SHORT
    assert hedge_leg(request(Side.BUY, reduce_only=True)) is PositionSide.SHORT


def test_a_close_naming_the_other_leg_is_refused() -> None:
    with pytest.raises(BadParameter, match="reduces the long leg"):
        hedge_leg(request(Side.SELL, Offset.CLOSE, position_side=PositionSide.SHORT))


def test_an_open_may_name_its_leg() -> None:
    assert hedge_leg(request(Side.BUY, position_side=PositionSide.SHORT)) is PositionSide.SHORT


def test_order_ids_map_both_ways_and_forget_the_oldest_past_capacity() -> None:
    ids = OrderIds(capacity=2)
    ids.add("a", "1")
    ids.add("b", "2")
    ids.add("a", "3")  # the venue id of "a" changed: its old id no longer maps back
    assert ids.order_id("a") == "3" and ids.client_order_id("1") is None
    ids.add("c", "4")
    assert "b" not in ids and ids.client_order_id("2") is None and len(ids) == 2


def test_order_ids_ignore_a_missing_id() -> None:
    ids = OrderIds()
    ids.add("", "1")
    ids.add("a", None)
    assert len(ids) == 0


def test_an_order_is_named_by_its_venue_id_when_known() -> None:
    ids = OrderIds()
    ids.add("c1", "111")
    assert order_ref("222", "c1", "orderId", "orderLinkId", ids) == {"orderId": "222"}
    assert order_ref(None, "c1", "orderId", "orderLinkId", ids) == {"orderId": "111"}
    assert order_ref(None, "c2", "orderId", "orderLinkId", ids) == {"orderLinkId": "c2"}
    assert order_ref(None, "c1", "orderId", "origClientOrderId") == {"origClientOrderId": "c1"}


def test_an_order_reference_needs_one_of_the_ids() -> None:
    with pytest.raises(BadParameter, match="give order_id or client_order_id"):
        order_ref(None, None, "ordId", "clOrdId")
