"""The sync facade: one background loop for every client, emulator started in-process."""

import asyncio
import threading
from decimal import Decimal

import pytest

import tradeport as tp
from tradeport.model import OrderStatus
from tradeport.model.errors import BadParameter, UnknownSymbol


def test_sync_client_against_in_process_emulator() -> None:
    with (
        tp.connect("BINANCE___SPOT", environment="emulator") as spot,
        tp.connect("BINANCE___SWAP", environment="emulator") as swap,
    ):
        tick = spot.get_tick("BTC-USDT")
        assert tick.bid is not None and tick.ask is not None and tick.bid < tick.ask
        book = swap.get_depth("ETH-USDT", 5)
        assert len(book.bids) == 5
        bid = Decimal(str(spot.get_depth("BTC-USDT", 5).bids[0][0]))
        order = spot.make_order(
            "BTC-USDT", "0.01", (bid * Decimal("0.9")).quantize(Decimal("0.01"))
        )
        assert order.status is OrderStatus.NEW
        assert spot.cancel_order("BTC-USDT", order_id=order.order_id).status is OrderStatus.CANCELED
        with pytest.raises(UnknownSymbol):
            spot.instrument("NOPE-USDT")
    loops = [t for t in threading.enumerate() if t.name == "tradeport-loop"]
    assert len(loops) == 1  # one shared loop thread, not one per client


def test_unknown_venue_and_environment_are_clear_errors() -> None:
    with pytest.raises(BadParameter, match="unknown venue"):
        tp.connect("NOWHERE___SPOT")
    with pytest.raises(BadParameter, match="environment"):
        tp.connect("BINANCE___SPOT", environment="paper")


async def test_bad_option_is_refused_and_leaves_no_emulator_running() -> None:
    before = set(asyncio.all_tasks())
    with pytest.raises(BadParameter, match="unexpected options"):
        await tp.create_client("BINANCE___SPOT", environment="emulator", colour="blue")
    leftover = {t for t in asyncio.all_tasks() if not t.done()} - before
    assert leftover == set()  # the synthetic market task was stopped with its server
