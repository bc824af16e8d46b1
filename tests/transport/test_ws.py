"""The WebSocket engine against a loopback server: subscriptions, refusals, drops,
silence, heartbeats, spreading topics over connections and send pacing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tradeport.model.errors import NotSupported, SubscriptionError
from tradeport.transport.ws import TopicState, WsStream

from .ws_test_server import LoopbackEndpoint, WsTestServer, settle


class Recorder:
    def __init__(self) -> None:
        self.frames: list[tuple[str | bytes, int]] = []
        self.reconnects: list[list[str]] = []

    def sink(self, frame: str | bytes, local_ts: int) -> None:
        self.frames.append((frame, local_ts))

    def on_reconnect(self, topics: list[str]) -> None:
        self.reconnects.append(sorted(topics))

    def streams(self) -> list[str]:
        return [json.loads(f)["stream"] for f, _ in self.frames if isinstance(f, str)]


@pytest.fixture
async def server() -> AsyncIterator[WsTestServer]:
    srv = WsTestServer()
    await srv.start()
    yield srv
    await srv.stop()


def stream_for(endpoint: LoopbackEndpoint, rec: Recorder) -> WsStream:
    return WsStream(
        endpoint,
        rec.sink,
        on_reconnect=rec.on_reconnect,
        backoff_initial=0.02,
        backoff_max=0.1,
    )


async def test_subscribe_returns_when_acked_and_data_reaches_the_sink(
    server: WsTestServer,
) -> None:
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url), rec)
    try:
        await ws.subscribe(["btcusdt@trade", "ethusdt@trade"])
        assert dict(ws.topics) == {
            "btcusdt@trade": TopicState.CONFIRMED,
            "ethusdt@trade": TopicState.CONFIRMED,
        }
        assert server.live[0].topics == {"btcusdt@trade", "ethusdt@trade"}
        assert await server.publish("btcusdt@trade", {"p": "1"}) == 1
        await settle(lambda: len(rec.frames) == 1)
        frame, local_ts = rec.frames[0]
        assert json.loads(frame) == {"stream": "btcusdt@trade", "data": {"p": "1"}}
        assert local_ts > 1_600_000_000 * 10**9  # epoch nanoseconds
        assert ws.stats.frames == 1
    finally:
        await ws.close()


async def test_binary_frames_pass_through_as_bytes(server: WsTestServer) -> None:
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url), rec)
    try:
        await ws.subscribe(["a"])
        await server.send_all(b"\x1f\x8b compressed")
        await settle(lambda: len(rec.frames) == 1)
        assert rec.frames[0][0] == b"\x1f\x8b compressed"
    finally:
        await ws.close()


async def test_refused_topic_raises_naming_it_and_is_retried_until_accepted(
    server: WsTestServer,
) -> None:
    server.refused.add("bad@trade")
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url), rec)
    try:
        with pytest.raises(SubscriptionError) as caught:
            await ws.subscribe(["good@trade", "bad@trade"])
        assert caught.value.topics == ["bad@trade"]
        assert ws.topics["good@trade"] is TopicState.CONFIRMED
        assert ws.topics["bad@trade"] is TopicState.FAILED
        # the venue refused the whole frame; the good topic was isolated and kept
        assert server.live[0].topics == {"good@trade"}
        attempts = sum(1 for _, text in server.live[0].received if "bad@trade" in text)
        await settle(
            lambda: sum(1 for _, t in server.live[0].received if "bad@trade" in t) > attempts
        )
        server.refused.clear()
        await settle(lambda: ws.topics["bad@trade"] is TopicState.CONFIRMED)
        assert server.live[0].topics == {"good@trade", "bad@trade"}
    finally:
        await ws.close()


async def test_dropped_connection_is_resubscribed_without_user_action(
    server: WsTestServer,
) -> None:
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url), rec)
    topics = ["a@trade", "b@trade", "c@trade"]
    try:
        await ws.subscribe(topics)
        server.drop(server.live[0])
        await settle(lambda: rec.reconnects == [sorted(topics)])
        assert len(server.conns) == 2
        assert server.conns[1].topics == set(topics)
        assert all(state is TopicState.CONFIRMED for state in ws.topics.values())
        assert ws.stats.reconnects == 1
        await server.publish("b@trade", {})
        await settle(lambda: rec.streams() == ["b@trade"])
    finally:
        await ws.close()


async def test_silent_connection_is_replaced_and_resubscribed(server: WsTestServer) -> None:
    rec = Recorder()
    endpoint = LoopbackEndpoint(server.url, silence_timeout=0.3, ping_interval=0.1)
    ws = stream_for(endpoint, rec)
    try:
        await ws.subscribe(["a@trade"])
        server.live[0].silent = True  # no data, no pongs
        await settle(lambda: rec.reconnects == [["a@trade"]])
        assert ws.stats.watchdog_replacements == 1
        assert server.conns[0].ws.closed
        assert server.conns[1].topics == {"a@trade"}
    finally:
        await ws.close()


async def test_our_pings_keep_a_quiet_connection_alive(server: WsTestServer) -> None:
    rec = Recorder()
    endpoint = LoopbackEndpoint(server.url, silence_timeout=0.3, ping_interval=0.05)
    ws = stream_for(endpoint, rec)
    try:
        await ws.subscribe(["a@trade"])
        # several silence timeouts pass with no data, only pongs to our pings
        await settle(lambda: len(server.live[0].pings) >= 20)
        assert ws.stats.watchdog_replacements == 0
        assert len(server.conns) == 1
    finally:
        await ws.close()


async def test_server_pings_are_answered_with_the_same_payload(server: WsTestServer) -> None:
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url), rec)
    try:
        await ws.subscribe(["a@trade"])
        conn = server.live[0]
        await server.ping(conn, b"payload-1")
        await server.ping(conn, b"\x00\x01binary")
        await settle(lambda: len(conn.pongs) == 2)
        assert conn.pongs == [b"payload-1", b"\x00\x01binary"]
        assert ws.stats.pings_answered == 2
    finally:
        await ws.close()


async def test_topics_spread_over_connections_at_max_topics(server: WsTestServer) -> None:
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url, max_topics=2), rec)
    topics = [f"s{i}@trade" for i in range(5)]
    try:
        await ws.subscribe(topics)
        assert len(server.live) == 3
        assert sorted(len(c.topics) for c in server.live) == [1, 2, 2]
        assert set().union(*(c.topics for c in server.live)) == set(topics)
        assert len(ws.connections) == 3
        await ws.subscribe(["s5@trade"])  # fills the connection that had room
        assert len(server.live) == 3
        assert sorted(len(c.topics) for c in server.live) == [2, 2, 2]
    finally:
        await ws.close()


async def test_unsubscribe_leaves_the_venue_and_closes_an_emptied_connection(
    server: WsTestServer,
) -> None:
    rec = Recorder()
    ws = stream_for(LoopbackEndpoint(server.url, max_topics=2), rec)
    try:
        await ws.subscribe(["a", "b", "c"])
        await ws.unsubscribe(["a"])
        assert "a" not in ws.topics
        assert server.conns[0].topics == {"b"}
        assert "unsub:a" in server.conns[0].events
        await ws.unsubscribe(["c"])
        await settle(lambda: server.conns[1].ws.closed)
        assert len(ws.connections) == 1
        server.drop(server.conns[0])
        await settle(lambda: len(rec.reconnects) == 1)
        assert rec.reconnects == [["b"]]  # the dropped topics stay dropped
    finally:
        await ws.close()


async def test_subscribe_frames_are_chunked_and_paced_within_the_budget(
    server: WsTestServer,
) -> None:
    # the venue allows 5 frames/s (Binance spot); the endpoint paces at 4/s
    budget = 5
    endpoint = LoopbackEndpoint(server.url, max_sends_per_second=4.0, max_topics_per_frame=2)
    rec = Recorder()
    ws = stream_for(endpoint, rec)
    topics = [f"s{i}" for i in range(12)]
    try:
        await ws.subscribe(topics, timeout=10.0)
        times = [t for t, _ in server.live[0].received]
        assert len(times) == 6  # 12 topics, 2 per frame
        for i, start in enumerate(times):
            in_window = [t for t in times[i:] if t - start < 1.0]
            assert len(in_window) <= budget
        assert server.live[0].topics == set(topics)
    finally:
        await ws.close()


async def test_a_raising_sink_does_not_kill_the_connection(
    server: WsTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str | bytes] = []

    def sink(frame: str | bytes, local_ts: int) -> None:
        seen.append(frame)
        if len(seen) == 1:
            raise ValueError("consumer bug")

    endpoint = LoopbackEndpoint(server.url, name="loop.public")
    ws = WsStream(endpoint, sink)
    try:
        await ws.subscribe(["a"])
        await server.publish("a", 1)
        await server.publish("a", 2)
        await settle(lambda: len(seen) == 2)
        assert ws.stats.sink_errors == 1
        assert len(server.conns) == 1 and not server.conns[0].ws.closed
        records = [r for r in caplog.records if r.name == "tradeport.transport.ws"]
        assert any("loop.public" in r.getMessage() for r in records)
    finally:
        await ws.close()


async def test_session_endpoint_refuses_topics(server: WsTestServer) -> None:
    ws = WsStream(LoopbackEndpoint(server.url, max_topics=0), Recorder().sink)
    try:
        with pytest.raises(NotSupported):
            await ws.subscribe(["a"])
    finally:
        await ws.close()
