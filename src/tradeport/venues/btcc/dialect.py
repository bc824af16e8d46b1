"""BTCC trade API conventions for the pipeline (PROTOCOLS.md §6.2, §6.3) [?].

Every call but the product list is signed with the MD5 `sign` (auth.py); every call but
the login carries the session's `token` and `accountid`. GET parameters travel in the
query string, POST parameters as a form body [?]. Requests carry no timestamp, so there
is no clock to keep (the venue.yaml names no server-time call). Answers are
`{"code": 0, "msg": ..., <results>}`; a non-zero code is a refusal. No throttle codes
or rate-limit statuses are documented.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from tradeport.config.schema import RateLimitRule
from tradeport.model.errors import NotSupported
from tradeport.transport import codec
from tradeport.transport.http import Response
from tradeport.venues.btcc import messages as m
from tradeport.venues.btcc.auth import SIGN_FIELD, SignRule, param_text
from tradeport.venues.kit.dialect import Request, VenueError, foreign_answer

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True, slots=True)
class Session:
    """What the login answered: the token every later call carries, and the account."""

    token: str
    account_id: int
    account_no: str = ""  # what the quote stream logs in with


class BtccDialect:
    timestamp_refused: Collection[str] = ()
    throttled: Collection[str] = ()
    unknown_on_5xx = True
    ip_stop_status: int | None = None
    ip_stop_s = 0.0

    def __init__(
        self,
        credentials: Mapping[str, str],
        rule: SignRule,
        *,
        login_path: str,
        public_paths: Collection[str],
    ) -> None:
        """`credentials`: api_key, secret, user_name and password (the login's)."""
        self.credentials = dict(credentials)
        self.rule = rule
        self.login_path = login_path
        self.public_paths = frozenset(public_paths)
        self.session: Session | None = None

    def encode(self, method: str, path: str, params: Mapping[str, Any]) -> Request:
        if path in self.public_paths:
            return self._request(method, {k: param_text(v) for k, v in params.items()})
        return self._request(method, self._signed_fields(path, params))

    def sign(self, method: str, path: str, params: Mapping[str, Any], timestamp_ms: int) -> Request:
        return self._request(method, self._signed_fields(path, params))

    def _signed_fields(self, path: str, params: Mapping[str, Any]) -> dict[str, str]:
        fields = {k: param_text(v) for k, v in params.items()}
        if path != self.login_path:
            if self.session is None:
                raise NotSupported(f"{path} needs a session: log in first")
            fields["token"] = self.session.token
            fields["accountid"] = str(self.session.account_id)
        fields[SIGN_FIELD] = self.rule.sign(fields, self.credentials["secret"])
        return fields

    @staticmethod
    def _request(method: str, fields: Mapping[str, str]) -> Request:
        text = urlencode(fields)
        if method == "GET":
            return Request(query=text)
        return Request(body=text.encode(), headers=dict(FORM))

    def unwrap(self, resp: Response) -> bytes | VenueError:
        try:
            env = codec.decode(resp.body, m.Envelope, strict=False)
        except msgspec.DecodeError:
            return foreign_answer(resp)
        if env.code == 0 and resp.status < 400:
            return resp.body
        return VenueError(env.code, env.msg)

    def server_time(self, data: bytes) -> int:
        raise NotSupported("BTCC has no server time call")

    def observe(self, resp: Response, now_ms: int) -> None:
        return None

    def throttle_window(self, resp: Response, retry_after: float | None, now_ms: int) -> float:
        return 1.0 if retry_after is None else retry_after

    def broken_budget(self, resp: Response, rules: Sequence[RateLimitRule]) -> list[str] | None:
        return None
