"""venue.yaml validation names the file, the field and the reason."""

from pathlib import Path

import pytest

from tradeport.config import load_venue_config, parse_venue_config, resolve_asset
from tradeport.model.errors import ConfigError
from tradeport.venues import registry

MINIMAL = """
id: demo
display_name: Demo
venue_type: cex
rest_urls: {live: "https://example.invalid"}
"""


def test_every_registered_venue_config_loads() -> None:
    for spec in registry.list_venues():
        cfg = load_venue_config(spec.config_path)
        resolved = resolve_asset(cfg, spec.asset_type.value)
        assert resolved.rest_paths, spec.key


def test_rate_limit_rule_without_type_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "venue.yaml"
    bad.write_text(MINIMAL + "rate_limits:\n  - {name: w, interval: 60, limit: 10}\n")
    with pytest.raises(ConfigError) as info:
        load_venue_config(bad)
    err = info.value
    assert err.file == str(bad)
    assert err.field == "rate_limits[0].type"
    assert "missing required field" in err.reason


def test_unknown_rate_limit_type_is_rejected() -> None:
    with pytest.raises(ConfigError) as info:
        parse_venue_config(
            MINIMAL + "rate_limits:\n  - {name: w, type: leaky, interval: 60, limit: 10}\n",
            "v.yaml",
        )
    assert info.value.field == "rate_limits[0].type"


def test_unknown_error_kind_is_rejected() -> None:
    with pytest.raises(ConfigError) as info:
        parse_venue_config(MINIMAL + 'error_map: {"-1": no_such_kind}\n', "v.yaml")
    assert info.value.field == "error_map.-1" and "no_such_kind" in info.value.reason


def test_malformed_rest_path_is_rejected() -> None:
    text = MINIMAL + "assets:\n  spot:\n    rest_paths: {get_tick: '/no/method'}\n"
    with pytest.raises(ConfigError) as info:
        parse_venue_config(text, "v.yaml")
    assert info.value.field == "assets.spot.rest_paths.get_tick"


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ConfigError) as info:
        parse_venue_config(MINIMAL + "colour: blue\n", "v.yaml")
    assert "colour" in info.value.reason


def test_asset_values_override_venue_values() -> None:
    text = (
        MINIMAL
        + "kline_periods: {1m: 1m, 1h: 1h}\n"
        + "assets:\n  swap:\n    kline_periods: {1h: '60'}\n    rest_paths: {get_tick: 'GET /t'}\n"
    )
    resolved = resolve_asset(parse_venue_config(text, "v.yaml"), "swap")
    assert resolved.kline_periods == {"1m": "1m", "1h": "60"}


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_venue_config(tmp_path / "absent.yaml")
    assert info.value.field == "<file>"
