"""A TCP fault proxy for tests: a client's connections to an emulator go through it, and
a test cuts them, holds new ones, or corrupts a WebSocket frame the server sends.

`FaultProxy(upstream_url)` listens on a loopback port; `url` is `upstream_url` with
that port, to give the client instead (e.g. its `ws_url`). Everything is forwarded byte
for byte, except:

- `cut()`: every current connection is closed now (both sides), as a dropped network
  path would;
- `hold()` / `release()`: connections opened meanwhile are accepted but not forwarded
  (the client's handshake waits) until released;
- `corrupt(marker, times)`: the next `times` WebSocket text frames from the server
  whose payload contains `marker` reach the client cut in half (not JSON any more),
  with a valid frame header. The server's frames are unmasked and uncompressed (the
  clients ask for no compression), so the proxy can read their boundaries. A binary
  frame holding gzip (BingX sends every frame so) is inflated to look for the marker,
  and a corrupted one is compressed again: still gzip, no longer JSON.
"""

from __future__ import annotations

import asyncio
import gzip
import struct
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

_HEADER_END = b"\r\n\r\n"
_TEXT = 0x1
_BINARY = 0x2
_GZIP = b"\x1f\x8b"


class FaultProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        assert parts.hostname is not None and parts.port is not None, upstream_url
        self._parts = parts
        self._upstream = (parts.hostname, parts.port)
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self._released = asyncio.Event()
        self._released.set()
        self._corrupt: list[_Corruption] = []
        self.corrupted = 0  # frames corrupted so far
        self.cuts = 0  # connections closed by `cut`
        self.accepted = 0  # connections the client opened
        self._accepted = asyncio.Condition()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._on_client, "127.0.0.1", 0)
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start the proxy first"
        port = self._server.sockets[0].getsockname()[1]
        return urlunsplit(self._parts._replace(netloc=f"127.0.0.1:{port}"))

    async def stop(self) -> None:
        self._released.set()
        if self._server is not None:
            self._server.close()
        await self.cut()
        if self._server is not None:
            await self._server.wait_closed()

    # -- faults ------------------------------------------------------------------------
    async def cut(self) -> int:
        """Close every current connection; returns how many."""
        pipes, self._pipes = list(self._pipes), set()
        for pipe in pipes:
            pipe.close()
        await asyncio.gather(*(p.done() for p in pipes))
        self.cuts += len(pipes)
        return len(pipes)

    def hold(self) -> None:
        """Connections opened from now on wait, unforwarded, until `release()`."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def corrupt(self, marker: bytes, times: int = 1) -> None:
        """Cut in half the next `times` server text frames that contain `marker`."""
        self._corrupt.append(_Corruption(marker, times))

    async def wait_accepted(self, count: int) -> None:
        """Until the client has opened `count` connections in all."""
        async with self._accepted:
            await self._accepted.wait_for(lambda: self.accepted >= count)

    # -- forwarding --------------------------------------------------------------------
    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self._accepted:
            self.accepted += 1
            self._accepted.notify_all()
        pipe = _Pipe(writer)
        self._pipes.add(pipe)
        try:
            await pipe.run(reader, self._released, self._upstream, self._frame_filter)
        finally:
            self._pipes.discard(pipe)

    def _frame_filter(self, opcode: int, payload: bytes) -> bytes:
        if opcode == _BINARY and payload.startswith(_GZIP) and self._corrupt:
            text = gzip.decompress(payload)
            cut = self._cut(text)
            return payload if cut is text else gzip.compress(cut)
        if opcode != _TEXT:
            return payload
        return self._cut(payload)

    def _cut(self, text: bytes) -> bytes:
        """`text` cut in half if a fault's marker is in it; `text` itself otherwise."""
        for fault in self._corrupt:
            if fault.marker in text:
                fault.times -= 1
                if fault.times == 0:
                    self._corrupt.remove(fault)
                self.corrupted += 1
                # still text (a frame of invalid UTF-8 would fail the connection)
                return text[: len(text) // 2].decode("utf-8", "ignore").encode()
        return text


class _Corruption:
    def __init__(self, marker: bytes, times: int) -> None:
        self.marker = marker
        self.times = times


FrameFilter = Callable[[int, bytes], bytes]


class _Pipe:
    """One client connection and its upstream twin."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self._client = client
        self._upstream: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._finished = asyncio.Event()
        self.error: OSError | None = None  # why the upstream could not be reached

    async def run(
        self,
        reader: asyncio.StreamReader,
        released: asyncio.Event,
        upstream: tuple[str, int],
        frame_filter: FrameFilter,
    ) -> None:
        try:
            waits = [asyncio.create_task(released.wait()), asyncio.create_task(self._stop.wait())]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for wait in waits:
                wait.cancel()
            if self._stop.is_set():  # cut while held
                return
            try:
                up_reader, self._upstream = await asyncio.open_connection(*upstream)
            except OSError as exc:  # the client sees its connection end, as on a network
                self.error = exc
                return
            self._tasks = [
                asyncio.create_task(_copy(reader, self._upstream)),
                asyncio.create_task(_copy_frames(up_reader, self._client, frame_filter)),
            ]
            # either side ending (or a cut) ends both
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.close()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._finished.set()

    def close(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for writer in (self._client, self._upstream):
            if writer is not None:
                writer.transport.abort()

    async def done(self) -> None:
        await self._finished.wait()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def _copy_frames(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frame_filter: FrameFilter
) -> None:
    """The server's HTTP answer as it is, then its WebSocket frames through the filter."""
    head = await reader.readuntil(_HEADER_END)
    writer.write(head)
    await writer.drain()
    while True:
        try:
            first = await reader.readexactly(2)
        except asyncio.IncompleteReadError:
            return
        masked, length = first[1] & 0x80, first[1] & 0x7F
        extended = b""
        if length == 126:
            extended = await reader.readexactly(2)
            length = struct.unpack("!H", extended)[0]
        elif length == 127:
            extended = await reader.readexactly(8)
            length = struct.unpack("!Q", extended)[0]
        mask = await reader.readexactly(4) if masked else b""
        payload = await reader.readexactly(length)
        if masked:  # a server never masks; pass such a frame on untouched
            writer.write(first + extended + mask + payload)
        else:
            out = frame_filter(first[0] & 0x0F, payload)
            writer.write(_header(first[0], len(out)) + out)
        await writer.drain()


def _header(first: int, length: int) -> bytes:
    if length < 126:
        return bytes([first, length])
    if length < 1 << 16:
        return bytes([first, 126]) + struct.pack("!H", length)
    return bytes([first, 127]) + struct.pack("!Q", length)
