"""Trade sessions of the BTCC emulator (PROTOCOLS.md §6.2) [?]: a login opens one (a
token for the account), every call and keep-alive on it counts as a sign of life, and a
session silent for `ttl_ms` lapses: its token is refused from then on. The venue's
own lifetime is not documented; it asks for a keep-alive every 20 s."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tradeport.emulator.accounts import AccountRef


@dataclass
class TradeSession:
    token: str
    account: AccountRef
    account_id: int
    last_seen_ms: int


class Sessions:
    def __init__(self, ttl_ms: int) -> None:
        self.ttl_ms = ttl_ms
        self._by_token: dict[str, TradeSession] = {}
        self.logins = 0

    def open(self, account: AccountRef, account_id: int, now_ms: int) -> TradeSession:
        session = TradeSession(secrets.token_hex(16), account, account_id, now_ms)
        self._by_token[session.token] = session
        self.logins += 1
        return session

    def live(self, token: str, now_ms: int) -> TradeSession | None:
        """The session of `token` if it has not lapsed; a lapsed one is forgotten."""
        session = self._by_token.get(token)
        if session is None:
            return None
        if now_ms - session.last_seen_ms > self.ttl_ms:
            del self._by_token[token]
            return None
        session.last_seen_ms = now_ms
        return session

    def expire_all(self) -> int:
        """End every session now (a test's or an operator's fault); how many ended."""
        count = len(self._by_token)
        self._by_token.clear()
        return count
