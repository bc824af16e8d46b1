"""The command line, run as a user runs it."""

import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import tradeport as tp
from tradeport.emulator.accounts import load_accounts
from tradeport.model.errors import ConfigError

ACCOUNTS = """
- api_key: alice
  secret: alice-secret
  spot_balances: {USDT: "5000", BTC: "0.5"}
  futures_balances: {USDT: "2500.5"}
"""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeport.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_venues_lists_binance_with_capabilities() -> None:
    out = run_cli("venues")
    assert out.returncode == 0, out.stderr
    assert "BINANCE___SPOT" in out.stdout and "BINANCE___SWAP" in out.stdout
    assert "set_leverage" in out.stdout


def test_emulate_serves_configured_accounts(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradeport.cli",
            "emulate",
            "binance",
            "--port",
            str(port),
            "--accounts",
            str(accounts),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(2)]
        assert f"127.0.0.1:{port}" in banner[0]
        assert "api_key=alice" in banner[1] and "BTC 0.5" in banner[1]
        client = tp.connect(
            "BINANCE___SWAP",
            environment="emulator",
            base_url=f"http://127.0.0.1:{port}",
            api_key="alice",
            secret="alice-secret",
        )
        with client:
            assert client.get_balance()["USDT"].total == Decimal("2500.5")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_emulate_with_a_bad_accounts_file_names_the_field(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("- api_key: bob\n  spot_balances: {USDT: lots}\n")
    with pytest.raises(ConfigError) as info:
        load_accounts(accounts)
    assert info.value.file == str(accounts) and "spot_balances" in info.value.field
    out = run_cli("emulate", "binance", "--port", "0", "--accounts", str(accounts))
    assert out.returncode == 1 and "spot_balances" in out.stdout


def test_emulate_unknown_venue_is_refused() -> None:
    out = run_cli("emulate", "nowhere")
    assert out.returncode != 0 and "no emulator" in (out.stdout + out.stderr)


def test_demo_runs_to_the_end() -> None:
    out = run_cli("demo")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "filled" in out.stdout and "position: flat" in out.stdout
    assert "Done" in out.stdout
