"""OKX v5: spot (OKX___SPOT, instType=SPOT) and USDT-margined perpetual swaps
(OKX___SWAP, instType=SWAP, linear contracts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType
from tradeport.venues.capability import (
    DERIVATIVE_STREAMS,
    DERIVATIVES,
    MARKET_DATA,
    PRIVATE_STREAMS,
    PUBLIC_STREAMS,
    TRADING,
    Capability,
)
from tradeport.venues.registry import VenueSpec, register

CONFIG = Path(__file__).with_name("venue.yaml")


def _client_factory(asset_type: AssetType) -> Any:
    def create(config: ResolvedAssetConfig, **kw: Any) -> Any:
        from tradeport.venues.okx.client import OkxClient

        return OkxClient(config, asset_type=asset_type, **kw)

    return create


def _emulator_factory(*, accounts_file: str | None = None, **kw: Any) -> Any:
    from tradeport.emulator.accounts import load_accounts
    from tradeport.venues.okx.emulator import OkxEmulator

    if accounts_file is not None:
        kw["accounts"] = load_accounts(accounts_file)
    return OkxEmulator(**kw)


SPOT = register(
    VenueSpec(
        exchange="OKX",
        asset_type=AssetType.SPOT,
        display_name="OKX Spot",
        config_path=CONFIG,
        capabilities=MARKET_DATA
        | TRADING
        | PUBLIC_STREAMS
        | PRIVATE_STREAMS
        | {Capability.EMULATOR},
        client_factory=_client_factory(AssetType.SPOT),
        emulator_factory=_emulator_factory,
    )
)
SWAP = register(
    VenueSpec(
        exchange="OKX",
        asset_type=AssetType.SWAP,
        display_name="OKX USDT perpetual swaps",
        config_path=CONFIG,
        capabilities=MARKET_DATA
        | TRADING
        | DERIVATIVES
        | PUBLIC_STREAMS
        | PRIVATE_STREAMS
        | DERIVATIVE_STREAMS
        | {Capability.EMULATOR},
        client_factory=_client_factory(AssetType.SWAP),
        emulator_factory=_emulator_factory,
    )
)
