"""The Bybit emulator's WebSocket side (PROTOCOLS.md §4.4-4.5): `/v5/public/spot`,
`/v5/public/linear`, `/v5/private` and the order entry `/v5/trade` on the emulator's one
aiohttp app. `/v5/trade` answers with the REST order handlers, which exist only once the
REST side is installed: `bind_trade` hands them over.

Each accepted socket is a `StreamConnection` named "<path kind>:<path>" ("spot:/v5/
public/spot", "linear:/v5/public/linear", "private:/v5/private") so stream faults can
pick connections by prefix. Bybit's heartbeat is the client's JSON `ping`; the server
sends no protocol pings, and a connection from which nothing arrives for 10 minutes
(private: `?max_active_time=30s..600s`, also `1m`..`10m`) is closed; both times are
multiplied by the emulator's `stream_time_scale`, as every stream period is.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal

from aiohttp import web

from tradeport.emulator.host.streams import Clocked, IdleCutoff, StreamHost, StreamSkin
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.ids import Category
from tradeport.venues.bybit.emulator.stream_control import PublicControl
from tradeport.venues.bybit.emulator.stream_private import PrivateStreams
from tradeport.venues.bybit.emulator.stream_public import BASE_TICK_MS, PublicStreams
from tradeport.venues.bybit.emulator.stream_session import Session
from tradeport.venues.bybit.emulator.stream_trade import TRADE_PATH, TradeSession, TradeStream

IDLE_TIMEOUT_S = 600.0  # "no ping-pong … the connection will be cut off after 10 minutes"
ACTIVE_TIME_RANGE_S = (30, 600)
IDLE_CLOSE = 1000
IDLE_REASON = b"no ping or data from the client"
_ACTIVE_TIME = re.compile(r"(\d{1,4})([sm])")
PUBLIC_PATHS: dict[Category, str] = {"spot": "/v5/public/spot", "linear": "/v5/public/linear"}
PRIVATE_PATH = "/v5/private"


def parse_active_time(value: str) -> float:
    """Seconds of `max_active_time` ("45s", "2m"); ValueError naming the parameter."""
    match = _ACTIVE_TIME.fullmatch(value)
    seconds = int(match[1]) * (60 if match[2] == "m" else 1) if match else -1
    low, high = ACTIVE_TIME_RANGE_S
    if not low <= seconds <= high:
        raise ValueError(f"max_active_time must be {low}s to {high}s (e.g. 45s, 2m), not {value!r}")
    return float(seconds)


class BybitStreams(StreamSkin):
    """Routes, live sessions and clock tasks of the Bybit WebSocket endpoints."""

    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx
        self.hubs: dict[Category, PublicStreams] = {
            "spot": PublicStreams(
                "spot", ctx.spot, ctx.spot_symbols, ctx.now_ms, self._no_interest
            ),
            "linear": PublicStreams(
                "linear", ctx.linear, ctx.linear_symbols, ctx.now_ms, ctx.open_interest
            ),
        }
        self.private = PrivateStreams(ctx)
        self.trade: TradeStream | None = None  # set by bind_trade
        host = StreamHost(ctx.stream_faults, ctx.connections, "bybit")
        super().__init__(host, BASE_TICK_MS / 1000 * ctx.stream_time_scale)

    def add_routes(self, app: web.Application) -> None:
        for category, path in PUBLIC_PATHS.items():
            app.router.add_get(path, self._public_handler(category))
        app.router.add_get(PRIVATE_PATH, self._serve_private)
        app.router.add_get(TRADE_PATH, self._serve_trade)

    def bind_trade(self, trade: TradeStream) -> None:
        self.trade = trade

    def clocks(self) -> Iterable[tuple[str, Clocked]]:
        return self.hubs.items()

    @staticmethod
    def _no_interest(symbol: str) -> Decimal:
        raise ValueError(f"spot has no open interest ({symbol})")

    # -- connections -------------------------------------------------------------------
    def _public_handler(
        self, category: Category
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._serve_public(category, request)

        return handler

    def _idle(self, seconds: float) -> IdleCutoff:
        return IdleCutoff(seconds * self.ctx.stream_time_scale, IDLE_CLOSE, IDLE_REASON)

    async def _serve_public(self, category: Category, request: web.Request) -> web.StreamResponse:
        hub = self.hubs[category]
        ws, conn = await self.host.accept(request, f"{category}:{PUBLIC_PATHS[category]}")
        session = Session(conn)
        control = PublicControl(hub, session, self.ctx.now_ms)

        async def on_text(_: StreamConnection, text: str) -> None:
            control.handle(text)

        await self.host.serve(
            conn, on_text, self._idle(IDLE_TIMEOUT_S), on_close=lambda: hub.drop(session)
        )
        return ws

    async def _serve_private(self, request: web.Request) -> web.StreamResponse:
        idle = IDLE_TIMEOUT_S
        raw = request.query.get("max_active_time")
        if raw is not None:
            try:
                idle = parse_active_time(raw)
            except ValueError as exc:
                # refused before the upgrade: the client sees the reason at once
                raise web.HTTPBadRequest(text=str(exc)) from exc
        ws, conn = await self.host.accept(request, f"private:{PRIVATE_PATH}")
        session = Session(conn)

        async def on_text(_: StreamConnection, text: str) -> None:
            self.private.handle(session, text)

        await self.host.serve(
            conn, on_text, self._idle(idle), on_close=lambda: self.private.drop(session)
        )
        return ws

    async def _serve_trade(self, request: web.Request) -> web.StreamResponse:
        trade = self.trade
        if trade is None:
            raise RuntimeError("the order-entry path is served once bind_trade has run")
        ws, conn = await self.host.accept(request, f"trade:{TRADE_PATH}")
        session = TradeSession(conn)

        async def on_text(_: StreamConnection, text: str) -> None:
            trade.handle(session, text)

        await self.host.serve(
            conn, on_text, self._idle(IDLE_TIMEOUT_S), on_close=lambda: trade.drop(session)
        )
        return ws


def install_streams(ctx: BybitContext, app: web.Application) -> BybitStreams:
    """Add the WebSocket routes; call before any catch-all REST route."""
    service = BybitStreams(ctx)
    service.add_routes(app)
    return service
