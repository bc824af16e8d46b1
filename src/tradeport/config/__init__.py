"""venue.yaml loading and validation."""

from tradeport.config.loader import load_venue_config, parse_venue_config, resolve_asset
from tradeport.config.schema import RateLimitRule, ResolvedAssetConfig, VenueConfig

__all__ = [
    "RateLimitRule",
    "ResolvedAssetConfig",
    "VenueConfig",
    "load_venue_config",
    "parse_venue_config",
    "resolve_asset",
]
