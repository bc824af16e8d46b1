"""BTCC's MD5 `sign` (PROTOCOLS.md §6.2). Pure functions, nothing else.

`sign` is the lowercase hex MD5 of the request's parameters as `k=v&...` sorted by key
(ASCII), with the API secret in the string as `secret_key=<secret>`; the secret itself is
never sent. No worked example with an expected value is public, and the third-party
clients disagree on two details [?]:

- where `secret_key` goes: sorted in among the other keys (`sorted`), or appended after
  the sorted parameters (`appended`);
- whether the values are URL-encoded in the signed string (`*_encoded`) or not.

Each reading is one `SignRule`; the client takes the rule by name (`sign_rule=`) and the
emulator checks whichever it was started with. The default is `sorted`: the summary of
the venue's own PDF describes the secret as one of the sorted parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from tradeport.model.errors import BadParameter

SECRET_FIELD = "secret_key"
SIGN_FIELD = "sign"


@dataclass(frozen=True, slots=True)
class SignRule:
    """One reading of the rule: where the secret goes, and whether values are encoded."""

    name: str
    secret_last: bool
    encoded: bool

    def text(self, params: Mapping[str, object], secret: str) -> str:
        """The string that is hashed: the parameters (without `sign`) and the secret."""
        pairs = [(k, param_text(v)) for k, v in params.items() if k != SIGN_FIELD]
        if self.secret_last:
            pairs = [*sorted(pairs), (SECRET_FIELD, secret)]
        else:
            pairs = sorted([*pairs, (SECRET_FIELD, secret)])
        return "&".join(f"{k}={self._value(v)}" for k, v in pairs)

    def sign(self, params: Mapping[str, object], secret: str) -> str:
        return md5_hex(self.text(params, secret))

    def _value(self, text: str) -> str:
        return quote(text, safe="") if self.encoded else text


SIGN_RULES: dict[str, SignRule] = {
    rule.name: rule
    for rule in (
        SignRule("sorted", secret_last=False, encoded=False),
        SignRule("sorted_encoded", secret_last=False, encoded=True),
        SignRule("appended", secret_last=True, encoded=False),
        SignRule("appended_encoded", secret_last=True, encoded=True),
    )
}
DEFAULT_SIGN_RULE = "sorted"


def find_sign_rule(name: str) -> SignRule:
    """The rule called `name`; BadParameter naming the rules there are."""
    rule = SIGN_RULES.get(name)
    if rule is None:
        raise BadParameter(f"sign_rule {name!r}: expected one of {sorted(SIGN_RULES)}")
    return rule


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def param_text(value: object) -> str:
    """A parameter value as it is sent: booleans as `true` / `false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
