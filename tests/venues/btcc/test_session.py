"""The trade session (PROTOCOLS.md §6.2): login, keep-alive, a lapsed session renewed
once and the refused call sent once more, never twice."""

import asyncio
from decimal import Decimal

import pytest

from tradeport.model.errors import AuthError, BadParameter
from tradeport.venues.btcc.emulator import BtccEmulator

from .conftest import Connect

SYMBOL = "BTC-USDT"
QTY = Decimal("0.01")


async def test_first_call_logs_in_once(connect: Connect, emulator: BtccEmulator) -> None:
    client = await connect()
    await asyncio.gather(client.get_balance(), client.get_position(), client.get_open_orders())
    assert client.session.logins == emulator.sessions.logins == 1
    assert client.readiness.is_up("user")


async def test_an_ended_session_is_renewed_and_the_call_answered(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.make_order(SYMBOL, QTY, None, "buy-market")
    assert emulator.expire_sessions() == 1
    (pos,) = await client.get_position(SYMBOL)
    assert pos.qty == QTY and client.session.logins == 2


async def test_a_trade_refused_for_its_session_is_placed_exactly_once(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.get_balance()
    emulator.expire_sessions()
    order = await client.make_order(SYMBOL, QTY, None, "buy-market")
    assert order.filled_qty == QTY
    assert [r.volume for r in await client.btcc_positions()] == [QTY]
    assert emulator.sessions.logins == 2


async def test_a_session_silent_past_its_lifetime_lapses(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    await client.get_balance()
    emulator.clock_skew_ms = emulator.sessions.ttl_ms + 1_000  # the venue's clock moves on
    assert "USDT" in await client.get_balance()
    assert client.session.logins == 2


async def test_keep_alive_finds_a_lost_session_and_logs_in_again(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect(keepalive_s=0.05)
    await client.login()
    emulator.expire_sessions()
    await asyncio.wait_for(client.session.wait_logins(2), 10)
    assert emulator.faults.seen["GET /v1/user/keepalive"] >= 1
    assert client.readiness.is_up("user") and client.readiness.is_up("position")


async def test_wrong_password_is_an_auth_error(connect: Connect) -> None:
    client = await connect(password="not-it")
    with pytest.raises(AuthError):
        await client.get_balance()


async def test_missing_login_fields_are_named(connect: Connect) -> None:
    client = await connect(user_name="", password="")
    with pytest.raises(BadParameter, match="user_name, password"):
        await client.get_balance()
