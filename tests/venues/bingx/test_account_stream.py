"""The BingX account stream against the emulator over loopback (§5.3-5.4): listen keys
created, extended and deleted over REST; an expired key replaced with no order event
lost; leverage changes streamed, and read back after an outage; a socket with a key
the venue does not know refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import aiohttp
import msgspec
import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import AssetType, LeverageUpdate, Order, OrderStatus
from tradeport.model.errors import BadParameter
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator
from tradeport.venues.bingx.user_stream import ListenKey

from .conftest import Arrivals

SYMBOL = "BTC-USDT"
PATIENCE = 30.0  # a stuck test fails instead of hanging; nothing waits for it
KEY_PATH = "/openApi/user/auth/userDataStream"
Connect = Callable[..., Awaitable[BingxClient]]


async def crossing_buy(client: BingxClient) -> Order:
    """A buy that takes the best ask at once."""
    inst = await client.instrument(SYMBOL)
    book = await client.get_depth(SYMBOL, 5)
    price = quantize_price(inst, Decimal(str(book.asks[0][0])) * Decimal("1.01"))
    qty = max(inst.min_qty, inst.step_size * 10)
    return await client.make_order(SYMBOL, qty, price, "buy-limit")


def final(orders: list[Order], order_id: str | None) -> bool:
    return any(o.order_id == order_id and o.status is OrderStatus.FILLED for o in orders)


async def test_a_listen_key_is_created_extended_and_deleted(
    connect: Connect, emulator: BingxEmulator
) -> None:
    client = await connect()
    key = msgspec.json.decode(await client.listen_key_call("create_listen_key"), type=ListenKey)
    assert len(key.listenKey) == 64 and int(key.listenKey, 16) >= 0
    # the account's live key, again
    again = msgspec.json.decode(await client.listen_key_call("create_listen_key"), type=ListenKey)
    assert again == key
    await client.listen_key_call("keepalive_listen_key", {"listenKey": key.listenKey})
    assert emulator.account_streams.owner(key.listenKey) is not None
    await client.listen_key_call("delete_listen_key", {"listenKey": key.listenKey})
    assert emulator.account_streams.owner(key.listenKey) is None
    with pytest.raises(BadParameter, match="listenKey does not exist"):
        await client.listen_key_call("keepalive_listen_key", {"listenKey": key.listenKey})


async def test_an_expired_listen_key_loses_no_order_event(
    connect: Connect, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    client, other = await connect(), await connect()
    orders: list[Order] = []
    await client.watch_orders(callback=arrivals.into(orders))
    stream = client.user_stream
    first_key = stream.listen_key
    # the key lapses: its socket is told and closed, and what happens before the
    # client is back on a new key goes to no socket at all
    emulator.stream_faults.expire_listen_key()
    taken = await crossing_buy(other)
    assert emulator.account_streams.owner(first_key or "") is None

    await arrivals.until(lambda: final(orders, taken.order_id))
    await client.readiness.wait(PATIENCE)
    assert stream.listen_key not in (None, first_key)
    assert stream.reconciled >= 1
    assert len([o for o in orders if o.status is OrderStatus.FILLED]) == 1


async def test_the_listen_key_is_kept_alive_past_its_validity(
    connect: Connect, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    keys = emulator.account_streams
    keys.set_validity(1.0)
    client = await connect(listen_key_keepalive=0.1)
    orders: list[Order] = []
    await client.watch_orders(callback=arrivals.into(orders))
    key = client.user_stream.listen_key
    while keys.extensions < 25:  # 25 PUTs 0.1 s apart: two and a half validities
        keys.extended.clear()
        await arrivals.wait_for(keys.extended)
    assert emulator.faults.seen[f"PUT {KEY_PATH}"] >= keys.extensions
    assert client.user_stream.listen_key == key
    assert emulator.account_streams.owner(key or "") is not None
    taken = await crossing_buy(client)
    await arrivals.until(lambda: final(orders, taken.order_id))
    assert client.user_stream.reconciled == 0  # never lost, nothing to read back


async def test_leverage_changes_are_streamed_and_read_back_after_an_outage(
    connect: Connect, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    client, other = await connect(), await connect()
    updates: list[LeverageUpdate] = []
    await client.watch_leverage(SYMBOL, callback=arrivals.into(updates))
    assert await client.set_leverage(SYMBOL, 7) == 7
    await arrivals.until(lambda: any(u.long == 7 for u in updates))
    last = updates[-1]
    assert last == LeverageUpdate(
        symbol=SYMBOL, long=7, short=7, margin_type="cross", ts=last.ts, local_ts=last.local_ts
    )
    emulator.stream_faults.expire_listen_key()
    await other.set_leverage(SYMBOL, 9)  # told to no socket: read back over REST
    await arrivals.until(lambda: updates[-1].long == 9)
    await client.readiness.wait(PATIENCE)
    assert [u.long for u in updates] == [7, 9]  # each change once
    await client.set_margin_type(SYMBOL, "isolated")  # a margin type change is one too
    await arrivals.until(lambda: updates[-1].margin_type == "isolated")
    assert (len(updates), updates[-1].long) == (3, 9)


async def test_closing_the_client_deletes_its_listen_key(
    connect: Connect, emulator: BingxEmulator
) -> None:
    client = await connect()
    await client.watch_balance().start()
    key = client.user_stream.listen_key
    assert key is not None and emulator.account_streams.owner(key) is not None
    await client.close()
    assert emulator.account_streams.owner(key) is None


async def test_a_socket_with_an_unknown_listen_key_is_refused(emulator: BingxEmulator) -> None:
    url = f"{emulator.stream_url(AssetType.SWAP)}/swap-market?listenKey={'0' * 64}"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url)
    assert refused.value.status == 401
