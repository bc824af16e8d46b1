"""What the router needs of an execution port: the order calls and the client whose
verified books it reads. `execution.port.ExecutionPort` is one; every child order of an
algorithm goes through these calls, so each is an intent of its own and journalled."""

from __future__ import annotations

from typing import Protocol

from tradeport.execution.intent import ExecutionReceipt, Intent
from tradeport.venues.base import VenueClient


class OrderPort(Protocol):
    @property
    def client(self) -> VenueClient: ...

    async def submit(self, intent: Intent) -> ExecutionReceipt: ...

    async def resolve(self, receipt: ExecutionReceipt) -> ExecutionReceipt: ...

    async def cancel(self, order: ExecutionReceipt, reason: str = "") -> ExecutionReceipt: ...
