"""Load and validate venue.yaml files: lazily, cached, and failing with file, field, reason."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import msgspec
import yaml

from tradeport.config.schema import ResolvedAssetConfig, VenueConfig
from tradeport.model.errors import ConfigError, error_class

# msgspec reports the failing location as "... - at `$.rate_limits[0]`"
_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _split(err: msgspec.ValidationError) -> tuple[str, str]:
    m = _AT.match(str(err))
    assert m is not None  # the pattern matches any string
    path = (m.group("path") or "").lstrip(".") or "<root>"
    reason = m.group("reason")
    # a missing field is reported at its parent; name the field itself
    missing = re.match(r"Object missing required field `(\w+)`", reason)
    if missing:
        path = f"{path}.{missing.group(1)}" if path != "<root>" else missing.group(1)
    return path, reason


def validation_error(file: str, err: msgspec.ValidationError) -> ConfigError:
    """A msgspec validation failure as a ConfigError naming file, field and reason."""
    field, reason = _split(err)
    return ConfigError(file, field, reason)


def parse_venue_config(text: str, file: str = "<string>") -> VenueConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(file, "<yaml>", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(file, "<root>", "expected a mapping at the top level")
    try:
        cfg = msgspec.convert(data, VenueConfig)
    except msgspec.ValidationError as exc:
        raise validation_error(file, exc) from exc
    _check_semantics(cfg, file)
    return cfg


def _check_semantics(cfg: VenueConfig, file: str) -> None:
    """What a type cannot say: error kinds exist, limits are positive, paths are well-formed."""
    for where, rules in [("rate_limits", cfg.rate_limits)] + [
        (f"assets.{a}.rate_limits", ac.rate_limits or []) for a, ac in cfg.assets.items()
    ]:
        for i, rule in enumerate(rules):
            if rule.interval <= 0 or rule.limit <= 0:
                raise ConfigError(file, f"{where}[{i}]", "interval and limit must be positive")
    maps = [("error_map", cfg.error_map)] + [
        (f"assets.{a}.error_map", ac.error_map or {}) for a, ac in cfg.assets.items()
    ]
    for where, emap in maps:
        for code, kind in emap.items():
            kinds = [kind] if isinstance(kind, str) else [kind.default, *kind.messages.values()]
            for k in kinds:
                try:
                    error_class(k)
                except KeyError as exc:
                    raise ConfigError(file, f"{where}.{code}", str(exc.args[0])) from None
    for a, ac in cfg.assets.items():
        for name, spec in ac.rest_paths.items():
            method, _, path = spec.partition(" ")
            if method not in {"GET", "POST", "PUT", "DELETE"} or not path.startswith("/"):
                raise ConfigError(
                    file, f"assets.{a}.rest_paths.{name}", f"expected 'METHOD /path', got {spec!r}"
                )


@functools.cache
def load_venue_config(path: str | Path) -> VenueConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(p), "<file>", f"cannot read: {exc.strerror}") from exc
    return parse_venue_config(text, str(p))


def resolve_asset(cfg: VenueConfig, asset: str) -> ResolvedAssetConfig:
    """Venue-level values with the asset's own values laid over them."""
    ac = cfg.assets.get(asset)
    if ac is None:
        raise ConfigError(cfg.id, f"assets.{asset}", f"not configured; have {sorted(cfg.assets)}")
    return ResolvedAssetConfig(
        venue=cfg,
        asset=asset,
        exchange_name=ac.exchange_name or cfg.id,
        symbol_format=ac.symbol_format or "{base}{quote}",
        rest_paths=ac.rest_paths,
        wss_paths=ac.wss_paths,
        rate_limits=ac.rate_limits if ac.rate_limits is not None else cfg.rate_limits,
        kline_periods={**cfg.kline_periods, **(ac.kline_periods or {})},
        order_status_map={**cfg.order_status_map, **(ac.order_status_map or {})},
        error_map={**cfg.error_map, **(ac.error_map or {})},
        fees=ac.fees,
    )
