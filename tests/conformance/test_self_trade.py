"""Self-trade prevention as each venue applies it by default: an account's taker that
meets its own resting order. Binance spot expires the maker (EXPIRE_MAKER, the order
ends EXPIRED_IN_MATCH); OKX cancels it (stpMode cancel_maker); Binance USDⓈ-M and
Bybit apply none unless the order asks, so the two orders trade."""

from tradeport.model import OrderStatus

from .conftest import SYMBOL, Venue

# venue -> status of the own maker the taker met
MAKER_EXPIRED = {
    "BINANCE___SPOT": OrderStatus.EXPIRED,
    "OKX___SPOT": OrderStatus.CANCELED,
    "OKX___SWAP": OrderStatus.CANCELED,
}


async def test_taker_meeting_its_own_maker_is_handled_as_the_venue_does(venue: Venue) -> None:
    inst = await venue.inst()
    bid, ask = await venue.touch()
    # the market quotes two ticks wide: a sell one tick above the bid is alone at the top
    assert ask - bid >= 2 * inst.tick_size
    inside = bid + inst.tick_size
    qty = await venue.small_qty()
    maker = await venue.client.make_order(SYMBOL, qty, inside, "sell-limit")
    taker = await venue.client.make_order(SYMBOL, qty, inside, "buy-limit")

    maker_now = await venue.client.query_order(SYMBOL, maker.order_id)
    taker_now = await venue.client.query_order(SYMBOL, taker.order_id)
    expected = MAKER_EXPIRED.get(venue.spec.key)
    if expected is not None:
        assert maker_now.status is expected
        assert maker_now.filled_qty == 0
        # nothing else sells at that price: the taker rests in the maker's place
        assert taker_now.status is OrderStatus.NEW
        assert taker_now.filled_qty == 0
    else:
        assert maker_now.status is OrderStatus.FILLED
        assert taker_now.status is OrderStatus.FILLED
