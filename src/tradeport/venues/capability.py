"""What a venue client can do. A capability is listed only when it works end to end."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    GET_SERVER_TIME = "get_server_time"
    GET_EXCHANGE_INFO = "get_exchange_info"
    GET_TICK = "get_tick"
    GET_DEPTH = "get_depth"
    GET_KLINE = "get_kline"
    GET_TRADES = "get_trades"
    MAKE_ORDER = "make_order"
    CANCEL_ORDER = "cancel_order"
    QUERY_ORDER = "query_order"
    GET_OPEN_ORDERS = "get_open_orders"
    GET_BALANCE = "get_balance"
    GET_ACCOUNT = "get_account"
    GET_POSITION = "get_position"
    SET_LEVERAGE = "set_leverage"
    GET_DEALS = "get_deals"
    WATCH_TICKER = "watch_ticker"
    WATCH_TRADES = "watch_trades"
    WATCH_KLINES = "watch_klines"
    WATCH_ORDER_BOOK = "watch_order_book"
    WATCH_PARTIAL_BOOK = "watch_partial_book"
    WATCH_QUOTES = "watch_quotes"
    WATCH_MARK_PRICE = "watch_mark_price"
    WATCH_ORDERS = "watch_orders"
    WATCH_FILLS = "watch_fills"
    WATCH_BALANCE = "watch_balance"
    WATCH_POSITIONS = "watch_positions"
    EMULATOR = "emulator"


MARKET_DATA = frozenset(
    {
        Capability.GET_SERVER_TIME,
        Capability.GET_EXCHANGE_INFO,
        Capability.GET_TICK,
        Capability.GET_DEPTH,
        Capability.GET_KLINE,
        Capability.GET_TRADES,
    }
)
TRADING = frozenset(
    {
        Capability.MAKE_ORDER,
        Capability.CANCEL_ORDER,
        Capability.QUERY_ORDER,
        Capability.GET_OPEN_ORDERS,
        Capability.GET_BALANCE,
        Capability.GET_ACCOUNT,
        Capability.GET_DEALS,
    }
)
DERIVATIVES = frozenset({Capability.GET_POSITION, Capability.SET_LEVERAGE})
PUBLIC_STREAMS = frozenset(
    {
        Capability.WATCH_TICKER,
        Capability.WATCH_TRADES,
        Capability.WATCH_KLINES,
        Capability.WATCH_ORDER_BOOK,
        Capability.WATCH_PARTIAL_BOOK,
        Capability.WATCH_QUOTES,
    }
)
PRIVATE_STREAMS = frozenset(
    {Capability.WATCH_ORDERS, Capability.WATCH_FILLS, Capability.WATCH_BALANCE}
)
DERIVATIVE_STREAMS = frozenset({Capability.WATCH_MARK_PRICE, Capability.WATCH_POSITIONS})
