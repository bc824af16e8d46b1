"""`tradeport journal PATH`: a journal file written by the execution code, listed,
filtered and tailed as a user runs it."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from tests.cli.cli_process import read_until
from typer.testing import CliRunner

from tradeport.cli import app
from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentSide,
    ReceiptStatus,
)
from tradeport.execution.journal import Journal, intent_to_dict, receipt_to_dict
from tradeport.journal_view import JournalFilter, follow_step, journal_table
from tradeport.model import Side

VENUE = "BINANCE___SWAP"
WIDE = {"COLUMNS": "220"}


def write_trade(journal: Journal, intent_id: str) -> None:
    """An intent entered with a market order, as the port records it."""
    intent = Intent(
        asset="BTC-USDT",
        side=IntentSide.LONG,
        action=IntentAction.ENTER,
        size=Decimal("0.0500"),
        leverage=3,
        intent_id=intent_id,
    )
    cid = f"tp{intent_id}"
    common = {"intent_id": intent_id, "venue": VENUE, "symbol": "BTC-USDT"}
    journal.record("intent", **common, data=intent_to_dict(intent) | {"client_order_id": cid})
    journal.record("request", **common, data={"client_order_id": cid, "type": "market"})
    journal.record("ack", **common, data={"order_id": "77", "status": "filled"})
    receipt = ExecutionReceipt(
        intent_id=intent_id, venue=VENUE, symbol="BTC-USDT", status=ReceiptStatus.FILLED,
        client_order_id=cid, order_id="77", side=Side.BUY, filled_qty=Decimal("0.0500"),
        avg_price=Decimal("60010.0"), fee=Decimal("1.20020"), fee_asset="USDT",
        fee_source=FeeSource.VENUE, mark_at_submit=Decimal("60000"),
        slippage_bps=Decimal("1.6666666"),
    )  # fmt: skip
    journal.record("receipt", **common, data=receipt_to_dict(receipt))


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        write_trade(journal, "first")
        write_trade(journal, "second")
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["journal", *args], env=WIDE)
    return result.exit_code, result.output


def test_journal_lists_every_event_with_a_readable_summary(journal_file: Path) -> None:
    code, out = invoke(str(journal_file))
    assert code == 0, out
    rows = [line for line in out.splitlines() if "BINANCE___SWAP" in line]
    assert len(rows) == 8
    assert rows[0].split("│")[1].strip() == "1" and rows[-1].split("│")[1].strip() == "8"
    assert "enter long 0.05 market 3x, client id tpfirst" in rows[0]
    assert "client_order_id=tpfirst type=market" in rows[1]
    assert "filled 0.05 @ 60010, fee 1.2002 USDT (venue), slippage 1.67 bps" in rows[3]


def test_journal_filters_by_intent_kind_and_limit(journal_file: Path) -> None:
    code, out = invoke(str(journal_file), "--intent", "second")
    assert code == 0 and "second" in out and "first" not in out
    code, out = invoke(str(journal_file), "--kind", "receipt")
    assert code == 0 and out.count("filled 0.05") == 2 and "request" not in out
    code, out = invoke(str(journal_file), "--limit", "2")
    rows = [line for line in out.splitlines() if "BINANCE___SWAP" in line]
    assert code == 0 and [r.split("│")[3].strip() for r in rows] == ["ack", "receipt"]
    code, out = invoke(str(journal_file), "--limit", "2", "--all")
    assert code == 0 and sum("BINANCE___SWAP" in line for line in out.splitlines()) == 8


def test_journal_of_a_missing_file_fails_without_creating_it(tmp_path: Path) -> None:
    code, out = invoke(str(tmp_path / "nope.db"))
    assert code == 1 and "no such file" in out
    assert not (tmp_path / "nope.db").exists()


def test_journal_with_an_unknown_kind_names_it(journal_file: Path) -> None:
    code, out = invoke(str(journal_file), "--kind", "order")
    assert code == 1 and "'order'" in out and "receipt" in out


def test_one_follow_step_prints_only_the_new_matching_events(journal_file: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, width=220)
    with Journal(journal_file) as journal:
        assert follow_step(journal, JournalFilter(), 8, console) == 8
        assert screen.getvalue() == ""
        write_trade(journal, "third")
        only_receipts = JournalFilter(kind="receipt")
        assert follow_step(journal, only_receipts, 8, console) == 12
    printed = screen.getvalue()
    assert "third" in printed and "filled 0.05" in printed and "request" not in printed
    assert "seq" not in printed  # rows only: the header was printed with the first page


def test_follow_prints_new_events_and_stops_cleanly_on_ctrl_c(journal_file: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradeport.cli", "journal", str(journal_file), "--follow",
         "--interval", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | WIDE | {"PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        shown = read_until(proc.stdout, "second")
        while "└" not in shown.splitlines()[-1]:  # the first page's table is complete
            shown += read_until(proc.stdout, "└")
        with Journal(journal_file) as journal:
            write_trade(journal, "live")
        read_until(proc.stdout, "live")
        proc.send_signal(signal.SIGINT)
        rest, errors = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, errors
    assert "stopped" in rest and "Traceback" not in errors


def test_a_folded_table_names_the_one_venue_and_symbol_in_its_title(
    journal_file: Path, tmp_path: Path
) -> None:
    out = io.StringIO()
    console = Console(file=out, width=100)
    with Journal(journal_file) as journal:
        console.print(journal_table(journal.events(), title="journal", fold_constant=True))
        assert all(len(line) <= 100 for line in out.getvalue().splitlines())
        text = out.getvalue()
        assert "journal (BINANCE___SWAP BTC-USDT " in text and " UTC)" in text
        assert "┃ venue " not in text and text.count("BINANCE___SWAP") == 1
        # every event stays on one line: the summary column has room without them
        assert "enter long 0.05 market 3x, client id tpfirst" in text
        # two venues: the venue column stays, the symbol (one for all) is folded
        with Journal(tmp_path / "two.db") as two:
            write_trade(two, "a")
            two.record("intent", intent_id="b", venue="OKX___SWAP", symbol="BTC-USDT", data={})
            out.seek(0)
            out.truncate()
            console.print(journal_table(two.events(), title="journal", fold_constant=True))
        text = out.getvalue()
        assert "journal (BTC-USDT " in text and "┃ venue " in text and "OKX___SWAP" in text
        # a row without a symbol (a state snapshot) does not keep the column
        with Journal(tmp_path / "three.db") as three:
            write_trade(three, "c")
            three.record("snapshot", data={"capital": "1"})
            out.seek(0)
            out.truncate()
            console.print(journal_table(three.events(), title="j", fold_constant=True))
        text = out.getvalue()
        assert "j (BINANCE___SWAP BTC-USDT " in text and "┃ symbol " not in text
        assert "┃ time " in text and "┃ time (UTC)" not in text
