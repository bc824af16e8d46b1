"""`tradeport trade`: intents and algorithms run through an execution port against an
in-process Binance USDⓈ-M emulator, as a user runs them, with the journal as witness."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.cli_process import free_port, read_until, start_cli
from typer.testing import CliRunner

from tradeport.cli import app
from tradeport.execution.intent import ReceiptStatus
from tradeport.execution.journal import Journal, JournalEvent, receipt_from_dict

WIDE = {"COLUMNS": "220"}
# far under the emulator's BTC-USDT market (about 65,000), inside its price band
RESTING_PRICE = "60000"


def trade(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["trade", *args], env=WIDE)
    return result.exit_code, result.output


def journal_events(path: Path) -> list[JournalEvent]:
    with Journal(path, create=False) as journal:
        assert journal.open_intents() == []  # every intent ended in a terminal receipt
        return journal.events()


def last_receipt(events: list[JournalEvent], intent_id: str) -> ReceiptStatus:
    receipts = [e for e in events if e.kind == "receipt" and e.intent_id == intent_id]
    return receipt_from_dict(receipts[-1].data).status


def test_trade_enters_at_market_and_journals_every_step(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    code, out = trade(
        "enter", "long", "0.01", "--leverage", "3", "--intent-id", "cli1", "--journal", str(path)
    )
    assert code == 0, out
    (row,) = [line for line in out.splitlines() if line.startswith("│ cli1")]
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[1:4] == ["buy", "filled", "0.01"]
    assert cells[5].endswith("USDT") and cells[6] == "venue"  # the fee from the fills
    assert cells[7] != "-"  # slippage against the mark at submit
    events = journal_events(path)
    kinds = [e.kind for e in events if e.intent_id == "cli1"]
    assert kinds[:3] == ["intent", "request", "ack"] and kinds[-1] == "receipt"
    assert last_receipt(events, "cli1") is ReceiptStatus.FILLED


def test_trade_exit_without_a_position_is_refused_and_exits_1(tmp_path: Path) -> None:
    code, out = trade("exit", "long", "0.01", "--journal", str(tmp_path / "j.db"))
    assert code == 1
    assert "rejected" in out and "ReduceOnlyRejected" in out
    requests = [e for e in journal_events(tmp_path / "j.db") if e.kind == "request"]
    assert requests == []  # nothing was sent


def test_a_resting_limit_is_cancelled_when_its_wait_runs_out(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    code, out = trade(
        "enter", "long", "0.01", "--type", "limit", "--price", RESTING_PRICE,
        "--wait", "0.5", "--intent-id", "rest1", "--journal", str(path),
    )  # fmt: skip
    assert code == 0, out
    assert "venue answered: accepted" in out and "cancelled after 0.5 s" in out
    events = journal_events(path)
    assert [e.kind for e in events if e.kind == "cancel"] == ["cancel"]
    assert last_receipt(events, "rest1") is ReceiptStatus.CANCELLED


def test_twap_runs_its_slices_as_journalled_child_intents(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    code, out = trade(
        "enter", "long", "0.02", "--algo", "twap", "--slices", "2", "--duration", "0.4",
        "--intent-id", "tw", "--journal", str(path),
    )  # fmt: skip
    assert code == 0, out
    assert "finished (filled)" in out
    events = journal_events(path)
    children = sorted({e.intent_id for e in events if e.kind == "intent"})
    assert children == ["tws1t", "tws2t"]
    assert all(last_receipt(events, c) is ReceiptStatus.FILLED for c in children)


def test_maker_first_ends_filled_as_maker_or_by_its_taker_fallback(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    code, out = trade(
        "enter", "short", "0.01", "--algo", "maker-first", "--timeout", "1",
        "--intent-id", "mf", "--journal", str(path),
    )  # fmt: skip
    assert code == 0, out
    assert "started (maker_first)" in out and "finished (filled)" in out
    events = journal_events(path)
    children = [e.intent_id for e in events if e.kind == "intent"]
    assert children and all(c is not None and c.startswith("mf") for c in children)
    # post-only makers first ("mf m1", "mf m2"…), a taker ("mf t") only as the fallback
    assert children[0] == "mfm1"
    assert last_receipt(events, children[-1]) is ReceiptStatus.FILLED


def test_bad_trade_arguments_are_named(tmp_path: Path) -> None:
    code, out = trade("enter", "long", "0.01", "--algo", "vwap")
    assert code == 1 and "algo 'vwap'" in out
    code, out = trade("enter", "long", "0.01", "--type", "limit")
    assert code == 1 and "needs a limit_price" in out
    code, out = trade("enter", "sideways", "0.01")
    assert code == 1 and "side 'sideways'" in out
    code, out = trade("enter", "long", "0")
    assert code == 1 and "size 0: must be greater than zero" in out


def test_ctrl_c_cancels_a_resting_order_before_exiting(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradeport.cli", "trade", "enter", "long", "0.01",
         "--type", "limit", "--price", RESTING_PRICE, "--wait", "600",
         "--intent-id", "int1", "--journal", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | WIDE | {"PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        read_until(proc.stdout, "venue answered: accepted")  # the order rests
        proc.send_signal(signal.SIGINT)
        rest, errors = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, errors
    assert "interrupted" in rest and "Traceback" not in errors
    events = journal_events(path)
    cancels = [e for e in events if e.kind == "cancel"]
    assert len(cancels) == 1 and cancels[0].data.get("reason") == "interrupted"
    assert last_receipt(events, "int1") is ReceiptStatus.CANCELLED


ACCOUNTS = """
- api_key: erin
  secret: erin-secret
  futures_balances: {USDT: "20000"}
"""


def test_trade_against_a_running_emulator_enters_then_exits_across_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the leverage cache of a named venue lives in the state directory: this test's own
    monkeypatch.setenv("TRADEPORT_STATE_DIR", str(tmp_path / "state"))
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    port = free_port()
    proc = start_cli(
        "emulate", "binance", "--port", str(port), "--accounts", str(accounts),
        env=os.environ | WIDE,
    )  # fmt: skip
    try:
        banner = read_until(proc.stdout, "admin token")
        (streams,) = [line.split()[-1] for line in banner.splitlines() if "SWAP streams" in line]
        path = tmp_path / "journal.db"
        login = [
            "--base-url", f"http://127.0.0.1:{port}", "--ws-url", streams,
            "--api-key", "erin", "--secret", "erin-secret", "--journal", str(path),
        ]  # fmt: skip
        code, out = trade("enter", "short", "0.01", "--leverage", "2", "--intent-id", "e1", *login)
        assert code == 0, out
        code, out = trade("exit", "short", "0.01", "--intent-id", "x1", *login)
        assert code == 0, out
        # the same intent id again is the same order, never a second one
        code, again = trade("exit", "short", "0.01", "--intent-id", "x1", *login)
        assert code == 0, again
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    events = journal_events(path)
    assert last_receipt(events, "e1") is ReceiptStatus.FILLED
    assert last_receipt(events, "x1") is ReceiptStatus.FILLED
    assert sum(e.kind == "request" and e.intent_id == "x1" for e in events) == 1
    assert list((tmp_path / "state").iterdir())  # the leverage cache was written there
