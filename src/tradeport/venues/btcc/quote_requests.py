"""One question on a quote stream connection of its own (PROTOCOLS.md §6.4) [?]: log in,
learn the `Dict`, send one request, read its one answer, close. `ReqKline` is such a
question: the answer (`Kline`) is history, not a stream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp

from tradeport.model.errors import AuthError, NetworkError
from tradeport.venues.btcc import stream_messages as sm
from tradeport.venues.btcc import stream_parse as sp
from tradeport.venues.btcc.symbols import SymbolTable
from tradeport.venues.btcc.ws_endpoints import LoginFields, login_frame

ANSWER_TIMEOUT = 10.0


async def ask(
    url: str,
    login: LoginFields,
    table: SymbolTable,
    request: Callable[[SymbolTable], str],
    answer: str,
    *,
    venue: str,
    timeout: float = ANSWER_TIMEOUT,
) -> str:
    """The text of the frame whose action is `answer`, after sending `request` (built
    once the dictionary is known). NetworkError if it does not come within `timeout`
    seconds or the connection fails; AuthError if the login is refused."""
    name, key = await login()
    try:
        async with asyncio.timeout(timeout):
            return await _ask(url, login_frame(name, key), table, request, answer, venue)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise NetworkError(f"quote stream {answer}: {exc or 'no answer'}", venue=venue) from exc


async def _ask(
    url: str,
    login: str,
    table: SymbolTable,
    request: Callable[[SymbolTable], str],
    answer: str,
    venue: str,
) -> str:
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_str(login)
        sent = False
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            action = sp.action_of(message.data)
            if action.action == sm.LOGIN and action.result != sm.SUCCESS:
                raise AuthError(f"quote stream login refused: {action.msg}", venue=venue)
            if action.action == sm.DICT:
                for row in sp.parse_dict(message.data):
                    table.add_quote_id(str(row.SecID), row.ShortName)
                await ws.send_str(request(table))
                sent = True
            elif sent and action.action == answer:
                if action.result != sm.SUCCESS:
                    raise NetworkError(f"{answer} refused: {action.msg}", venue=venue)
                text: str = message.data
                return text
    raise NetworkError(f"quote stream closed before its {answer}", venue=venue)
