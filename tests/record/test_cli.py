"""`tradeport record` and `tradeport replay`, run as a user runs them."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
from psycopg import sql
from tests.cli.cli_process import run_cli, start_cli

from tradeport.record import read_events
from tradeport.record.events import Channel, Marker, RawEvent

# a recording of the Binance swap emulator the command starts itself
RECORD_EMULATED = ("record", "BINANCE___SWAP", "--environment", "emulator")


def test_record_a_bounded_sample_then_replay_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    recorded = run_cli(
        *RECORD_EMULATED,
        "--all-perps",
        "--top",
        "2",
        "--sink",
        f"parquet:{data}",
        "--max-events",
        "40",
        "--raw",
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert "recording 2 contracts of BINANCE___SWAP" in recorded.stdout
    assert list(data.rglob("*.tmp")) == []
    events = list(read_events(data))
    assert (
        sum(e.channel is Channel.BOOK for e in events)
        + sum(e.channel is Channel.TRADES for e in events)
        >= 40
    )
    assert len({e.symbol for e in events}) == 2
    assert {e.symbol for e in events if isinstance(e, RawEvent)} == {e.symbol for e in events}

    replayed = run_cli("replay", str(data))
    assert replayed.returncode == 0, replayed.stdout
    assert "whole" in replayed.stdout and "valid at" in replayed.stdout


def test_ctrl_c_finishes_every_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = start_cli(*RECORD_EMULATED, "--symbol", "BTC-USDT", "--sink", f"parquet:{data}")
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert "recording 1 contracts" in line, line
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    assert "every file is finished" in out
    assert list(data.rglob("*.tmp")) == []
    files = list(data.rglob("*.parquet"))
    assert files  # at least the start markers
    for path in files:
        pq.read_table(path)


def test_a_bad_sink_is_named() -> None:
    result = run_cli("record", "BINANCE___SWAP", "--symbol", "BTC-USDT", "--sink", "ftp://x")
    assert result.returncode == 1
    assert "ftp://x" in result.stdout


def test_record_into_postgres_then_replay_from_it() -> None:
    schema = f"tptest_{uuid.uuid4().hex[:12]}"
    url = f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    try:
        recorded = run_cli(
            *RECORD_EMULATED,
            "--symbol",
            "BTC-USDT",
            "--sink",
            url,
            "--max-events",
            "30",
        )
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        with psycopg.connect(url.partition("?")[0]) as conn:
            (rows,) = conn.execute(
                sql.SQL("SELECT count(*) FROM {}.book").format(sql.Identifier(schema))
            ).fetchone() or (0,)
        assert rows >= 2  # a start marker and at least a snapshot

        replayed = run_cli("replay", url)
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert "whole" in replayed.stdout and "valid at" in replayed.stdout
    finally:
        with psycopg.connect(url.partition("?")[0], autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def test_record_on_uvloop(tmp_path: Path) -> None:
    data = tmp_path / "data"
    recorded = run_cli(
        *RECORD_EMULATED,
        "--symbol",
        "BTC-USDT",
        "--sink",
        f"parquet:{data}",
        "--max-events",
        "20",
        "--loop",
        "uvloop",
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    events = list(read_events(data, channel=Channel.BOOK))
    assert any(e.channel is Channel.BOOK and not isinstance(e, Marker) for e in events)


def test_an_unknown_event_loop_is_named() -> None:
    result = run_cli(*RECORD_EMULATED, "--symbol", "BTC-USDT", "--loop", "trio")
    assert result.returncode == 1
    assert "event loop 'trio'" in result.stdout
