"""The Binance emulator's public market streams: WebSocket paths of both stream hosts.

Spot (stream.binance.com, on `emulator.app`): `/ws`, `/ws/<stream>` (raw payloads) and
`/stream?streams=a/b` (combined `{"stream","data"}`), §1.4. USDⓈ-M (fstream.binance.com,
on `emulator.fstream_app`): the routed `/public/...` (order book streams) and
`/market/...` (everything else), and the legacy unrouted `/ws`, `/stream`, which carry
only the /public streams, §2.4. Each path takes the same live control messages
(`stream_control`).

Unknown stream names in a URL are ignored rather than refused: clients such as ccxt open
`/ws/<n>` with a bare connection index and subscribe afterwards.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from tradeport.emulator.ws import StreamConnection, start_clocks, stop_clocks
from tradeport.venues.binance.emulator.calls import Market
from tradeport.venues.binance.emulator.stream_control import Control
from tradeport.venues.binance.emulator.stream_hub import BASE_TICK_MS, MarketStreams, Session
from tradeport.venues.binance.emulator.stream_topics import MAX_STREAMS, Category, parse_topic

if TYPE_CHECKING:
    from tradeport.venues.binance.emulator.app import BinanceEmulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Incoming messages per second per connection: spot 5 (§1.4), USDⓈ-M 10 (§2.4).
INCOMING_LIMITS: dict[Market, int] = {"spot": 5, "futures": 10}
# No pong within 1 minute (spot, §1.4) or 10 minutes (USDⓈ-M, §2.4): disconnected.
PONG_TIMEOUTS: dict[Market, float] = {"spot": 60.0, "futures": 600.0}


class PublicStreams:
    """Routes, live sessions and clock tasks of the public streams of both markets."""

    def __init__(self, emulator: BinanceEmulator) -> None:
        self.emulator = emulator
        self.hubs: dict[Market, MarketStreams] = {
            "spot": MarketStreams("spot", emulator.spot, emulator.spot_symbols, emulator.now_ms),
            "futures": MarketStreams(
                "futures", emulator.futures, emulator.futures_symbols, emulator.now_ms
            ),
        }
        emulator.spot.subscribe(self.hubs["spot"].on_event)
        emulator.futures.subscribe(self.hubs["futures"].on_event)
        self._live: dict[int, StreamConnection] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def add_routes(self, spot_app: web.Application, futures_app: web.Application) -> None:
        spot = self._handler("spot", None)
        spot_app.router.add_get("/ws", spot)
        spot_app.router.add_get("/ws/{streams:.+}", spot)
        spot_app.router.add_get("/stream", spot)
        # legacy unrouted paths carry only what /public does
        routed: tuple[tuple[str, Category], ...] = (
            ("", "public"),
            ("/public", "public"),
            ("/market", "market"),
        )
        for prefix, category in routed:
            handler = self._handler("futures", category)
            futures_app.router.add_get(f"{prefix}/ws", handler)
            futures_app.router.add_get(prefix + "/ws/{streams:.+}", handler)
            futures_app.router.add_get(f"{prefix}/stream", handler)

    @property
    def live(self) -> list[StreamConnection]:
        return list(self._live.values())

    async def start(self) -> None:
        tick = BASE_TICK_MS / 1000 * self.emulator.stream_time_scale
        self._tasks = start_clocks(self.hubs.items(), tick, "binance")

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await stop_clocks(tasks, self._live.values())

    # -- connections -------------------------------------------------------------------
    def _handler(self, market: Market, category: Category | None) -> Handler:
        return functools.partial(self._serve, market, category)

    async def _serve(
        self, market: Market, category: Category | None, request: web.Request
    ) -> web.StreamResponse:
        hub = self.hubs[market]
        combined = request.path.endswith("/stream")
        if combined:
            names = request.query.get("streams", "").split("/")
        else:
            names = request.match_info.get("streams", "").split("/")
        topics = [t for t in (parse_topic(n, market, hub.symbols) for n in names) if t]
        topics = [t for t in topics if category is None or t.category == category]
        if len({t.name for t in topics}) > MAX_STREAMS[market]:
            raise web.HTTPBadRequest(text=f"at most {MAX_STREAMS[market]} streams")
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        conn = StreamConnection(
            ws,
            name=f"{market}:{request.path}",
            faults=self.emulator.stream_faults,
            ping_interval=self.emulator.ping_intervals[market],
            incoming_limit=INCOMING_LIMITS[market],
            pong_timeout=PONG_TIMEOUTS[market],
        )
        session = Session(conn, combined)
        control = Control(hub, session, category, MAX_STREAMS[market])
        for topic in topics:
            hub.subscribe(session, topic)
        self._live[conn.id] = conn
        self.emulator.connections.add(conn)

        async def on_text(conn: StreamConnection, text: str) -> None:
            conn.send(control.answer(text))

        try:
            await conn.serve(on_text)
        finally:
            hub.drop(session)
            self.emulator.connections.discard(conn)
            self._live.pop(conn.id, None)
        return ws


def install_public_streams(emulator: BinanceEmulator) -> PublicStreams:
    """Add the public stream paths to both hosts; call before any catch-all route."""
    service = PublicStreams(emulator)
    service.add_routes(emulator.app, emulator.fstream_app)
    return service
