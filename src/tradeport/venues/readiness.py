"""Readiness gating (DESIGN.md §5): no order goes out while a subsystem that would
track it is down.

A client names the components it depends on ("instruments", "user", "orders",
"positions"); each is marked up when it is confirmed (instruments loaded, the private
connection authenticated, a private topic acknowledged) and down when it is lost (a
disconnect). Order submission awaits `wait()` or, if the caller asked not to wait,
checks `all_up()` and raises `NotReady` naming what is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from tradeport.model.errors import NotReady

log = logging.getLogger("tradeport.readiness")


class Readiness:
    def __init__(self, venue: str, required: Iterable[str] = ()) -> None:
        self.venue = venue
        self._required: set[str] = set(required)
        self._up: set[str] = set()
        self._changed = asyncio.Event()

    @property
    def required(self) -> frozenset[str]:
        return frozenset(self._required)

    def require(self, *components: str) -> None:
        """Add components to what readiness depends on (e.g. once private streams are
        opened, order and position tracking join it)."""
        self._required.update(components)
        self._notify()

    def release(self, *components: str) -> None:
        """Stop depending on components (their stream was closed on purpose)."""
        self._required.difference_update(components)
        self._up.difference_update(components)
        self._notify()

    def set_up(self, component: str) -> None:
        if component not in self._up:
            log.debug("%s: %s up", self.venue, component)
            self._up.add(component)
            self._notify()

    def set_down(self, component: str) -> None:
        if component in self._up:
            log.info("%s: %s down; orders wait until it is back", self.venue, component)
            self._up.discard(component)
            self._notify()

    def is_up(self, component: str) -> bool:
        return component in self._up

    def down(self) -> list[str]:
        """Required components that are not up, sorted."""
        return sorted(self._required - self._up)

    def all_up(self) -> bool:
        return self._required <= self._up

    def check(self) -> None:
        """Raise NotReady naming what is down, or return."""
        down = self.down()
        if down:
            raise NotReady(f"not ready: {', '.join(down)} down", down=down, venue=self.venue)

    async def wait(self, timeout: float) -> None:
        """Return once every required component is up; NotReady after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.all_up():
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.check()
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                self.check()

    def _notify(self) -> None:
        self._changed.set()
