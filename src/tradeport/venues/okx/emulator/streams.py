"""The OKX emulator's WebSocket side (PROTOCOLS.md §3.4-3.5): `/ws/v5/public`,
`/ws/v5/business` and `/ws/v5/private` on the emulator's one aiohttp app.

Each accepted socket is a `StreamConnection` named "<path kind>:<path>"
("public:/ws/v5/public", "business:/ws/v5/business", "private:/ws/v5/private") so stream
faults can pick connections by prefix. OKX's heartbeat is the client's text `ping`; the
server sends no protocol pings and closes a connection from which nothing arrived for
30 s with 4004 "No data received in 30s" (docs-v5 close frames). Every stream period is
multiplied by the emulator's `stream_time_scale`.

Maintenance and faults beyond the shared stream faults: `reset_sequence(inst)` (the next
`books` update of `inst` starts a lower `seqId`, as after OKX maintenance) and
`corrupt_checksum(inst)` (its next `books` frame carries a wrong, non-zero checksum). A
`server_shutdown` fault sends OKX's 64008 notice before closing.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.streams import Clocked, IdleCutoff, StreamHost, StreamSkin
from tradeport.emulator.symbol_set import follow
from tradeport.emulator.ws import StreamConnection
from tradeport.venues.okx.emulator import stream_payloads as out
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.ids import inst_id
from tradeport.venues.okx.emulator.stream_candles import BARS
from tradeport.venues.okx.emulator.stream_control import Channels, Control
from tradeport.venues.okx.emulator.stream_orders import OrderEntry
from tradeport.venues.okx.emulator.stream_payloads import InstText
from tradeport.venues.okx.emulator.stream_private import PrivateStreams
from tradeport.venues.okx.emulator.stream_public import BASE_TICK_MS, PublicStreams
from tradeport.venues.okx.emulator.stream_session import Session
from tradeport.venues.okx.emulator.stream_topics import PathKind

IDLE_TIMEOUT_S = 30.0
IDLE_CLOSE = 4004
IDLE_REASON = b"No data received in 30s"
PATHS: dict[PathKind, str] = {
    "public": "/ws/v5/public",
    "business": "/ws/v5/business",
    "private": "/ws/v5/private",
}
UPGRADE_NOTICE = (
    "64008",
    "The connection will soon be closed for a service upgrade. Please reconnect.",
)


def upgrade_notice() -> str:
    """The frame OKX sends before a maintenance disconnect (a `server_shutdown` fault)."""
    return out.notice(*UPGRADE_NOTICE)


class OkxStreams(StreamSkin):
    """Routes, live sessions and the clock task of the OKX WebSocket endpoints."""

    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx
        # every instId with its engine and text, taking in a contract listed later
        spot = follow(ctx.spot_symbols, lambda s: self._instrument(ctx.spot, inst_id(s, "SPOT")))
        swap = follow(ctx.swap_symbols, lambda s: self._instrument(ctx.swap, inst_id(s, "SWAP")))
        self.public = PublicStreams(ChainMap(spot, swap), swap.keys(), ctx.now_ms, ctx.checksum)
        self.private = PrivateStreams(ctx)
        self.orders: OrderEntry | None = None  # set by bind_orders, once REST exists
        host = StreamHost(ctx.stream_faults, ctx.connections, "okx")
        super().__init__(host, BASE_TICK_MS / 1000 * ctx.stream_time_scale)

    def _instrument(self, engine: Engine, inst: str) -> tuple[str, tuple[Engine, InstText]]:
        return inst, (engine, InstText(self.ctx.sizing.terms(inst)))

    def add_routes(self, app: web.Application) -> None:
        for kind, path in PATHS.items():
            app.router.add_get(path, self._handler(kind))

    def bind_orders(self, orders: OrderEntry) -> None:
        """The private path's order entry, which runs the REST order handlers."""
        self.orders = orders

    def clocks(self) -> Iterable[tuple[str, Clocked]]:
        return [("all", self)]

    def tick(self) -> None:
        """One `BASE_TICK_MS` step of stream time (tests drive it by hand)."""
        self.private.drain()
        self.public.tick()

    # -- maintenance and faults --------------------------------------------------------
    def reset_sequence(self, inst: str) -> None:
        """The next `books` update of `inst` carries a `seqId` below its `prevSeqId`."""
        self.public.book(inst).reset_sequence()

    def corrupt_checksum(self, inst: str, *, snapshot: bool = False) -> None:
        """The next `books` frame of `inst` carries a wrong, non-zero checksum; with
        `snapshot`, its next snapshot (what a resubscription receives)."""
        self.public.book(inst).corrupt_checksum(snapshot=snapshot)

    # -- connections -------------------------------------------------------------------
    def _handler(self, kind: PathKind) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._serve(kind, request)

        return handler

    async def _serve(self, kind: PathKind, request: web.Request) -> web.StreamResponse:
        ws, conn = await self.host.accept(request, f"{kind}:{PATHS[kind]}")
        session = Session(conn, kind)
        channels: Channels = self.private if kind == "private" else self.public
        control = Control(
            session,
            channels,
            self.private,
            instruments=self.public.instruments,
            swaps=self.public.swaps,
            bars=BARS,
            orders=self.orders if kind == "private" else None,
        )

        async def on_text(_: StreamConnection, text: str) -> None:
            control.handle(text)

        idle = IdleCutoff(IDLE_TIMEOUT_S * self.ctx.stream_time_scale, IDLE_CLOSE, IDLE_REASON)
        await self.host.serve(conn, on_text, idle, on_close=lambda: channels.drop(session))
        return ws


def install_streams(ctx: OkxContext, app: web.Application) -> OkxStreams:
    """Add the WebSocket routes; call before any catch-all REST route."""
    service = OkxStreams(ctx)
    service.add_routes(app)
    return service
