"""A plain TCP proxy whose connections a test can cut, for servers that speak first
(NATS sends INFO on accept, so the WebSocket-aware tests/faultproxy.py does not fit)."""

from __future__ import annotations

import asyncio
import contextlib


class CutProxy:
    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._on_client, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def cut(self) -> int:
        """Close every connection now, both sides; returns how many sockets."""
        writers, self._writers = list(self._writers), set()
        for writer in writers:
            writer.close()
        return len(writers)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._writers |= {writer, up_writer}
        for task in (
            asyncio.create_task(_copy(reader, up_writer)),
            asyncio.create_task(_copy(up_reader, writer)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # a cut closes the sockets under the copy: that ends it, it is not an error
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
