"""tradeport: one API to trading venues, with a local emulator of every venue."""

from tradeport.api import SyncClient, connect, connect_async, create_client
from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentOrderType,
    IntentSide,
    ReceiptStatus,
    new_intent_id,
)
from tradeport.execution.journal import Journal
from tradeport.execution.port import ExecutionPort
from tradeport.execution.router import (
    AlgoHandle,
    AlgoResult,
    IcebergPolicy,
    MakerFirstPolicy,
    Route,
    Router,
    TwapPolicy,
    split,
)
from tradeport.execution.state import PortState, ReconcileReport
from tradeport.execution.sync_port import SyncExecutionPort
from tradeport.execution.sync_router import SyncAlgoHandle, SyncRouter, sync_split
from tradeport.hub import Hub, HubEvent
from tradeport.venues.capability import Capability
from tradeport.venues.registry import VenueSpec, get_venue, list_venues

__version__ = "0.1.0"

__all__ = [
    "AlgoHandle",
    "AlgoResult",
    "Capability",
    "ExecutionPort",
    "ExecutionReceipt",
    "FeeSource",
    "Hub",
    "HubEvent",
    "IcebergPolicy",
    "Intent",
    "IntentAction",
    "IntentOrderType",
    "IntentSide",
    "Journal",
    "MakerFirstPolicy",
    "PortState",
    "ReceiptStatus",
    "ReconcileReport",
    "Route",
    "Router",
    "SyncAlgoHandle",
    "SyncClient",
    "SyncExecutionPort",
    "SyncRouter",
    "TwapPolicy",
    "VenueSpec",
    "__version__",
    "connect",
    "connect_async",
    "create_client",
    "get_venue",
    "list_venues",
    "new_intent_id",
    "split",
    "sync_split",
]
