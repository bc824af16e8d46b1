"""The Binance emulator's public market streams: WebSocket paths of both stream hosts.

Spot (stream.binance.com, on the emulator's `app`): `/ws`, `/ws/<stream>` (raw payloads) and
`/stream?streams=a/b` (combined `{"stream","data"}`), §1.4. USDⓈ-M (fstream.binance.com,
on its `fstream_app`): the routed `/public/...` (order book streams) and
`/market/...` (everything else), and the legacy unrouted `/ws`, `/stream`, which carry
only the /public streams, §2.4. Each path takes the same live control messages
(`stream_control`).

Unknown stream names in a URL are ignored rather than refused: clients such as ccxt open
`/ws/<n>` with a bare connection index and subscribe afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from tradeport.emulator.host.streams import Clocked, StreamHost, StreamSkin
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.binance.emulator.calls import Market
from tradeport.venues.binance.emulator.context import BinanceContext
from tradeport.venues.binance.emulator.stream_control import Control
from tradeport.venues.binance.emulator.stream_hub import BASE_TICK_MS, MarketStreams, Session
from tradeport.venues.binance.emulator.stream_topics import MAX_STREAMS, Category, parse_topic

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Incoming messages per second per connection: spot 5 (§1.4), USDⓈ-M 10 (§2.4).
INCOMING_LIMITS: dict[Market, int] = {"spot": 5, "futures": 10}
# No pong within 1 minute (spot, §1.4) or 10 minutes (USDⓈ-M, §2.4): disconnected.
PONG_TIMEOUTS: dict[Market, float] = {"spot": 60.0, "futures": 600.0}


class PublicStreams(StreamSkin):
    """Routes, live sessions and clock tasks of the public streams of both markets."""

    def __init__(self, ctx: BinanceContext) -> None:
        self.ctx = ctx
        self.hubs: dict[Market, MarketStreams] = {
            "spot": MarketStreams("spot", ctx.spot, ctx.spot_symbols, ctx.now_ms),
            "futures": MarketStreams("futures", ctx.futures, ctx.futures_symbols, ctx.now_ms),
        }
        ctx.spot.subscribe(self.hubs["spot"].on_event)
        ctx.futures.subscribe(self.hubs["futures"].on_event)
        host = StreamHost(ctx.stream_faults, ctx.connections, "binance")
        super().__init__(host, BASE_TICK_MS / 1000 * ctx.stream_time_scale)

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

    def clocks(self) -> Iterable[tuple[str, Clocked]]:
        return self.hubs.items()

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
        ws, conn = await self.host.accept(
            request,
            f"{market}:{request.path}",
            ping_interval=self.ctx.ping_intervals[market],
            incoming_limit=INCOMING_LIMITS[market],
            pong_timeout=PONG_TIMEOUTS[market],
        )
        session = Session(conn, combined)
        control = Control(hub, session, category, MAX_STREAMS[market])
        for topic in topics:
            hub.subscribe(session, topic)

        async def on_text(conn: StreamConnection, text: str) -> None:
            conn.send(control.answer(text))

        await self.host.serve(conn, on_text, on_close=lambda: hub.drop(session))
        return ws


def install_public_streams(
    ctx: BinanceContext, spot_app: web.Application, fstream_app: web.Application
) -> PublicStreams:
    """Add the public stream paths to both hosts; call before any catch-all route."""
    service = PublicStreams(ctx)
    service.add_routes(spot_app, fstream_app)
    return service
