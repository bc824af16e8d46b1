"""Running `tradeport` as a user runs it: a finished command, a free port for a
server it starts, and reading a running command's output up to a line."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Mapping
from typing import IO


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeport.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """A running command whose output (stdout and stderr together) the test reads."""
    return subprocess.Popen(
        [sys.executable, "-m", "tradeport.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_until(stream: IO[str] | None, marker: str) -> str:
    """What a running command prints up to and including the line holding `marker`."""
    assert stream is not None
    lines: list[str] = []
    while not lines or marker not in lines[-1]:
        line = stream.readline()
        assert line, "".join(lines)  # the process ended before printing the marker
        lines.append(line)
    return "".join(lines)
