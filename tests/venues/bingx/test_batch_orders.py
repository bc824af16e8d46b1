"""BingX batch orders: `submit_orders` goes through POST /openApi/swap/v2/trade/batchOrders,
at most five orders a call; a batch whose answer is lost is never sent again, each of
its orders is found by its client id."""

from decimal import Decimal

from tradeport.emulator.faults import DropAfter, ErrorAfter, ErrorBefore
from tradeport.model import Order, OrderStatus, OrderType, Side
from tradeport.model.errors import InsufficientMargin
from tradeport.venues.base import OrderRequest
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator
from tradeport.venues.bingx.orders import BATCH_MAX, batch_orders

from .conftest import Connect

SYMBOL = "BTC-USDT"
BATCH = "POST /openApi/swap/v2/trade/batchOrders"
PLACE = "POST /openApi/swap/v2/trade/order"
QUERY = "GET /openApi/swap/v2/trade/order"


async def resting(client: BingxClient, count: int, prefix: str) -> list[OrderRequest]:
    """`count` buys under the bid, client ids `<prefix>1`, `<prefix>2`, …"""
    book = await client.get_depth(SYMBOL, 5)
    bid = Decimal(str(book.bids[0][0]))
    return [
        OrderRequest(
            symbol=SYMBOL,
            side=Side.BUY,
            type=OrderType.LIMIT,
            qty=Decimal("0.01"),
            price=(bid * Decimal("0.9")).quantize(Decimal(1)) - n,
            client_order_id=f"{prefix}{n}",
        )
        for n in range(1, count + 1)
    ]


def test_batch_json_carries_prices_and_quantities_as_numbers() -> None:
    params = {"symbol": "BTC-USDT", "type": "LIMIT", "price": "60000.5", "quantity": "0.010"}
    assert batch_orders([params, {"quantity": "2"}]) == (
        '[{"symbol":"BTC-USDT","type":"LIMIT","price":60000.5,"quantity":0.010},{"quantity":2}]'
    )


async def test_one_call_per_five_orders_and_results_in_request_order(
    emulator: BingxEmulator, connect: Connect
) -> None:
    client = await connect()
    reqs = await resting(client, BATCH_MAX + 2, "bo")
    results = await client.submit_orders(reqs)
    assert emulator.faults.seen[BATCH] == 2 and emulator.faults.seen[PLACE] == 0
    assert [r.client_order_id for r in results if isinstance(r, Order)] == [
        f"bo{n}" for n in range(1, BATCH_MAX + 3)
    ]
    assert [r.price for r in results if isinstance(r, Order)] == [r.price for r in reqs]
    assert len(await client.get_open_orders(SYMBOL)) == BATCH_MAX + 2


async def test_lost_batch_answer_finds_each_order_by_client_id_and_sends_nothing_again(
    emulator: BingxEmulator, connect: Connect
) -> None:
    client = await connect()
    reqs = await resting(client, 3, "lost")
    emulator.faults.arm(BATCH, DropAfter())
    queried = emulator.faults.seen[QUERY]
    results = await client.submit_orders(reqs)
    assert emulator.faults.seen[BATCH] == 1 and emulator.faults.seen[PLACE] == 0
    assert emulator.faults.seen[QUERY] == queried + 3  # one lookup per order
    orders = [r for r in results if isinstance(r, Order)]
    assert [(o.client_order_id, o.status) for o in orders] == [
        ("lost1", OrderStatus.NEW),
        ("lost2", OrderStatus.NEW),
        ("lost3", OrderStatus.NEW),
    ]
    listed = await client.get_open_orders(SYMBOL)
    assert sorted(str(o.order_id) for o in listed) == sorted(str(o.order_id) for o in orders)


async def test_batch_answered_5xx_is_unknown_and_looked_up_not_failed(
    emulator: BingxEmulator, connect: Connect
) -> None:
    client = await connect()
    reqs = await resting(client, 2, "five")
    emulator.faults.arm(BATCH, ErrorAfter(status=502, code=100500, msg="busy"))
    emulator.faults.arm(QUERY, ErrorBefore(status=503, code=100500, msg="busy"), None)
    results = await client.submit_orders(reqs)
    # the lookups fail too: each order stays UNKNOWN with its client id
    assert [(r.client_order_id, r.status) for r in results if isinstance(r, Order)] == [
        ("five1", OrderStatus.UNKNOWN),
        ("five2", OrderStatus.UNKNOWN),
    ]
    emulator.faults.clear()
    assert len(await client.get_open_orders(SYMBOL)) == 2  # placed all along
    assert emulator.faults.seen[BATCH] == 1


async def test_batch_refused_as_a_whole_is_each_items_error_and_places_nothing(
    emulator: BingxEmulator, connect: Connect
) -> None:
    client = await connect()
    reqs = await resting(client, 2, "all")
    emulator.faults.arm(BATCH, ErrorBefore(status=400, code=101204, msg="Insufficient margin"))
    results = await client.submit_orders(reqs)
    assert [type(r) for r in results] == [InsufficientMargin, InsufficientMargin]
    assert await client.get_open_orders(SYMBOL) == []
