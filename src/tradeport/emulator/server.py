"""Host an aiohttp application on a loopback port inside the running event loop.

Venue-neutral: every venue emulator builds its own `web.Application` and hands it here.
"""

from __future__ import annotations

from aiohttp import web


class EmulatorServer:
    """Start and stop one aiohttp application; `port=0` asks the OS for a free port."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None
        self.host = ""
        self.port = 0

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator server is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind and serve; returns the base URL, e.g. `http://127.0.0.1:40123`."""
        if self._runner is not None:
            raise RuntimeError(f"already serving on {self.base_url}")
        runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        # the first bound socket tells the real port when port=0 was asked for
        bound = runner.addresses[0]
        self.host, self.port = host, int(bound[1])
        self._runner = runner
        return self.base_url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
