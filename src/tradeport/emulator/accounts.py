"""API keys the emulator accepts and the funds each account starts with."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import msgspec
import yaml

from tradeport.config.loader import validation_error
from tradeport.model.errors import ConfigError


def _spot_funds() -> dict[str, Decimal]:
    return {
        "USDT": Decimal(100000),
        "BTC": Decimal(2),
        "ETH": Decimal(20),
        "DOGE": Decimal(100000),
    }


def _futures_funds() -> dict[str, Decimal]:
    return {"USDT": Decimal(100000)}


@dataclass
class EmulatorAccount:
    api_key: str
    secret: str = field(repr=False)
    spot_balances: dict[str, Decimal] = field(default_factory=_spot_funds)
    futures_balances: dict[str, Decimal] = field(default_factory=_futures_funds)
    # venues that ask for one at key creation (OKX's OK-ACCESS-PASSPHRASE)
    passphrase: str = field(default="", repr=False)


# Well-known credentials of the emulator (never valid anywhere else).
DEFAULT_ACCOUNTS: list[EmulatorAccount] = [
    EmulatorAccount(api_key="tp-emu-key-1", secret="tp-emu-secret-1", passphrase="tp-emu-pass-1"),
    EmulatorAccount(api_key="tp-emu-key-2", secret="tp-emu-secret-2", passphrase="tp-emu-pass-2"),
]


def load_accounts(path: str | Path) -> list[EmulatorAccount]:
    """Accounts from a YAML list of {api_key, secret, spot_balances, futures_balances};
    a bad file fails naming the file, the field and the reason."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), "<file>", exc.strerror or str(exc)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "<file>", _yaml_problem(exc)) from None
    try:
        accounts = msgspec.convert(data, list[EmulatorAccount])
    except msgspec.ValidationError as exc:
        raise validation_error(str(path), exc) from exc
    if not accounts:
        raise ConfigError(str(path), "<root>", "no accounts listed")
    return accounts


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and why the YAML is broken, without the quoted source line PyYAML adds
    (the line may hold a secret)."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    return "not valid YAML"


@dataclass(frozen=True)
class AccountRef:
    """An authenticated caller: its engine account id (the same in both markets)."""

    engine_id: str
    uid: int
    account: EmulatorAccount = field(repr=False)


class KeyRing:
    def __init__(self, accounts: list[EmulatorAccount]) -> None:
        if not accounts:
            raise ValueError("the emulator needs at least one account")
        keys = [a.api_key for a in accounts]
        if len(set(keys)) != len(keys):
            raise ValueError("api keys must be unique")
        self.refs = [AccountRef(f"user{i + 1}", 100_000_001 + i, a) for i, a in enumerate(accounts)]
        self._by_key = {r.account.api_key: r for r in self.refs}

    def find(self, api_key: str) -> AccountRef | None:
        return self._by_key.get(api_key)
