"""A key the venue does not know is refused as the unified InvalidApiKey, carrying the
venue's raw code, whatever HTTP status the venue answers it with (Bybit: 401)."""

import pytest

from tradeport.model.errors import InvalidApiKey

from .conftest import Venue


async def test_an_unknown_api_key_is_invalid_api_key(venue: Venue) -> None:
    client = await venue.connect(api_key="no-such-key-0000000000")
    try:
        with pytest.raises(InvalidApiKey) as refused:
            await client.get_balance()
        assert refused.value.code is not None
    finally:
        await client.close()
