"""BTCC trade API payloads (PROTOCOLS.md §6.2, §6.3). Field names come from third-party
clients; the answer keys that carry each result (`symbols`, `positions`, `pendings`,
`position`, `pending`, `account`) are how this project reads them [?]. Numbers may
come as JSON numbers or strings: decode with strict=False."""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Envelope(msgspec.Struct):
    """Every answer: `code` 0 on success, `msg`; results sit beside them."""

    code: int
    msg: str = ""


class LoginAccount(msgspec.Struct):
    id: int
    account_no: str = ""
    account_groupid: int = 0
    userid: int = 0
    balance: Decimal = Decimal(0)


class Login(msgspec.Struct):
    token: str
    account: LoginAccount


class Product(msgspec.Struct):
    name: str
    base_currency: str
    profit_currency: str
    digits: int
    volumes_min: Decimal
    volumes_max: Decimal
    volumes_step: Decimal
    contract_size: Decimal = Decimal(1)


class ProductList(msgspec.Struct):
    symbols: list[Product]


class AccountRow(msgspec.Struct):
    id: int
    balance: Decimal  # deposits plus realised profit, less fees [?]
    equity: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    free_margin: Decimal = Decimal(0)
    currency: str = "USDT"


class AccountAnswer(msgspec.Struct):
    account: AccountRow


class PositionRow(msgspec.Struct):
    id: int
    symbol: str
    direction: int  # 1 buy (long), 2 sell (short)
    volume: Decimal
    open_price: Decimal
    multiple: int  # the leverage of this position
    profit: Decimal = Decimal(0)  # unrealised [?]
    stop_loss: Decimal = Decimal(0)
    take_profit: Decimal = Decimal(0)
    refid: str = ""
    open_time: int = 0


class PositionList(msgspec.Struct):
    positions: list[PositionRow]
    total: int = 0


class PositionAnswer(msgspec.Struct):
    position: PositionRow


class CloseAnswer(msgspec.Struct):
    """A close: the position as it stands after it, and what was closed [?]."""

    position: PositionRow
    close_volume: Decimal
    close_price: Decimal
    profit: Decimal = Decimal(0)


class PendingRow(msgspec.Struct):
    id: int
    symbol: str
    type: int  # 1 limit open, 2 stop open, 3 limit close, 4 market stop loss, 5 take profit
    direction: int
    request_volume: Decimal
    request_price: Decimal
    status: int  # 1 pending, 2 filled, 3 cancelled [?]
    multiple: int = 0
    positionid: int = 0  # the position a close (types 3 to 5) acts on, or one opened
    filled_volume: Decimal = Decimal(0)
    filled_price: Decimal = Decimal(0)
    refid: str = ""
    create_time: int = 0
    update_time: int = 0


class PendingList(msgspec.Struct):
    pendings: list[PendingRow]


class PendingAnswer(msgspec.Struct):
    pending: PendingRow
