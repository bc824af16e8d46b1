"""The WebSocket engine's connection lifecycle: make-before-break moves (venue notice,
lifetime), authenticated sessions, re-authentication, backoff and a clean close."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tradeport.model.errors import AuthError, Disconnected, RequestTimeout
from tradeport.transport.ws import TopicState, WsStream
from tradeport.transport.ws_slot import Backoff

from .ws_test_server import LoopbackEndpoint, WsTestServer, settle


@pytest.fixture
async def server() -> AsyncIterator[WsTestServer]:
    srv = WsTestServer()
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def auth_server() -> AsyncIterator[WsTestServer]:
    srv = WsTestServer(require_auth="k1")
    await srv.start()
    yield srv
    await srv.stop()


def _engine_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if "tradeport" in t.get_coro().cr_code.co_filename]


def _fast(endpoint: LoopbackEndpoint, frames: list[str | bytes], **kw: object) -> WsStream:
    return WsStream(
        endpoint,
        lambda frame, ts: frames.append(frame),
        backoff_initial=0.02,
        backoff_max=0.1,
        **kw,  # type: ignore[arg-type]
    )


async def test_shutdown_notice_moves_make_before_break(server: WsTestServer) -> None:
    frames: list[str | bytes] = []
    moved: list[list[str]] = []
    ws = _fast(LoopbackEndpoint(server.url), frames, on_reconnect=moved.append)
    try:
        await ws.subscribe(["a", "b"])
        old = server.live[0]
        await server.shutdown_notice(old)
        await settle(lambda: old.ws.closed)
        new = server.conns[1]
        # the replacement carried every topic before the old one was closed
        assert new.topics == {"a", "b"}
        assert sorted(moved[0]) == ["a", "b"]
        assert not any(e.startswith("unsub:") for c in server.conns for e in c.events)
        assert ws.stats.moves == 1 and ws.stats.reconnects == 0
        assert all(state is TopicState.CONFIRMED for state in ws.topics.values())
        await server.publish("a", 1)
        await settle(lambda: len(frames) == 1)
    finally:
        await ws.close()


async def test_the_old_connection_serves_until_the_new_one_is_subscribed(
    server: WsTestServer,
) -> None:
    frames: list[str | bytes] = []
    ws = _fast(LoopbackEndpoint(server.url), frames)
    try:
        await ws.subscribe(["a", "b"])
        old = server.live[0]
        server.hold_subscribes.clear()  # the replacement's SUBSCRIBE stays unanswered
        await server.shutdown_notice(old)
        await settle(lambda: len(server.conns) == 2 and len(server.conns[1].received) == 1)
        assert not old.ws.closed
        await server.send_to(old, "a", "during the move")
        await settle(lambda: len(frames) == 1)
        server.hold_subscribes.set()
        await settle(lambda: old.ws.closed)
        assert server.conns[1].topics == {"a", "b"}
    finally:
        await ws.close()


async def test_connection_lifetime_moves_before_the_venue_cutoff(server: WsTestServer) -> None:
    frames: list[str | bytes] = []
    moved: list[list[str]] = []
    endpoint = LoopbackEndpoint(server.url, max_lifetime=0.2)
    ws = _fast(endpoint, frames, on_reconnect=moved.append)
    try:
        await ws.subscribe(["a"])
        await settle(lambda: len(moved) >= 2)
        assert ws.stats.moves >= 2
        assert ws.stats.reconnects == 0
        assert all(c.topics == {"a"} for c in server.conns)
        assert len(ws.connections) == 1
    finally:
        await ws.close()


async def test_session_endpoint_authenticates_and_reauthenticates_after_a_drop(
    auth_server: WsTestServer,
) -> None:
    frames: list[str | bytes] = []
    reconnected: list[list[str]] = []
    endpoint = LoopbackEndpoint(auth_server.url, max_topics=0, auth_key="k1")
    ws = _fast(endpoint, frames, on_reconnect=reconnected.append)
    try:
        await ws.start()
        assert auth_server.live[0].authed
        auth_server.drop(auth_server.live[0])
        await settle(lambda: reconnected == [[]])
        assert auth_server.conns[1].authed
        assert endpoint.urls_served == 2  # the URL (a listen key) is asked for again
        await auth_server.send_all('{"stream":"user","data":{}}')
        await settle(lambda: len(frames) == 1)
    finally:
        await ws.close()


async def test_session_start_raises_the_auth_failure(auth_server: WsTestServer) -> None:
    endpoint = LoopbackEndpoint(auth_server.url, max_topics=0, auth_key="wrong")
    ws = _fast(endpoint, [])
    try:
        with pytest.raises(AuthError):
            await ws.start()
        assert ws.connections == []
    finally:
        await ws.close()


async def test_reauthentication_comes_before_resubscription(auth_server: WsTestServer) -> None:
    frames: list[str | bytes] = []
    reconnected: list[list[str]] = []
    endpoint = LoopbackEndpoint(auth_server.url, auth_key="k1")
    ws = _fast(endpoint, frames, on_reconnect=reconnected.append)
    try:
        await ws.subscribe(["private@orders"])
        auth_server.drop(auth_server.live[0])
        await settle(lambda: reconnected == [["private@orders"]])
        # the server refuses a subscription before AUTH: the order is visible here
        assert auth_server.conns[1].events == ["auth", "sub:private@orders"]
        assert ws.topics["private@orders"] is TopicState.CONFIRMED
    finally:
        await ws.close()


async def test_subscribe_times_out_when_the_venue_never_answers(server: WsTestServer) -> None:
    server.silent_new = True
    ws = _fast(LoopbackEndpoint(server.url), [])
    try:
        with pytest.raises(RequestTimeout):
            await ws.subscribe(["a"], timeout=0.2)
        assert ws.topics["a"] is TopicState.PENDING  # still in the contract
    finally:
        await ws.close()


async def test_unreachable_venue_fails_subscribe_with_a_network_error() -> None:
    # a port nothing listens on: bind one, note it, close it
    srv = WsTestServer()
    await srv.start()
    url = srv.url
    await srv.stop()
    ws = _fast(LoopbackEndpoint(url), [])
    try:
        with pytest.raises(Disconnected):
            await ws.subscribe(["a"], timeout=5.0)
        assert ws.stats.connect_failures >= 1
    finally:
        await ws.close()


async def test_close_leaves_no_task_and_no_socket(server: WsTestServer) -> None:
    ws = _fast(LoopbackEndpoint(server.url, max_topics=1, ping_interval=0.05), [])
    server.refused.add("bad")
    with pytest.raises(Exception, match="bad"):
        await ws.subscribe(["a", "b", "bad"])
    assert len(server.live) >= 2
    assert _engine_tasks()  # readers, watchdogs, pingers, supervisors, the retry loop
    await ws.close()
    assert _engine_tasks() == []
    await settle(lambda: not server.live)
    with pytest.raises(Disconnected):
        await ws.subscribe(["c"])
    await ws.close()  # idempotent


async def test_requests_on_a_connection_fail_typed_when_it_closes(server: WsTestServer) -> None:
    ws = _fast(LoopbackEndpoint(server.url), [])
    try:
        await ws.subscribe(["a"])
        conn = ws.connections[0]
        server.live[0].silent = True
        pending = asyncio.ensure_future(conn.request(json.dumps({"id": 99}), 99, timeout=5.0))
        await settle(lambda: len(server.live[0].received) == 2)
        server.drop(server.live[0])
        with pytest.raises(Disconnected):
            await pending
    finally:
        await ws.close()


def test_backoff_grows_exponentially_with_jitter_and_resets() -> None:
    backoff = Backoff(0.1, 1.0)
    delays = [backoff.next_delay() for _ in range(6)]
    steps = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    for delay, step in zip(delays, steps, strict=True):
        assert step / 2 <= delay <= step
    backoff.reset()
    assert backoff.next_delay() <= 0.1
