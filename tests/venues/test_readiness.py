"""Readiness gating: orders wait for (or are refused without) the subsystems that track them."""

import asyncio

import pytest

from tradeport.model.errors import NotReady
from tradeport.venues.readiness import Readiness


def test_all_up_only_when_every_required_component_is_up() -> None:
    r = Readiness("X", ["instruments"])
    assert not r.all_up() and r.down() == ["instruments"]
    r.set_up("instruments")
    assert r.all_up()
    r.require("user", "orders")
    assert r.down() == ["orders", "user"]
    r.set_up("user")
    r.set_up("orders")
    assert r.all_up()
    r.set_down("orders")
    with pytest.raises(NotReady, match="orders down") as info:
        r.check()
    assert info.value.down == ["orders"]


def test_released_components_no_longer_count() -> None:
    r = Readiness("X", ["instruments", "user"])
    r.set_up("instruments")
    r.release("user")
    assert r.all_up() and r.required == {"instruments"}


async def test_wait_returns_once_the_last_component_comes_up() -> None:
    r = Readiness("X", ["instruments", "user"])
    r.set_up("instruments")
    waiter = asyncio.create_task(r.wait(5.0))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    r.set_up("user")
    await asyncio.wait_for(waiter, 1.0)


async def test_wait_times_out_naming_what_is_down() -> None:
    r = Readiness("X", ["instruments", "positions"])
    r.set_up("instruments")
    with pytest.raises(NotReady) as info:
        await r.wait(0.05)
    assert info.value.down == ["positions"]
