"""The execution port for sync code: the async port's methods run on the shared
background loop (DESIGN.md principle 3), generated from `PORT_METHODS` like the sync
client's, not written by hand."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tradeport import runtime
from tradeport.execution.port import ExecutionPort
from tradeport.model.errors import BadParameter
from tradeport.venues.base import VenueClient

PORT_METHODS: tuple[str, ...] = (
    "connect",
    "refresh_state",
    "submit",
    "resolve",
    "cancel",
    "cancel_all",
    "reconcile",
    "ensure_leverage",
    "idle",
    "wait_for_state",
)


class SyncExecutionPort:
    """`SyncExecutionPort(tp.connect(...), journal=..., ...)`: the options are
    ExecutionPort's. Closing the port leaves the client open."""

    def __init__(self, client: Any, **options: Any) -> None:
        inner = getattr(client, "client", client)  # a SyncClient holds the async client
        if not isinstance(inner, VenueClient):
            raise BadParameter(
                f"client: expected a SyncClient or VenueClient, got {type(client).__name__}"
            )

        async def build() -> ExecutionPort:
            # built on the shared loop: its locks and tasks belong there
            return ExecutionPort(inner, **options)

        self.port = runtime.run(build())
        runtime.track(self.port)

    @property
    def client(self) -> VenueClient:
        return self.port.client

    def __repr__(self) -> str:
        return f"<SyncExecutionPort {self.port!r}>"

    def close(self) -> None:
        runtime.untrack(self.port)
        runtime.run(self.port.close())

    def __enter__(self) -> SyncExecutionPort:
        self.connect()  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sync_method(name: str) -> Callable[..., Any]:
    def method(self: SyncExecutionPort, *args: Any, **kwargs: Any) -> Any:
        return runtime.run(getattr(self.port, name)(*args, **kwargs))

    target = getattr(ExecutionPort, name)
    method.__name__ = name
    method.__doc__ = target.__doc__
    method.__signature__ = inspect.signature(target)  # type: ignore[attr-defined]
    return method


for _name in PORT_METHODS:
    setattr(SyncExecutionPort, _name, _sync_method(_name))

__all__ = ["PORT_METHODS", "SyncExecutionPort"]
