"""Trade API payloads through the parsers (PROTOCOLS.md §6.3): the field names the
third-party clients use, as this project reads them [?]."""

from decimal import Decimal

from tradeport.model import AssetType, OrderStatus, PositionSide, Side
from tradeport.transport import codec
from tradeport.venues.btcc import messages as m
from tradeport.venues.btcc import parse

STATUS = {"1": "new", "2": "filled", "3": "canceled"}
PRODUCT = b"""{"name": "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x", "base_currency": "BTC",
 "profit_currency": "USDT", "digits": 1, "volumes_min": "0.01", "volumes_max": "100",
 "volumes_step": 0.01, "contract_size": "1"}"""
POSITION = b"""{"id": 42, "symbol": "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x", "direction": 2,
 "volume": "0.05", "open_price": "65000.5", "multiple": 5, "profit": "-1.25",
 "open_time": 1700000000000}"""
PENDING = b"""{"id": 7, "symbol": "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x", "type": 3,
 "direction": 1, "request_volume": "0.02", "request_price": "64000", "status": 2,
 "positionid": 42, "filled_volume": "0.02", "filled_price": "63999.5", "refid": "c-7",
 "create_time": 1700000000000}"""


def test_a_product_is_an_instrument() -> None:
    inst = parse.parse_product(codec.decode(PRODUCT, m.Product, strict=False))
    assert (inst.symbol, inst.venue_symbol) == ("BTC-USDT", "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x")
    assert inst.asset_type is AssetType.SWAP and inst.tick_size == Decimal("0.1")
    assert (inst.min_qty, inst.max_qty, inst.step_size) == (
        Decimal("0.01"),
        Decimal(100),
        Decimal("0.01"),
    )
    assert inst.max_leverage == 5 and inst.min_notional == 0


def test_a_position_is_a_leg_with_its_own_leverage() -> None:
    pos = parse.parse_position(codec.decode(POSITION, m.PositionRow, strict=False), "BTC-USDT")
    assert pos.position_side is PositionSide.SHORT and pos.qty == Decimal("0.05")
    assert (pos.entry_price, pos.leverage, pos.unrealized_pnl) == (
        Decimal("65000.5"),
        5,
        Decimal("-1.25"),
    )


def test_a_filled_pending_close_is_a_reducing_order_on_the_other_leg() -> None:
    row = codec.decode(PENDING, m.PendingRow, strict=False)
    order = parse.parse_pending(row, "BTC-USDT", STATUS)
    assert (order.order_id, order.client_order_id) == ("pending:7", "c-7")
    assert order.side is Side.BUY and order.reduce_only
    assert order.position_side is PositionSide.SHORT
    assert order.status is OrderStatus.FILLED and order.avg_price == Decimal("63999.5")


def test_the_account_balance_holds_back_the_margin() -> None:
    row = m.AccountRow(id=1, balance=Decimal(1000), free_margin=Decimal(700))
    balance = parse.parse_balance(row)
    assert (balance.asset, balance.free, balance.locked) == ("USDT", Decimal(700), Decimal(300))
