"""The leverage cache: what leverage each symbol was last confirmed at, per venue,
environment and account, kept in a JSON file in the user's state directory so that a
restarted port does not set again what is already in force.

The venue is the truth: the cache is written only after the venue confirmed a set, and
`ExecutionPort.connect` compares every entry with the venue (drift replaces it). One
file per venue + environment + account, written atomically (a temporary file in the
same directory, then `os.replace`), so a crash leaves the old file or the new one."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

from tradeport.model.errors import BadParameter, ConfigError

log = logging.getLogger("tradeport.execution.leverage")

STATE_DIR_ENV = "TRADEPORT_STATE_DIR"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def state_dir(given: str | os.PathLike[str] | None = None) -> Path:
    """Where the port keeps its state: `given`, else $TRADEPORT_STATE_DIR, else the
    platform's user state directory ($XDG_STATE_HOME/tradeport or
    ~/.local/state/tradeport on Linux; never a shared temporary directory)."""
    if given is not None:
        return Path(given)
    env = os.environ.get(STATE_DIR_ENV)
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "tradeport"
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "tradeport"
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else home / ".local" / "state") / "tradeport"


def cache_path(directory: Path, venue: str, environment: str, account: str) -> Path:
    parts = [_UNSAFE.sub("_", p) for p in (venue, environment, account)]
    return directory / f"leverage-{'-'.join(parts)}.json"


class LeverageCache:
    """symbol → the leverage last confirmed by the venue, persisted on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._values = self._load()
        self._locks: dict[str, asyncio.Lock] = {}

    def _load(self) -> dict[str, int]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(str(self.path), "<file>", f"cannot read: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(str(self.path), "<json>", f"not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(str(self.path), "<root>", "expected an object of symbol: leverage")
        for symbol, value in data.items():
            if type(value) is not int or value < 1:
                raise ConfigError(str(self.path), symbol, f"leverage {value!r} is not a count")
        return dict(data)

    def lock(self, symbol: str) -> asyncio.Lock:
        """The lock that serializes checking and setting `symbol`'s leverage."""
        lock = self._locks.get(symbol)
        if lock is None:
            lock = self._locks[symbol] = asyncio.Lock()
        return lock

    def get(self, symbol: str) -> int | None:
        return self._values.get(symbol)

    def items(self) -> list[tuple[str, int]]:
        return sorted(self._values.items())

    def set(self, symbol: str, leverage: int) -> None:
        """Record what the venue confirmed, and persist it at once."""
        if type(leverage) is not int or leverage < 1:
            raise BadParameter(f"leverage {leverage!r} of {symbol}: expected a whole number >= 1")
        if self._values.get(symbol) == leverage:
            return
        self._values[symbol] = leverage
        self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._values, sort_keys=True, indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".leverage-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
