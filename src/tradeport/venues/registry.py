"""The registry of venues (DESIGN.md §1).

Venues register themselves when their package is imported; the registry imports every
package under `tradeport.venues` and every `tradeport.venues` entry point, so adding a
venue never edits this file.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradeport.model.enums import AssetType
from tradeport.model.errors import BadParameter
from tradeport.venues.capability import Capability

if TYPE_CHECKING:
    from tradeport.venues.base import EmulatorHandle, VenueClient


@dataclass(frozen=True)
class VenueSpec:
    exchange: str  # "BINANCE"
    asset_type: AssetType
    display_name: str
    config_path: Path
    capabilities: frozenset[Capability]
    client_factory: Callable[..., VenueClient]
    emulator_factory: Callable[..., EmulatorHandle] | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.exchange}___{self.asset_type.name}"


_REGISTRY: dict[str, VenueSpec] = {}
_discovered = False


def register(spec: VenueSpec) -> VenueSpec:
    if spec.key in _REGISTRY and _REGISTRY[spec.key] is not spec:
        raise ValueError(f"venue {spec.key} registered twice")
    _REGISTRY[spec.key] = spec
    return spec


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    pkg = importlib.import_module("tradeport.venues")
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.ispkg:
            importlib.import_module(f"tradeport.venues.{mod.name}")
    for ep in importlib.metadata.entry_points(group="tradeport.venues"):
        ep.load()


def list_venues() -> list[VenueSpec]:
    _discover()
    return sorted(_REGISTRY.values(), key=lambda s: s.key)


def get_venue(key: str) -> VenueSpec:
    _discover()
    try:
        return _REGISTRY[key.upper()]
    except KeyError:
        raise BadParameter(f"unknown venue {key!r}; registered: {sorted(_REGISTRY)}") from None
