"""The leverage cache file: where it lives, what it holds, how it is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradeport.execution.leverage import STATE_DIR_ENV, LeverageCache, cache_path, state_dir
from tradeport.model.errors import BadParameter, ConfigError


def test_state_dir_is_the_given_one_then_the_env_then_the_user_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "env"))
    assert state_dir(tmp_path / "given") == tmp_path / "given"
    assert state_dir() == tmp_path / "env"
    monkeypatch.delenv(STATE_DIR_ENV)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "tradeport"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "tradeport"


def test_one_file_per_venue_environment_and_account(tmp_path: Path) -> None:
    a = cache_path(tmp_path, "BINANCE___SWAP", "testnet", "main")
    b = cache_path(tmp_path, "BINANCE___SWAP", "live", "main")
    c = cache_path(tmp_path, "BINANCE___SWAP", "testnet", "../other")
    assert len({a, b, c}) == 3
    assert c.parent == tmp_path  # an account name cannot leave the directory


def test_values_survive_a_restart_and_the_file_is_replaced_whole(tmp_path: Path) -> None:
    path = cache_path(tmp_path / "new", "OKX___SWAP", "demo", "default")
    cache = LeverageCache(path)
    assert cache.get("BTC-USDT") is None
    cache.set("BTC-USDT", 5)
    cache.set("ETH-USDT", 3)
    assert json.loads(path.read_text()) == {"BTC-USDT": 5, "ETH-USDT": 3}
    assert LeverageCache(path).items() == [("BTC-USDT", 5), ("ETH-USDT", 3)]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_a_damaged_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "leverage.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        LeverageCache(path)
    path.write_text('{"BTC-USDT": "x"}')
    with pytest.raises(ConfigError, match="BTC-USDT"):
        LeverageCache(path)


def test_only_whole_leverages_are_kept(tmp_path: Path) -> None:
    cache = LeverageCache(tmp_path / "l.json")
    with pytest.raises(BadParameter, match="BTC-USDT"):
        cache.set("BTC-USDT", 0)


async def test_one_lock_per_symbol(tmp_path: Path) -> None:
    cache = LeverageCache(tmp_path / "l.json")
    assert cache.lock("BTC-USDT") is cache.lock("BTC-USDT")
    assert cache.lock("BTC-USDT") is not cache.lock("ETH-USDT")
    async with cache.lock("BTC-USDT"):
        assert not cache.lock("ETH-USDT").locked()
        assert cache.lock("BTC-USDT").locked()
