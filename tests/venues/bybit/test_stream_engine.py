"""Bybit's connection kinds on the venue-neutral WebSocket engine, against the Bybit
emulator over loopback sockets: JSON heartbeats answered by pongs, a topic resubscribed
on its own connection for a fresh snapshot, a lost connection reported before its
replacement, and the private login with its topics confirmed one by one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import pytest

from tradeport.model import AssetType
from tradeport.model.errors import AuthError, SubscriptionError
from tradeport.transport.ws import TopicState, WsStream
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.ws_endpoints import Liveness, PrivateEndpoint, PublicEndpoint
from tradeport.venues.kit.private_endpoint import Credentials

BOOK = "orderbook.50.BTCUSDT"
DEFAULT = Liveness()


async def eventually(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    # a still stream clock: nothing is pushed unless a subscription asks for it
    async with BybitEmulator(step_interval=None, seed=5, stream_time_scale=1000.0) as emulator:
        yield emulator


class Frames:
    def __init__(self) -> None:
        self.frames: list[dict[str, object]] = []
        self.lost: list[list[str]] = []
        self.reconnects: list[list[str]] = []

    def sink(self, frame: str | bytes, local_ts: int) -> None:
        self.frames.append(json.loads(frame))

    def snapshots(self, topic: str) -> list[dict[str, object]]:
        return [f for f in self.frames if f.get("topic") == topic and f.get("type") == "snapshot"]


def public(emu: BybitEmulator, frames: Frames, liveness: Liveness = DEFAULT) -> WsStream:
    url = emu.stream_url(AssetType.SWAP) + "/v5/public/linear"
    endpoint = PublicEndpoint("bybit.linear", url, spot=False, liveness=liveness)
    return WsStream(
        endpoint,
        frames.sink,
        on_lost=frames.lost.append,
        on_reconnect=frames.reconnects.append,
        backoff_initial=0.02,
        backoff_max=0.1,
    )


def private(
    emu: BybitEmulator,
    frames: Frames,
    events: list[str],
    *,
    secret: str | None = None,
    topics: tuple[str, ...] = ("order", "execution", "wallet", "position"),
    liveness: Liveness = DEFAULT,
) -> WsStream:
    key, real_secret = emu.credentials()
    endpoint = PrivateEndpoint(
        "bybit.user",
        emu.stream_url(AssetType.SWAP) + "/v5/private",
        credentials=Credentials(key, real_secret if secret is None else secret),
        now_ms=emu.now_ms,
        topics=topics,
        on_login=lambda: events.append("auth"),
        on_ack=lambda topic: events.append(f"ack:{topic}"),
        liveness=liveness,
    )
    return WsStream(endpoint, frames.sink, backoff_initial=0.02, backoff_max=0.1)


async def test_json_pings_are_answered_and_keep_a_quiet_connection(emu: BybitEmulator) -> None:
    frames = Frames()
    ws = public(emu, frames, Liveness(ping_interval=0.05, silence_timeout=0.5))
    try:
        await ws.subscribe(["kline.1.BTCUSDT"])  # still clock: no kline is pushed
        await eventually(lambda: ws.stats.pongs >= 12, "a dozen pongs")
        assert ws.stats.frames == 0  # pongs are control frames, never data
        assert (ws.stats.connects, ws.stats.watchdog_replacements) == (1, 0)
    finally:
        await ws.close()


async def test_private_pongs_are_control_frames_too(emu: BybitEmulator) -> None:
    frames, events = Frames(), []
    ws = private(emu, frames, events, liveness=Liveness(ping_interval=0.05, silence_timeout=0.5))
    try:
        await ws.start()
        await eventually(lambda: ws.stats.pongs >= 12, "a dozen private pongs")
        assert frames.frames == [] and ws.stats.watchdog_replacements == 0
    finally:
        await ws.close()


async def test_resubscribing_a_topic_brings_a_fresh_snapshot_on_its_connection(
    emu: BybitEmulator,
) -> None:
    frames = Frames()
    ws = public(emu, frames)
    try:
        await ws.subscribe([BOOK, "publicTrade.BTCUSDT"])
        await eventually(lambda: len(frames.snapshots(BOOK)) == 1, "the first snapshot")
        await ws.resubscribe([BOOK])
        await eventually(lambda: len(frames.snapshots(BOOK)) == 2, "the second snapshot")
        assert ws.topics[BOOK] is TopicState.CONFIRMED
        assert ws.stats.connects == 1 and frames.lost == []  # the same connection
        (session,) = emu.streams.live
        assert session.name.startswith("linear:")
    finally:
        await ws.close()


async def test_a_lost_connection_is_reported_before_its_replacement(emu: BybitEmulator) -> None:
    frames = Frames()
    ws = public(emu, frames)
    try:
        await ws.subscribe([BOOK])
        assert await emu.stream_faults.disconnect() == 1
        await eventually(lambda: frames.reconnects == [[BOOK]], "the replacement")
        assert frames.lost == [[BOOK]]
        await eventually(lambda: len(frames.snapshots(BOOK)) == 2, "its snapshot")
    finally:
        await ws.close()


async def test_private_login_confirms_each_topic(emu: BybitEmulator) -> None:
    frames, events = Frames(), []
    ws = private(emu, frames, events)
    try:
        await ws.start()
        assert events == [
            "auth",
            "ack:order",
            "ack:execution",
            "ack:wallet",
            "ack:position",
        ]
        await emu.stream_faults.disconnect("private")
        await eventually(lambda: events.count("auth") == 2, "the login again")
        await eventually(lambda: events.count("ack:position") == 2, "the topics again")
    finally:
        await ws.close()


async def test_a_refused_login_raises_auth_error(emu: BybitEmulator) -> None:
    frames, events = Frames(), []
    ws = private(emu, frames, events, secret="not-the-secret")
    with pytest.raises(AuthError, match="Request not authorized"):
        await ws.start()
    await ws.close()
    assert events == [] and ws.connections == []


async def test_a_refused_private_topic_fails_the_connection(emu: BybitEmulator) -> None:
    frames, events = Frames(), []
    ws = private(emu, frames, events, topics=("order", "greeks"))
    with pytest.raises(SubscriptionError, match="greeks"):
        await ws.start()
    await ws.close()
    assert events == ["auth", "ack:order"]
