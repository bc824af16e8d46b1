"""The command line, run as a user runs it."""

import socket
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from tests.cli.cli_process import free_port, read_until, run_cli, start_cli

import tradeport as tp
from tradeport.emulator.accounts import load_accounts
from tradeport.model.errors import ConfigError

ACCOUNTS = """
- api_key: alice
  secret: alice-secret
  spot_balances: {USDT: "5000", BTC: "0.5"}
  futures_balances: {USDT: "2500.5"}
"""


def test_venues_lists_binance_with_capabilities() -> None:
    out = run_cli("venues")
    assert out.returncode == 0, out.stderr
    assert "BINANCE___SPOT" in out.stdout and "BINANCE___SWAP" in out.stdout
    assert "set_leverage" in out.stdout


def test_emulate_serves_configured_accounts(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    port = free_port()
    proc = start_cli("emulate", "binance", "--port", str(port), "--accounts", str(accounts))
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(2)]
        assert f"127.0.0.1:{port}" in banner[0]
        assert "api_key=***(redacted)" in banner[1] and "BTC 0.5" in banner[1]
        assert "alice" not in banner[1]
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


def test_emulate_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = run_cli("emulate", "bybit", "--port", str(port))
    assert out.returncode != 0
    assert out.stderr.strip() == f"tradeport emulate: port {port} is in use"
    assert "Traceback" not in out.stdout + out.stderr


SECRET_ACCOUNTS = """
- api_key: carol-api-key-0123456789
  secret: carol-secret-never-shown
  passphrase: carol-passphrase-never-shown
"""


def test_emulate_never_prints_the_secrets_of_an_accounts_file(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(SECRET_ACCOUNTS)
    port = free_port()
    proc = start_cli("emulate", "okx", "--port", str(port), "--accounts", str(accounts))
    try:
        banner = read_until(proc.stdout, "SWAP streams:")
    finally:
        proc.terminate()
        banner += proc.communicate(timeout=10)[0]
    assert "carol-secret" not in banner and "carol-passphrase" not in banner
    assert "carol-api-key-0123456789" not in banner
    assert "api_key=caro***(redacted)" in banner and "secret=***(redacted)" in banner


def test_a_broken_accounts_file_is_reported_without_its_lines(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("- api_key: dave\n  secret: dave-secret-never-shown: [\n")
    out = run_cli("emulate", "binance", "--port", "0", "--accounts", str(accounts))
    assert out.returncode == 1 and "not valid YAML at line" in out.stdout
    assert "dave-secret" not in out.stdout + out.stderr


def test_admin_endpoints_of_a_served_emulator_need_the_printed_token() -> None:
    port = free_port()
    proc = start_cli("emulate", "binance", "--port", str(port))
    try:
        token = read_until(proc.stdout, "admin token").split()[-1]
        url = f"http://127.0.0.1:{port}/_emulator/clock"
        body = b'{"skew_ms": 5000}'
        refused = post(url, body, {})
        admitted = post(url, body, {"X-Emulator-Token": token})
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert refused[0] == 401 and "X-Emulator-Token" in refused[1]
    assert admitted[0] == 200 and '"skew_ms":5000' in admitted[1]


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_emulate_unknown_venue_is_refused() -> None:
    out = run_cli("emulate", "nowhere")
    assert out.returncode != 0 and "no emulator" in (out.stdout + out.stderr)


def test_demo_runs_to_the_end() -> None:
    out = run_cli("demo")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "filled" in out.stdout and "position: flat" in out.stdout
    assert "Done" in out.stdout
    # the execution part: receipts with the venue's fee, a maker-first order that falls
    # back to taker, and the journal with no intent left open
    assert "(venue); slippage" in out.stdout
    maker_first = out.stdout.split("Maker-first")[1]
    # the fallback comes at the maker phase's end, or sooner when the moving market
    # makes the post-only orders take (and the venue refuses them)
    assert "  fallback (" in maker_first
    assert "finished (filled)" in maker_first
    assert "0 intents open" in out.stdout
    # the recording part: both books replayed from Parquet equal the live ones
    recorded = out.stdout.split("into Parquet for")[1]
    assert "dropped 0" in recorded
    assert recorded.count("equal") == 2 and "differs" not in recorded


def test_doctor_names_the_active_level_stores() -> None:
    out = run_cli("doctor")
    assert out.returncode == 0, out.stderr
    book = Path(tp.__file__).parent / "book"
    for what, extension in (("book", "_levels"), ("text", "_text_levels")):
        expected = "compiled" if list(book.glob(f"{extension}.*.so")) else "python"
        assert f"{what} level store: {expected}" in out.stdout
