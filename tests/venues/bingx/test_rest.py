"""Every BingX REST method the client offers, against the emulator over loopback."""

from decimal import Decimal

import pytest

import tradeport as tp
from tradeport.model import OrderStatus, PositionSide
from tradeport.model.errors import (
    BadParameter,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    UnknownSymbol,
)
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator

from .conftest import KEY, Connect

SYMBOL = "BTC-USDT"
PLACE = "POST /openApi/swap/v2/trade/order"


async def bid(client: BingxClient) -> Decimal:
    book = await client.get_depth(SYMBOL, 5)
    return Decimal(str(book.bids[0][0]))


async def test_server_time_is_the_emulator_clock(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    emulator.clock_skew_ms = 60_000
    before = emulator.now_ms()
    assert before <= await client.get_server_time() <= emulator.now_ms()


async def test_contracts_become_instruments_with_fee_rates(client: BingxClient) -> None:
    instruments = {i.symbol: i for i in await client.get_exchange_info()}
    btc = instruments[SYMBOL]
    assert btc.venue_symbol == SYMBOL and btc.settle == "USDT"
    assert btc.tick_size == Decimal("0.1") and btc.step_size == Decimal("0.001")
    assert client.fee_rates[SYMBOL] == (Decimal("0.0002"), Decimal("0.0005"))


async def test_market_data_agrees_with_the_engine(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    book = await client.get_depth(SYMBOL, 7)
    truth = emulator.swap.depth("BTC-USDT", 7)
    assert book.bids == [(float(p), float(q)) for p, q in truth.bids]
    assert book.asks == [(float(p), float(q)) for p, q in truth.asks]
    tick = await client.get_tick(SYMBOL)
    assert tick.bid == book.bids[0][0] and tick.ask == book.asks[0][0]
    bars = await client.get_kline(SYMBOL, "1m", 5)
    assert len(bars) == 5 and [b.open_ts for b in bars] == sorted(b.open_ts for b in bars)
    assert all(b.close_ts == b.open_ts + 59_999 for b in bars)
    trades = await client.get_trades(SYMBOL, 4)
    assert len(trades) == 4 and trades[-1].ts >= trades[0].ts


async def test_order_lifecycle_by_client_id_in_any_case(client: BingxClient) -> None:
    price = (await bid(client) * Decimal("0.9")).quantize(Decimal("0.1"))
    order = await client.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="Mine-1")
    # the venue keeps client ids lower-cased; lookups in any case find it
    assert order.client_order_id == "mine-1" and order.status is OrderStatus.NEW
    assert (await client.query_order(SYMBOL, client_order_id="MINE-1")).order_id == order.order_id
    assert [o.order_id for o in await client.get_open_orders(SYMBOL)] == [order.order_id]
    cancelled = await client.cancel_order(SYMBOL, client_order_id="MINE-1")
    assert cancelled.status is OrderStatus.CANCELED and cancelled.order_id == order.order_id
    assert await client.get_open_orders() == []
    with pytest.raises(OrderNotFound):
        await client.query_order(SYMBOL, client_order_id="never-1")


async def test_duplicate_client_id_never_makes_a_second_order(
    connect: Connect, emulator: BingxEmulator
) -> None:
    first, other = await connect(), await connect()
    price = (await bid(first) * Decimal("0.9")).quantize(Decimal("0.1"))
    order = await first.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="dup-7")
    # the client that placed it knows the id: refused, typed
    with pytest.raises(DuplicateClientOrderId):
        await first.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="dup-7")
    # a client that does not is answered with the original order, as the venue does
    again = await other.make_order(SYMBOL, "0.02", price, "buy-limit", client_order_id="DUP-7")
    assert again.order_id == order.order_id and again.qty == Decimal("0.01")
    assert len(await first.get_open_orders(SYMBOL)) == 1
    assert emulator.faults.seen[PLACE] == 3


async def test_cancel_all(client: BingxClient) -> None:
    price = (await bid(client) * Decimal("0.9")).quantize(Decimal("0.1"))
    placed = {
        (await client.make_order(SYMBOL, "0.01", price - i, "buy-limit")).order_id for i in range(3)
    }
    cancelled = await client.cancel_all(SYMBOL)
    assert {o.order_id for o in cancelled} == placed
    assert all(o.status is OrderStatus.CANCELED for o in cancelled)
    assert await client.get_open_orders(SYMBOL) == []


async def test_fill_moves_position_balance_and_fills(client: BingxClient) -> None:
    before = (await client.get_balance())["USDT"].total
    assert await client.set_leverage(SYMBOL, 8) == 8
    assert await client.get_leverage(SYMBOL) == 8
    order = await client.make_order(SYMBOL, "0.01", None, "buy-market")
    assert order.status is OrderStatus.FILLED and order.filled_qty == Decimal("0.01")
    (pos,) = await client.get_position(SYMBOL)
    assert pos.qty == Decimal("0.01") and pos.position_side is PositionSide.BOTH
    assert pos.leverage == 8
    fills = await client.get_deals(SYMBOL, order_id=order.order_id)
    assert sum(f.qty for f in fills) == Decimal("0.01") and all(f.fee > 0 for f in fills)
    after = (await client.get_balance())["USDT"].total
    assert after == before - sum(f.fee for f in fills)
    snap = await client.get_account()
    assert [p.qty for p in snap.positions] == [pos.qty] and snap.capital == after


async def test_live_without_allow_mainnet_sends_nothing(emulator: BingxEmulator) -> None:
    api_key, secret = emulator.credentials()
    client = await tp.create_client(
        KEY, environment="live", base_url=emulator.base_url, api_key=api_key, secret=secret
    )
    async with client:
        assert await client.get_server_time() > 0  # market data is allowed
        with pytest.raises(PermissionDenied, match="allow_mainnet"):
            await client.make_order(SYMBOL, "0.01", "1000", "buy-limit")
        with pytest.raises(PermissionDenied):
            await client.set_leverage(SYMBOL, 5)
        with pytest.raises(PermissionDenied):
            await client.cancel_all(SYMBOL)
        with pytest.raises(PermissionDenied):
            await client.set_margin_type(SYMBOL, "isolated")
    signed = [k for k in emulator.faults.seen if "/trade/" in k or "/user/" in k]
    assert signed == []


async def test_vst_is_the_demo_host_and_the_default() -> None:
    for named in ({"environment": "vst"}, {}):
        client = await tp.create_client(KEY, **named)
        async with client:
            assert client.base_url == "https://open-api-vst.bingx.com"
            assert client.environment == "vst"
    live = await tp.create_client(KEY, environment="live")
    async with live:
        assert live.base_url == "https://open-api.bingx.com"


async def test_other_venues_still_default_to_live() -> None:
    client = await tp.create_client("BYBIT___SWAP")
    async with client:
        assert client.environment == "live" and client.base_url == "https://api.bybit.com"


async def test_hedge_mode_trades_and_levers_each_leg(client: BingxClient) -> None:
    await client.set_position_mode(True)
    assert await client.set_leverage(SYMBOL, 4) == 4  # sent for LONG and for SHORT
    opened = await client.make_order(SYMBOL, "0.01", None, "buy-market")
    assert opened.position_side is PositionSide.LONG
    (leg,) = await client.get_position(SYMBOL)
    assert leg.position_side is PositionSide.LONG and leg.qty == Decimal("0.01")
    closed = await client.make_order(SYMBOL, "0.01", None, "sell-market", offset="close")
    assert closed.position_side is PositionSide.LONG and closed.status is OrderStatus.FILLED
    assert await client.get_position(SYMBOL) == []
    await client.set_position_mode(False)
    assert not await client.hedge_mode()


async def test_margin_type_is_set_and_read_and_locked_by_a_position(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    assert await client.get_margin_type(SYMBOL) == "cross"
    await client.set_margin_type(SYMBOL, "isolated")
    assert await client.get_margin_type(SYMBOL) == "isolated"
    await client.make_order(SYMBOL, "0.01", None, "buy-market")
    (pos,) = await client.get_position(SYMBOL)
    assert pos.margin_type == "isolated"
    # 109500 "has open orders or positions": refused, and nothing changed
    with pytest.raises(OrderRejected, match="open orders or positions") as refused:
        await client.set_margin_type(SYMBOL, "cross")
    assert refused.value.code == 109500
    assert await client.get_margin_type(SYMBOL) == "isolated"
    await client.set_margin_type(SYMBOL, "isolated")  # the type it has: no change asked
    sent = emulator.faults.seen["POST /openApi/swap/v2/trade/marginType"]
    with pytest.raises(BadParameter, match="margin type 'crossed'"):
        await client.set_margin_type(SYMBOL, "crossed")
    assert emulator.faults.seen["POST /openApi/swap/v2/trade/marginType"] == sent


async def test_trading_rules_are_the_contracts(client: BingxClient) -> None:
    rules = await client.get_trading_rules(SYMBOL)
    inst = await client.instrument(SYMBOL)
    assert (rules.minSizeCoin, rules.minSizeUsd) == (inst.min_qty, inst.min_notional)
    assert rules.maxNumOrder is not None and rules.maxNumOrder > 0
    assert rules.buyMinPrice is not None and rules.buyMaxPrice is not None
    assert rules.buyMinPrice < rules.buyMaxPrice
    with pytest.raises(UnknownSymbol):
        await client.get_trading_rules("NOPE-USDT")
