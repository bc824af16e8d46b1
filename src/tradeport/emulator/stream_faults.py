"""Stream fault injection for the venue emulators (DESIGN.md principle 9).

What a venue's WebSocket does to a client, armed by tests or by an emulator's admin
endpoint:

- `DropDepth` / `DuplicateDepth` / `ReorderDepth`: the next depth frames of a symbol are
  lost, sent twice, or the next two swap places: the client's update-id check must see it.
- `Disconnect`: matching connections close now.
- `Silence`: matching connections stop sending anything, pings and pongs included, while
  the socket stays open (a half-dead TCP path); `seconds=None` lasts until `clear()`.
- `ServerShutdown`: the venue's maintenance notice (Binance `{"e":"serverShutdown"}`),
  then the close after a short grace.
- `ExpireListenKey`: a private stream's key expires; the private side registers a hook.
- `SendFrame`: a frame written by the test goes out now, as it is (a depth update with
  a "NaN" level, or an update id no venue would send).

Connections are matched by name prefix ("" = all). Depth faults count frames across the
matching connections: "drop the next frame of BTCUSDT" is consumed by the first matching
connection that sends one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from gzip import compress
from typing import Annotated

import msgspec

from tradeport.emulator.ws import GOING_AWAY, DepthAction, StreamConnections

Count = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(ge=0)]
Symbol = Annotated[str, msgspec.Meta(min_length=1)]
ShutdownNotice = Callable[[], str]


class DropDepth(msgspec.Struct, frozen=True, tag="drop_depth", tag_field="kind"):
    symbol: Symbol
    n: Count = 1
    prefix: str = ""


class DuplicateDepth(msgspec.Struct, frozen=True, tag="duplicate_depth", tag_field="kind"):
    symbol: Symbol
    n: Count = 1
    prefix: str = ""


class ReorderDepth(msgspec.Struct, frozen=True, tag="reorder_depth", tag_field="kind"):
    symbol: Symbol
    prefix: str = ""


class Disconnect(msgspec.Struct, frozen=True, tag="disconnect", tag_field="kind"):
    prefix: str = ""


class Silence(msgspec.Struct, frozen=True, tag="silence", tag_field="kind"):
    prefix: str = ""
    seconds: Seconds | None = None


class ServerShutdown(msgspec.Struct, frozen=True, tag="server_shutdown", tag_field="kind"):
    prefix: str = ""


class ExpireListenKey(msgspec.Struct, frozen=True, tag="expire_listen_key", tag_field="kind"):
    """Has no parameters: every registered private-stream hook is told."""


class SendFrame(msgspec.Struct, frozen=True, tag="send_frame", tag_field="kind"):
    text: Annotated[str, msgspec.Meta(min_length=1)]
    prefix: str = ""
    # sent gzip-compressed as a binary frame, as a venue that compresses its frames
    # (BingX) sends everything
    gzip: bool = False


StreamFault = (
    DropDepth
    | DuplicateDepth
    | ReorderDepth
    | Disconnect
    | Silence
    | ServerShutdown
    | ExpireListenKey
    | SendFrame
)


def parse_stream_fault(spec: object) -> StreamFault:
    """An admin arming request, e.g. `{"kind": "drop_depth", "symbol": "BTCUSDT", "n": 2}`.
    Raises ValueError naming the bad field (msgspec's "... - at `$.n`")."""
    try:
        return msgspec.convert(spec, StreamFault)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from exc


@dataclass(slots=True)
class _DepthFault:
    action: DepthAction
    symbol: str
    prefix: str
    remaining: int


@dataclass(slots=True)
class _Silence:
    prefix: str
    until: float | None  # time.monotonic() deadline; None = until cleared


class StreamFaultPlan:
    """Armed stream faults, shared by every connection of one emulator.

    `history` records every fault armed or performed, in order, for assertions.
    `shutdown_notice` builds the venue's maintenance frame; `shutdown_grace` is the time
    between it and the close.
    """

    def __init__(
        self,
        connections: StreamConnections,
        *,
        shutdown_notice: ShutdownNotice | None = None,
        shutdown_grace: float = 0.1,
    ) -> None:
        self.connections = connections
        self.shutdown_notice = shutdown_notice
        self.shutdown_grace = shutdown_grace
        self.listen_key_hooks: list[Callable[[], None]] = []
        self.history: list[StreamFault] = []
        self._depth: list[_DepthFault] = []
        self._silences: list[_Silence] = []

    # -- arming ------------------------------------------------------------------------
    def drop_depth(self, symbol: str, n: int = 1, prefix: str = "") -> None:
        self._arm_depth("drop", DropDepth(symbol, _count(n), prefix), n)

    def duplicate_depth(self, symbol: str, n: int = 1, prefix: str = "") -> None:
        self._arm_depth("duplicate", DuplicateDepth(symbol, _count(n), prefix), n)

    def reorder_depth(self, symbol: str, prefix: str = "") -> None:
        self._arm_depth("reorder", ReorderDepth(symbol, prefix), 1)

    async def disconnect(self, prefix: str = "") -> int:
        """Close the matching connections now; returns how many were closed."""
        self.history.append(Disconnect(prefix))
        return await self.connections.close_all(GOING_AWAY, prefix)

    def silence(self, prefix: str = "", seconds: float | None = None) -> None:
        if seconds is not None and seconds < 0:
            raise ValueError(f"seconds must be >= 0 (or None), not {seconds}")
        until = None if seconds is None else time.monotonic() + seconds
        self._silences.append(_Silence(prefix, until))
        self.history.append(Silence(prefix, seconds))

    async def server_shutdown(self, prefix: str = "") -> int:
        """Send the maintenance notice on the matching connections, wait the grace, close
        them; returns how many were told."""
        conns = self.connections.matching(prefix)
        self.history.append(ServerShutdown(prefix))
        if self.shutdown_notice is not None:
            for conn in conns:
                conn.send(self.shutdown_notice())
        await asyncio.sleep(self.shutdown_grace)
        await asyncio.gather(*(c.close(GOING_AWAY) for c in conns))
        return len(conns)

    def expire_listen_key(self) -> None:
        self.history.append(ExpireListenKey())
        for hook in list(self.listen_key_hooks):
            hook()

    def send_frame(self, text: str, prefix: str = "", *, gzip: bool = False) -> int:
        """Send `text` as it is (or gzip-compressed, binary) on the matching connections
        now, after what they have queued; returns how many connections it went to."""
        conns = self.connections.matching(prefix)
        self.history.append(SendFrame(text, prefix, gzip))
        frame: str | bytes = compress(text.encode()) if gzip else text
        for conn in conns:
            conn.send(frame)
        return len(conns)

    def on_listen_key_expired(self, hook: Callable[[], None]) -> None:
        self.listen_key_hooks.append(hook)

    async def apply(self, fault: StreamFault) -> int:
        """Arm or perform a parsed fault; returns the connections affected now (0 for
        faults that wait for their frames)."""
        match fault:
            case DropDepth():
                self.drop_depth(fault.symbol, fault.n, fault.prefix)
            case DuplicateDepth():
                self.duplicate_depth(fault.symbol, fault.n, fault.prefix)
            case ReorderDepth():
                self.reorder_depth(fault.symbol, fault.prefix)
            case Disconnect():
                return await self.disconnect(fault.prefix)
            case Silence():
                self.silence(fault.prefix, fault.seconds)
                return len(self.connections.matching(fault.prefix))
            case ServerShutdown():
                return await self.server_shutdown(fault.prefix)
            case ExpireListenKey():
                self.expire_listen_key()
            case SendFrame():
                return self.send_frame(fault.text, fault.prefix, gzip=fault.gzip)
        return 0

    def clear(self) -> None:
        """Disarm pending depth faults and lift every silence."""
        self._depth.clear()
        self._silences.clear()

    @property
    def armed(self) -> int:
        return len(self._depth) + len(self._silences)

    # -- asked by connections ----------------------------------------------------------
    def take_depth(self, name: str, symbol: str) -> DepthAction | None:
        """The fault for the next depth frame of `symbol` on connection `name`, if any;
        consumes one of its frames."""
        for fault in self._depth:
            if fault.symbol != symbol or not name.startswith(fault.prefix):
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                self._depth.remove(fault)
            return fault.action
        return None

    def is_silenced(self, name: str) -> bool:
        if not self._silences:
            return False
        now = time.monotonic()
        self._silences = [s for s in self._silences if s.until is None or s.until > now]
        return any(name.startswith(s.prefix) for s in self._silences)

    def _arm_depth(
        self, action: DepthAction, spec: DropDepth | DuplicateDepth | ReorderDepth, n: int
    ) -> None:
        self._depth.append(_DepthFault(action, spec.symbol.upper(), spec.prefix, n))
        self.history.append(spec)


def _count(n: int) -> int:
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    return n
