"""The registry of venues (DESIGN.md §1).

Venues register themselves when their package is imported; the registry imports every
package under `tradeport.venues` and every `tradeport.venues` entry point, so adding a
venue never edits this file.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradeport.model.enums import AssetType
from tradeport.model.errors import BadParameter
from tradeport.venues.capability import (
    DERIVATIVE_STREAMS,
    DERIVATIVES,
    MARKET_DATA,
    PRIVATE_STREAMS,
    PUBLIC_STREAMS,
    TRADING,
    Capability,
)

if TYPE_CHECKING:
    from tradeport.config.schema import ResolvedAssetConfig
    from tradeport.emulator.handle import EmulatorHandle
    from tradeport.venues.base import VenueClient
    from tradeport.venues.kit.venue import ClientClass

# What a venue with REST trading, public and private streams and an emulator offers on
# spot, and on perpetuals on top of that.
SPOT_CAPABILITIES = MARKET_DATA | TRADING | PUBLIC_STREAMS | PRIVATE_STREAMS | {Capability.EMULATOR}
SWAP_CAPABILITIES = SPOT_CAPABILITIES | DERIVATIVES | DERIVATIVE_STREAMS


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
    client_path: str = ""  # "package.module:Class" of the client, when registered by name

    @property
    def key(self) -> str:
        return f"{self.exchange}___{self.asset_type.name}"

    def client_class(self) -> type[VenueClient]:
        """The client class (imported now), to check it against its capabilities."""
        if not self.client_path:
            raise ValueError(f"{self.key} was registered with a factory, not a class path")
        cls: type[VenueClient] = _import(self.client_path)
        return cls


_REGISTRY: dict[str, VenueSpec] = {}
_discovered = False


def register(spec: VenueSpec) -> VenueSpec:
    if spec.key in _REGISTRY and _REGISTRY[spec.key] is not spec:
        raise ValueError(f"venue {spec.key} registered twice")
    _REGISTRY[spec.key] = spec
    return spec


def _import(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def client_factory(target: str, asset_type: AssetType) -> Callable[..., VenueClient]:
    """A factory of `target` ("package.module:Class") clients of `asset_type`. The
    module is imported on first use: listing the venues loads no client code."""

    def create(config: ResolvedAssetConfig, **kw: Any) -> VenueClient:
        cls: ClientClass = _import(target)
        return cls(config, asset_type=asset_type, **kw)

    return create


def emulator_factory(target: str) -> Callable[..., EmulatorHandle]:
    """A factory of `target` ("package.module:Class") emulators, imported on first use;
    `accounts_file` names a YAML file of accounts to serve instead of the defaults."""

    def create(*, accounts_file: str | None = None, **kw: Any) -> EmulatorHandle:
        from tradeport.emulator.accounts import load_accounts

        if accounts_file is not None:
            kw["accounts"] = load_accounts(accounts_file)
        emulator: EmulatorHandle = _import(target)(**kw)
        return emulator

    return create


# What a market offers by default when its venue has REST trading, public and private
# streams and an emulator; a venue that lacks one of these passes its own set.
DEFAULT_CAPABILITIES: dict[AssetType, frozenset[Capability]] = {
    AssetType.SPOT: SPOT_CAPABILITIES,
    AssetType.SWAP: SWAP_CAPABILITIES,
}


def register_venue(
    exchange: str,
    config_path: Path,
    *,
    markets: Mapping[AssetType, str],
    client: str,
    emulator: str | None,
    capabilities: Mapping[AssetType, frozenset[Capability]] | None = None,
    notes: str = "",
) -> dict[AssetType, VenueSpec]:
    """Register each market (asset type → display name) of a venue, all served by one
    client class and one emulator class ("package.module:Class", imported on first use).
    `capabilities` overrides the default set of a market (DEFAULT_CAPABILITIES); a
    capability that does not work yet must be left out of it."""
    emulate = None if emulator is None else emulator_factory(emulator)
    specs = {}
    for asset_type, name in markets.items():
        caps = (capabilities or {}).get(asset_type) or DEFAULT_CAPABILITIES.get(asset_type)
        if caps is None:
            raise ValueError(f"{exchange} {asset_type.name}: no default capabilities; pass them")
        if emulate is None:
            caps = caps - {Capability.EMULATOR}
        specs[asset_type] = register(
            VenueSpec(
                exchange=exchange,
                asset_type=asset_type,
                display_name=name,
                config_path=config_path,
                capabilities=frozenset(caps),
                client_factory=client_factory(client, asset_type),
                emulator_factory=emulate,
                notes=notes,
                client_path=client,
            )
        )
    return specs


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
