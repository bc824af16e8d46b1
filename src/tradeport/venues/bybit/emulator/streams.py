"""The Bybit emulator's WebSocket side (PROTOCOLS.md §4.4-4.5): `/v5/public/spot`,
`/v5/public/linear` and `/v5/private` on the emulator's one aiohttp app.

Each accepted socket is a `StreamConnection` named "<path kind>:<path>" ("spot:/v5/
public/spot", "linear:/v5/public/linear", "private:/v5/private") so stream faults can
pick connections by prefix. Bybit's heartbeat is the client's JSON `ping`; the server
sends no protocol pings, and a connection from which nothing arrives for 10 minutes
(private: `?max_active_time=30s..600s`, also `1m`..`10m`) is closed; both times are
multiplied by the emulator's `stream_time_scale`, as every stream period is.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from aiohttp import web

from tradeport.emulator.market import MM_ACCOUNT
from tradeport.emulator.ws import StreamConnection, start_clocks, stop_clocks
from tradeport.venues.bybit.emulator.ids import Category
from tradeport.venues.bybit.emulator.stream_control import PublicControl
from tradeport.venues.bybit.emulator.stream_private import PrivateStreams
from tradeport.venues.bybit.emulator.stream_public import BASE_TICK_MS, PublicStreams
from tradeport.venues.bybit.emulator.stream_session import Session

if TYPE_CHECKING:
    from tradeport.venues.bybit.emulator.app import BybitEmulator

IDLE_TIMEOUT_S = 600.0  # "no ping-pong … the connection will be cut off after 10 minutes"
ACTIVE_TIME_RANGE_S = (30, 600)
IDLE_CLOSE = 1000
_ACTIVE_TIME = re.compile(r"(\d{1,4})([sm])")
PUBLIC_PATHS: dict[Category, str] = {"spot": "/v5/public/spot", "linear": "/v5/public/linear"}
PRIVATE_PATH = "/v5/private"
TextHandler = Callable[[StreamConnection, str], Awaitable[None]]


def parse_active_time(value: str) -> float:
    """Seconds of `max_active_time` ("45s", "2m"); ValueError naming the parameter."""
    match = _ACTIVE_TIME.fullmatch(value)
    seconds = int(match[1]) * (60 if match[2] == "m" else 1) if match else -1
    low, high = ACTIVE_TIME_RANGE_S
    if not low <= seconds <= high:
        raise ValueError(f"max_active_time must be {low}s to {high}s (e.g. 45s, 2m), not {value!r}")
    return float(seconds)


class BybitStreams:
    """Routes, live sessions and clock tasks of the Bybit WebSocket endpoints."""

    def __init__(self, emulator: BybitEmulator) -> None:
        self.emulator = emulator
        self.hubs: dict[Category, PublicStreams] = {
            "spot": PublicStreams(
                "spot", emulator.spot, emulator.spot_symbols, emulator.now_ms, self._no_interest
            ),
            "linear": PublicStreams(
                "linear",
                emulator.linear,
                emulator.linear_symbols,
                emulator.now_ms,
                self.open_interest,
            ),
        }
        self.private = PrivateStreams(emulator)
        self._live: dict[int, StreamConnection] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def add_routes(self, app: web.Application) -> None:
        for category, path in PUBLIC_PATHS.items():
            app.router.add_get(path, self._public_handler(category))
        app.router.add_get(PRIVATE_PATH, self._serve_private)

    @property
    def live(self) -> list[StreamConnection]:
        return list(self._live.values())

    async def start(self) -> None:
        tick = BASE_TICK_MS / 1000 * self.emulator.stream_time_scale
        self._tasks = start_clocks(self.hubs.items(), tick, "bybit")

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await stop_clocks(tasks, self._live.values())

    # -- market figures ----------------------------------------------------------------
    def open_interest(self, symbol: str) -> Decimal:
        """Open interest of a linear symbol: the long size held across every account
        (the market maker's included), which equals the short size."""
        accounts = [ref.engine_id for ref in self.emulator.keys.refs] + [MM_ACCOUNT]
        total = Decimal(0)
        for account in accounts:
            for position in self.emulator.linear.positions(account):
                if position.symbol != symbol:
                    continue
                if position.position_side == "LONG" or (
                    position.position_side == "BOTH" and position.qty > 0
                ):
                    total += position.qty
        return total

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

    async def _serve_public(self, category: Category, request: web.Request) -> web.StreamResponse:
        hub = self.hubs[category]
        ws, conn = await self._accept(request, f"{category}:{PUBLIC_PATHS[category]}")
        session = Session(conn)
        control = PublicControl(hub, session, self.emulator.now_ms)

        async def on_text(_: StreamConnection, text: str) -> None:
            session.last_seen = time.monotonic()
            control.handle(text)

        try:
            await self._serve(session, on_text, IDLE_TIMEOUT_S)
        finally:
            hub.drop(session)
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
        ws, conn = await self._accept(request, f"private:{PRIVATE_PATH}")
        session = Session(conn)

        async def on_text(_: StreamConnection, text: str) -> None:
            session.last_seen = time.monotonic()
            self.private.handle(session, text)

        try:
            await self._serve(session, on_text, idle)
        finally:
            self.private.drop(session)
        return ws

    async def _accept(
        self, request: web.Request, name: str
    ) -> tuple[web.WebSocketResponse, StreamConnection]:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        conn = StreamConnection(
            ws, name=name, faults=self.emulator.stream_faults, ping_interval=None
        )
        return ws, conn

    async def _serve(self, session: Session, on_text: TextHandler, idle_s: float) -> None:
        conn = session.conn
        self._live[conn.id] = conn
        self.emulator.connections.add(conn)
        watchdog = asyncio.create_task(
            self._close_when_idle(session, idle_s * self.emulator.stream_time_scale),
            name=f"bybit-idle-{conn.id}",
        )
        try:
            await conn.serve(on_text)
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            self.emulator.connections.discard(conn)
            self._live.pop(conn.id, None)

    @staticmethod
    async def _close_when_idle(session: Session, timeout: float) -> None:
        while not session.conn.closed:
            remaining = session.last_seen + timeout - time.monotonic()
            if remaining <= 0:
                await session.conn.close(IDLE_CLOSE, b"no ping or data from the client")
                return
            await asyncio.sleep(remaining)


def install_streams(emulator: BybitEmulator) -> BybitStreams:
    """Add the WebSocket routes; call before any catch-all REST route."""
    service = BybitStreams(emulator)
    service.add_routes(emulator.app)
    return service
