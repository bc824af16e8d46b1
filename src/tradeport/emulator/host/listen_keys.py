"""Listen keys of a venue emulator: one live key per account.

The rules Binance USDⓈ-M and BingX share (PROTOCOLS.md §2.3, §5.3): a key is valid for
`validity_s` after its creation; a PUT extends it by as much again; a POST on an account
that already has a live key returns that same key and extends it; a DELETE closes it;
a PUT or DELETE of a key that expired or was deleted is refused with the venue's
`missing()` error, and only a new POST gives a (fresh) key.

Time is passed in (seconds, any monotonic clock) so the registry stays pure; the service
that owns it sweeps `due(now)` on a timer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_VALIDITY_S = 3600.0


@dataclass(slots=True)
class _Key:
    key: str
    account_id: str
    deadline: float


class ListenKeys:
    def __init__(
        self,
        validity_s: float = DEFAULT_VALIDITY_S,
        *,
        new_key: Callable[[], str],
        missing: Callable[[], Exception],
    ) -> None:
        """`new_key` makes a key in the venue's format; `missing()` is the venue's
        refusal of a key it does not know."""
        if validity_s <= 0:
            raise ValueError(f"validity_s must be positive, not {validity_s}")
        self.validity_s = validity_s
        self._new_key = new_key
        self._missing = missing
        self._by_account: dict[str, _Key] = {}
        self._by_key: dict[str, _Key] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def create(self, account_id: str, now: float) -> str:
        """The account's live key, extended, or a new one."""
        live = self._live_of(account_id, now)
        if live is not None:
            live.deadline = now + self.validity_s
            return live.key
        key = self._new_key()
        while key in self._by_key:
            key = self._new_key()
        entry = _Key(key, account_id, now + self.validity_s)
        self._by_account[account_id] = entry
        self._by_key[key] = entry
        return key

    def keepalive(self, account_id: str, now: float, key: str | None = None) -> str:
        """Extend the account's live key; -1125 when it has none (or `key` is not it)."""
        live = self._live_of(account_id, now)
        if live is None or (key is not None and key != live.key):
            raise self._missing()
        live.deadline = now + self.validity_s
        return live.key

    def delete(self, account_id: str, now: float, key: str | None = None) -> str:
        """Close the account's live key and return it; -1125 when there is none."""
        live = self._live_of(account_id, now)
        if live is None or (key is not None and key != live.key):
            raise self._missing()
        self._drop(live)
        return live.key

    def owner(self, key: str, now: float) -> str | None:
        """The account of a live key; None for an unknown, deleted or lapsed key."""
        entry = self._by_key.get(key)
        if entry is None or entry.deadline <= now:
            return None
        return entry.account_id

    def key_of(self, account_id: str, now: float) -> str | None:
        live = self._live_of(account_id, now)
        return None if live is None else live.key

    def due(self, now: float) -> list[tuple[str, str]]:
        """Remove and return (key, account) of every key whose validity has lapsed."""
        lapsed = [e for e in self._by_key.values() if e.deadline <= now]
        for entry in lapsed:
            self._drop(entry)
        return [(e.key, e.account_id) for e in lapsed]

    def expire_all(self) -> list[tuple[str, str]]:
        """Remove and return every key (a forced expiry)."""
        entries = list(self._by_key.values())
        for entry in entries:
            self._drop(entry)
        return [(e.key, e.account_id) for e in entries]

    def next_deadline(self) -> float | None:
        return min((e.deadline for e in self._by_key.values()), default=None)

    def _live_of(self, account_id: str, now: float) -> _Key | None:
        entry = self._by_account.get(account_id)
        if entry is None or entry.deadline <= now:
            return None
        return entry

    def _drop(self, entry: _Key) -> None:
        self._by_key.pop(entry.key, None)
        if self._by_account.get(entry.account_id) is entry:
            del self._by_account[entry.account_id]
