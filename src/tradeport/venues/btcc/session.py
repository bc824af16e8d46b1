"""The BTCC trade session (PROTOCOLS.md §6.2) [?]: `POST /v1/user/login` answers a token
and the account; every later call carries them; `GET /v1/user/keepalive` every 20 s
keeps the session, which otherwise lapses. A call refused for its session (unknown or
lapsed token) was not acted upon: the session is renewed and the call sent once more.
After a renewal the caller's `on_login` reconciles what it holds (positions, orders).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tradeport.model.errors import AuthError, BadParameter, TradeportError
from tradeport.venues.btcc import messages as m
from tradeport.venues.btcc.dialect import BtccDialect, Session
from tradeport.venues.kit.rest import RestPipeline
from tradeport.venues.readiness import Readiness

log = logging.getLogger("tradeport.venues.btcc")
# the code of a call refused for its session token (this project's emulator's
# numbering; the venue's is not public) [?]
SESSION_REFUSED = frozenset({"1003"})
KEEPALIVE_S = 20.0
COMPANY_ID = 1  # the one value the sources show [?]


def session_refused(exc: TradeportError) -> bool:
    return isinstance(exc, AuthError) and str(exc.code) in SESSION_REFUSED


class SessionKeeper:
    def __init__(
        self,
        rest: RestPipeline,
        dialect: BtccDialect,
        readiness: Readiness,
        *,
        venue: str,
        keepalive_s: float = KEEPALIVE_S,
        on_login: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.rest = rest
        self.dialect = dialect
        self.readiness = readiness
        self.venue = venue
        self.keepalive_s = keepalive_s
        self.on_login = on_login
        self.logins = 0
        self._lock = asyncio.Lock()
        self._logged_in = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    @property
    def session(self) -> Session | None:
        return self.dialect.session

    async def ensure(self) -> Session:
        """The session, logging in first when there is none."""
        session = self.dialect.session
        if session is not None:
            return session
        async with self._lock:
            if self.dialect.session is None:
                await self._login()
        assert self.dialect.session is not None
        return self.dialect.session

    async def renew(self, stale: Session | None) -> Session:
        """A new session in place of `stale` (once, however many calls found it
        refused), then the caller's reconciliation."""
        renewed = False
        async with self._lock:
            if self.dialect.session is stale or self.dialect.session is None:
                log.info("%s: session lost, logging in again", self.venue)
                self.dialect.session = None
                self.readiness.set_down("user")
                await self._login()
                renewed = True
        # outside the lock: the reconciliation's own calls may find the session refused
        if renewed and self.on_login is not None:
            await self.on_login()
        assert self.dialect.session is not None
        return self.dialect.session

    async def call(self, name: str, params: Mapping[str, Any], *, mutation: bool = False) -> bytes:
        """One call within the session; a refusal of the session renews it and sends
        the call once more (the venue did not act on it)."""
        session = await self.ensure()
        idempotent = False if mutation else None
        try:
            return await self.rest.call(name, params, signed=mutation, idempotent=idempotent)
        except AuthError as exc:
            if not session_refused(exc):
                raise
        await self.renew(session)
        return await self.rest.call(name, params, signed=mutation, idempotent=idempotent)

    async def _login(self) -> None:
        creds = self.dialect.credentials
        missing = [name for name, value in creds.items() if not value]
        if missing:
            raise BadParameter(f"logging in to {self.venue} needs {', '.join(missing)}")
        params = {
            "user_name": creds["user_name"],
            "password": creds["password"],
            "company_id": COMPANY_ID,
            "api_key": creds["api_key"],
        }
        raw = await self.rest.call("login", params)
        answer = self.rest.decode("login", raw, m.Login, strict=False)
        account = answer.account
        self.dialect.session = Session(answer.token, account.id, account.account_no)
        async with self._logged_in:
            self.logins += 1
            self._logged_in.notify_all()
        self.readiness.set_up("user")
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._keep_alive(), name=f"{self.venue} keepalive")

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive_s)
            session = self.dialect.session
            try:
                await self.rest.call("keepalive", {})
            except TradeportError as exc:
                if session_refused(exc):
                    await self._renew_quietly(session)
                else:
                    # the next beat (or the next call) tries again
                    log.warning("%s: keepalive failed: %s", self.venue, exc)

    async def _renew_quietly(self, stale: Session | None) -> None:
        try:
            await self.renew(stale)
        except TradeportError as exc:
            log.warning("%s: logging in again failed: %s", self.venue, exc)

    async def wait_logins(self, count: int) -> None:
        """Until the session has been opened `count` times (the first login counts)."""
        async with self._logged_in:
            await self._logged_in.wait_for(lambda: self.logins >= count)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
