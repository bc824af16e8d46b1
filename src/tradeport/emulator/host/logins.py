"""Private stream logins: the key lookup and signature check every venue's login does,
and the logged-in connections of a private path, by account.

A venue's login message, its string to sign, its timestamp rule and its refusal codes
stay the venue's; this is what is left once those are said.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from tradeport.emulator.accounts import AccountRef, KeyRing
from tradeport.emulator.host.decoding import signature_matches
from tradeport.emulator.ws import StreamConnection

L = TypeVar("L", bound="LoginSession")
__all__ = ["LoginSession", "Logins", "signature_matches"]


class LoginSession(Protocol):
    account: AccountRef | None  # set by a successful login

    @property
    def conn(self) -> StreamConnection: ...


class Logins(Generic[L]):
    """The logged-in connections of one private stream path."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys
        self._sessions: dict[int, L] = {}

    def find(self, api_key: object) -> AccountRef | None:
        """The account of `api_key`, if it is a known key."""
        return self.keys.find(api_key) if isinstance(api_key, str) and api_key else None

    def log_in(self, session: L, account: AccountRef) -> None:
        session.account = account
        self._sessions[session.conn.id] = session

    def drop(self, session: L) -> None:
        self._sessions.pop(session.conn.id, None)

    @property
    def sessions(self) -> list[L]:
        return list(self._sessions.values())

    def of_account(self, account_id: str) -> list[L]:
        """The connections logged in as `account_id`, in login order."""
        return [
            s
            for s in self._sessions.values()
            if s.account is not None and s.account.engine_id == account_id
        ]
