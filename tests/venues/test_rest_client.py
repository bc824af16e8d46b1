"""What every REST client does the same way (kit/rest_client.py)."""

import pytest

import tradeport as tp
from tradeport.model.errors import OrderNotFound, UnknownOrderState


async def not_listed() -> str:
    raise OrderNotFound("order 42 is not known")


async def listed() -> str:
    return "row of 42"


@pytest.mark.parametrize("key", ["BINANCE___SPOT", "BYBIT___SWAP", "OKX___SWAP"])
async def test_a_cancelled_order_the_venue_no_longer_lists_has_an_unknown_state(key: str) -> None:
    client = await tp.create_client(key, environment="live")
    try:
        assert await client._read_back_cancel("42", listed()) == "row of 42"
        with pytest.raises(UnknownOrderState, match="cancel of 42 acknowledged"):
            await client._read_back_cancel("42", not_listed())
    finally:
        await client.close()
