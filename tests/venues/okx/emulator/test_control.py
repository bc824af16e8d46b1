"""The OKX emulator's control surface: its keys with the passphrase, markets named in
either case, instruments by instId or by the library's BASE-QUOTE form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.emulator.accounts import DEFAULT_ACCOUNTS
from tradeport.model import AssetType
from tradeport.venues.okx.emulator.app import OkxEmulator


def test_describe_accounts_shows_the_passphrase_and_both_markets() -> None:
    lines = OkxEmulator(step_interval=None).describe_accounts()
    first = DEFAULT_ACCOUNTS[0]
    assert lines[0].startswith(
        f"api_key={first.api_key} secret={first.secret} passphrase={first.passphrase} spot: "
    )
    assert "; swap: " in lines[0]


def test_move_to_takes_an_inst_id_or_the_pair_in_either_case() -> None:
    emu = OkxEmulator(step_interval=None)
    swap = emu.engine("SWAP")
    target = swap.mark_price("BTC-USDT-SWAP") * Decimal("1.01")
    emu.move_to("SWAP", "BTC-USDT", target)
    assert swap.last_price("BTC-USDT-SWAP") is not None
    emu.move_market(AssetType.SPOT, "ETH-USDT", Decimal(100))
    emu.move_to("spot", "BTC-USDT", Decimal(100))


def test_move_to_names_what_it_does_not_know() -> None:
    emu = OkxEmulator(step_interval=None)
    with pytest.raises(ValueError, match="unknown swap instrument 'NOPE-USDT'"):
        emu.move_to("swap", "NOPE-USDT", Decimal(1))
    with pytest.raises(ValueError, match="market must be 'spot' or 'swap', not 'futures'"):
        emu.move_to("futures", "BTC-USDT", Decimal(1))
    with pytest.raises(ValueError, match="price must be a positive number"):
        emu.move_to("spot", "BTC-USDT", Decimal(0))
