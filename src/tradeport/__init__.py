"""tradeport: one API to trading venues, with a local emulator of every venue."""

from tradeport.api import SyncClient, connect, connect_async, create_client
from tradeport.hub import Hub, HubEvent
from tradeport.venues.capability import Capability
from tradeport.venues.registry import VenueSpec, get_venue, list_venues

__version__ = "0.1.0"

__all__ = [
    "Capability",
    "Hub",
    "HubEvent",
    "SyncClient",
    "VenueSpec",
    "__version__",
    "connect",
    "connect_async",
    "create_client",
    "get_venue",
    "list_venues",
]
