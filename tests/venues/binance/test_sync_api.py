"""The sync facade: one background loop for every client, emulator started in-process."""

import asyncio
import subprocess
import sys
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


def test_clients_left_open_are_closed_cleanly_at_exit() -> None:
    script = (
        "import tradeport as tp\n"
        "c = tp.connect('BINANCE___SPOT', environment='emulator')\n"
        "print(c.get_tick('BTC-USDT').last > 0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
    for leak in ("nclosed", "Task was destroyed"):  # Unclosed session, unclosed socket…
        assert leak not in out.stderr, out.stderr
