"""BTCC's position model behind the unified orders (PROTOCOLS.md §6.3): positions by id,
leverage per position, pending orders, and the venue's own refusals."""

from decimal import Decimal
from typing import Any

import pytest

from tradeport.emulator.faults import DropAfter
from tradeport.model import AssetType, OrderStatus, OrderType, PositionSide
from tradeport.model.errors import (
    BadParameter,
    InsufficientMargin,
    NotSupported,
    OrderFilled,
    OrderNotFound,
    PermissionDenied,
    ReduceOnlyRejected,
)
from tradeport.venues.btcc.emulator import BtccEmulator

from .conftest import Connect

SYMBOL = "BTC-USDT"
QTY = Decimal("0.01")


def touch(emulator: BtccEmulator) -> tuple[Decimal, Decimal]:
    book = emulator.engine_for(AssetType.SWAP).depth("BTCUSDT", 1)
    return Decimal(book.bids[0][0]), Decimal(book.asks[0][0])


async def test_open_then_close_by_position_id(connect: Connect) -> None:
    client = await connect()
    before = (await client.get_balance())["USDT"].total
    opened = await client.make_order(SYMBOL, QTY * 3, None, "buy-market")
    assert opened.status is OrderStatus.FILLED and opened.order_id
    (row,) = await client.btcc_positions(SYMBOL)
    assert opened.order_id == f"position:{row.id}" and row.volume == QTY * 3

    part = await client.close_position(row.id, QTY)
    assert part.close_volume == QTY and part.position.id == row.id
    assert part.position.volume == QTY * 2
    (still,) = await client.get_position(SYMBOL)
    assert still.qty == QTY * 2

    rest = await client.close_position(row.id, QTY * 2)
    assert rest.position.volume == 0
    assert await client.btcc_positions() == []
    after = (await client.get_balance())["USDT"].total
    assert after < before  # fees (and the spread) were paid, nothing else moved it
    with pytest.raises(OrderNotFound):
        await client.close_position(row.id, QTY)


async def test_each_position_keeps_its_own_leverage(connect: Connect) -> None:
    client = await connect()
    assert await client.set_leverage(SYMBOL, 3) == 3
    await client.make_order(SYMBOL, QTY, None, "buy-market")
    assert await client.set_leverage(SYMBOL, 9) == 9
    await client.make_order(SYMBOL, QTY, None, "buy-market")
    await client.make_order(SYMBOL, QTY, None, "sell-market")
    positions = await client.get_position(SYMBOL)
    assert [(p.position_side, p.leverage) for p in positions] == [
        (PositionSide.LONG, 3),
        (PositionSide.LONG, 9),
        (PositionSide.SHORT, 9),
    ]
    assert [r.multiple for r in await client.btcc_positions(SYMBOL)] == [3, 9, 9]


async def test_a_close_takes_the_oldest_positions_first_and_never_more(
    connect: Connect,
) -> None:
    client = await connect()
    first = await client.make_order(SYMBOL, QTY, None, "buy-market")
    second = await client.make_order(SYMBOL, QTY * 2, None, "buy-market")
    close = await client.make_order(SYMBOL, QTY * 2, None, "sell-market", offset="close")
    assert close.reduce_only and close.filled_qty == QTY * 2
    assert close.order_id == first.order_id.replace("position", "close")  # type: ignore[union-attr]
    (left,) = await client.btcc_positions(SYMBOL)
    assert f"position:{left.id}" == second.order_id and left.volume == QTY
    everything = await client.make_order(SYMBOL, QTY * 5, None, "sell-market", offset="close")
    assert everything.filled_qty == QTY
    assert await client.get_position() == []
    with pytest.raises(ReduceOnlyRejected):
        await client.make_order(SYMBOL, QTY, None, "sell-market", offset="close")


async def test_a_limit_open_becomes_a_position_when_the_market_reaches_it(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.set_leverage(SYMBOL, 4)
    bid, _ = touch(emulator)
    order = await client.make_order(SYMBOL, QTY, bid, "buy-limit", client_order_id="lim-1")
    assert order.status is OrderStatus.NEW and order.order_id.startswith("pending:")  # type: ignore[union-attr]
    assert [o.order_id for o in await client.get_open_orders(SYMBOL)] == [order.order_id]
    assert await client.get_position() == []

    emulator.move_market(AssetType.SWAP, SYMBOL, bid * Decimal("0.99"))
    done = await client.query_order(SYMBOL, client_order_id="lim-1")
    assert done.status is OrderStatus.FILLED and done.filled_qty == QTY and done.avg_price == bid
    (pos,) = await client.get_position(SYMBOL)
    assert (pos.qty, pos.entry_price, pos.leverage) == (QTY, bid, 4)
    with pytest.raises(OrderFilled):
        await client.cancel_order(SYMBOL, order_id=order.order_id)


async def test_a_limit_close_is_a_pending_close_of_one_position(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.make_order(SYMBOL, QTY * 2, None, "buy-market")
    _, ask = touch(emulator)
    price = ask + 100
    close = await client.make_order(SYMBOL, QTY, price, "sell-limit", offset="close")
    assert close.reduce_only and close.status is OrderStatus.NEW
    assert close.position_side is PositionSide.LONG
    emulator.move_market(AssetType.SWAP, SYMBOL, price * Decimal("1.01"))
    assert (await client.query_order(SYMBOL, close.order_id)).status is OrderStatus.FILLED
    (pos,) = await client.get_position(SYMBOL)
    assert pos.qty == QTY
    with pytest.raises(BadParameter, match="one position"):
        await client.make_order(SYMBOL, QTY * 2, price, "sell-limit", offset="close")


async def test_a_pending_order_is_cancelled_by_its_venue_id(connect: Connect) -> None:
    client = await connect()
    order = await client.make_order(SYMBOL, QTY, Decimal("30000"), "buy-limit")
    cancelled = await client.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED and cancelled.order_id == order.order_id
    assert await client.get_open_orders() == []
    with pytest.raises(OrderNotFound):
        await client.cancel_order(SYMBOL, order_id=order.order_id)
    with pytest.raises(OrderNotFound):
        await client.query_order(SYMBOL, order_id="12345")


@pytest.mark.parametrize(
    ("order_type", "options"),
    [("buy-post_only", {}), ("buy-limit", {"time_in_force": "IOC"})],
)
async def test_orders_the_venue_has_no_kind_of_are_refused_before_sending(
    connect: Connect, order_type: str, options: dict[str, Any]
) -> None:
    client = await connect()
    with pytest.raises(NotSupported):
        await client.make_order(SYMBOL, QTY, Decimal("30000"), order_type, **options)
    assert await client.get_open_orders() == []


async def test_margin_beyond_the_account_is_refused(connect: Connect) -> None:
    client = await connect()
    await client.set_leverage(SYMBOL, 1)
    with pytest.raises(InsufficientMargin):
        await client.make_order(SYMBOL, Decimal("5"), None, "buy-market")
    assert await client.get_position() == []


@pytest.mark.parametrize("emulator_options", [{"read_only_keys": ["tp-emu-key-1"]}])
async def test_a_read_only_key_reads_but_is_refused_every_trade(connect: Connect) -> None:
    client = await connect()
    assert "USDT" in await client.get_balance()
    with pytest.raises(PermissionDenied) as info:
        await client.make_order(SYMBOL, QTY, None, "buy-market")
    assert info.value.raw_message == "API KEY NOT TRADE AUTH"


async def test_market_orders_are_known_by_their_ids_and_client_ids(connect: Connect) -> None:
    client = await connect()
    order = await client.make_order(SYMBOL, QTY, None, "buy-market", client_order_id="m-1")
    assert order.type is OrderType.MARKET
    assert await client.query_order(SYMBOL, client_order_id="m-1") == order
    with pytest.raises(OrderFilled):
        await client.cancel_order(SYMBOL, client_order_id="m-1")


async def test_stop_loss_and_take_profit_are_set_on_the_position(connect: Connect) -> None:
    client = await connect()
    await client.make_order(SYMBOL, QTY, None, "buy-market")
    (row,) = await client.btcc_positions(SYMBOL)
    updated = await client.update_position(row.id, stop_loss="60000", take_profit="70000")
    assert (updated.id, updated.stop_loss, updated.take_profit) == (
        row.id,
        Decimal(60000),
        Decimal(70000),
    )
    (again,) = await client.btcc_positions(SYMBOL)
    assert (again.stop_loss, again.take_profit) == (Decimal(60000), Decimal(70000))


async def test_an_open_whose_answer_is_lost_is_found_by_its_client_id(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.login()
    emulator.faults.arm("POST /v1/account/openposition", DropAfter())
    order = await client.make_order(SYMBOL, QTY, None, "buy-market", client_order_id="lost-1")
    assert order.status is OrderStatus.FILLED and order.client_order_id == "lost-1"
    (row,) = await client.btcc_positions(SYMBOL)
    assert order.order_id == f"position:{row.id}" and row.refid == "lost-1"
    assert emulator.faults.seen["POST /v1/account/openposition"] == 1  # never sent again


async def test_a_stop_open_opens_a_position_once_its_price_trades(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.set_leverage(SYMBOL, 6)
    _, ask = touch(emulator)
    stop = ask + 200
    order = await client.open_pending(SYMBOL, 2, "buy", QTY, stop, client_order_id="stop-1")
    assert order.status is OrderStatus.NEW and order.raw["pending_type"] == 2
    assert await client.get_position() == []
    emulator.move_market(AssetType.SWAP, SYMBOL, stop + 300)
    done = await client.query_order(SYMBOL, client_order_id="stop-1")
    assert done.status is OrderStatus.FILLED and done.filled_qty == QTY
    (pos,) = await client.get_position(SYMBOL)
    assert pos.qty == QTY and pos.leverage == 6 and pos.entry_price >= stop


async def test_a_stop_loss_closes_its_position_once_its_price_trades(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.make_order(SYMBOL, QTY * 2, None, "buy-market")
    (row,) = await client.btcc_positions(SYMBOL)
    bid, _ = touch(emulator)
    stop = bid - 200
    order = await client.open_pending(SYMBOL, 4, "sell", QTY, stop, position_id=row.id)
    assert order.reduce_only and order.position_side is PositionSide.LONG
    emulator.move_market(AssetType.SWAP, SYMBOL, stop - 300)
    assert (await client.query_order(SYMBOL, order.order_id)).status is OrderStatus.FILLED
    (left,) = await client.btcc_positions(SYMBOL)
    assert left.id == row.id and left.volume == QTY


async def test_a_positions_own_take_profit_closes_it_whole(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.make_order(SYMBOL, QTY, None, "sell-market")
    (row,) = await client.btcc_positions(SYMBOL)
    bid, _ = touch(emulator)
    await client.update_position(row.id, take_profit=bid - 200)
    emulator.move_market(AssetType.SWAP, SYMBOL, bid - 500)
    assert await client.btcc_positions() == []


async def test_a_waiting_pending_order_is_cancelled(connect: Connect) -> None:
    client = await connect()
    order = await client.open_pending(SYMBOL, 2, "sell", QTY, "30000")
    cancelled = await client.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED
    with pytest.raises(BadParameter, match="position_id"):
        await client.open_pending(SYMBOL, 5, "sell", QTY, "90000")
    with pytest.raises(BadParameter, match="pending_type"):
        await client.open_pending(SYMBOL, 6, "sell", QTY, "90000")


async def test_a_limit_order_or_cancel_whose_answer_is_lost_is_read_back(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.login()
    emulator.faults.arm("POST /v1/account/openpending", DropAfter())
    order = await client.make_order(
        SYMBOL, QTY, Decimal("30000"), "buy-limit", client_order_id="lost-2"
    )
    assert order.status is OrderStatus.NEW and order.order_id is not None
    assert [o.client_order_id for o in await client.get_open_orders(SYMBOL)] == ["lost-2"]

    emulator.faults.arm("POST /v1/account/cancelpending", DropAfter())
    cancelled = await client.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED
    assert emulator.faults.seen["POST /v1/account/cancelpending"] == 1  # never sent again
    assert await client.get_open_orders() == []
