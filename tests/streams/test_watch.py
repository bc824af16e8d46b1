"""Fan-out of stream events to consumers: iterators, callbacks, conflation, overflow."""

from __future__ import annotations

import asyncio

import pytest

from tradeport.model.errors import SlowConsumer, SubscriptionError
from tradeport.streams.watch import Channel, Dispatcher, Watch

TRADES = Channel("trades", "BTC-USDT")
BOOK = Channel("book", "BTC-USDT")


class Venue:
    """Records what the dispatcher asks the venue to open and close."""

    def __init__(self, refuse: set[Channel] | None = None) -> None:
        self.opened: list[Channel] = []
        self.closed: list[Channel] = []
        self.refuse = refuse or set()

    async def open(self, channel: Channel) -> None:
        if channel in self.refuse:
            raise SubscriptionError("refused", topics=[str(channel)])
        self.opened.append(channel)

    async def close(self, channel: Channel) -> None:
        self.closed.append(channel)


def dispatcher(venue: Venue) -> Dispatcher:
    return Dispatcher(venue.open, venue.close)


async def test_two_consumers_share_one_venue_subscription() -> None:
    venue = Venue()
    d = dispatcher(venue)
    a: Watch[int] = await Watch(d, TRADES)
    b: Watch[int] = await Watch(d, TRADES)
    d.publish(TRADES, 1)
    d.publish(TRADES, 2)
    assert [await anext(a), await anext(a)] == [1, 2]
    assert [await anext(b), await anext(b)] == [1, 2]
    assert venue.opened == [TRADES]
    await a.close()
    assert venue.closed == []  # b still watches
    await b.close()
    assert venue.closed == [TRADES]


async def test_conflated_channel_gives_a_slow_reader_the_newest_state_only() -> None:
    d = dispatcher(Venue())
    w: Watch[str] = await Watch(d, BOOK)
    for state in ("s1", "s2", "s3"):
        d.publish(BOOK, state)
    assert await anext(w) == "s3"
    d.publish(BOOK, "s4")
    assert await anext(w) == "s4"


async def test_materialize_skips_what_the_consumer_must_not_see() -> None:
    d = dispatcher(Venue())
    w: Watch[int] = await Watch(d, TRADES, materialize=lambda x: x if x % 2 == 0 else None)
    for x in (1, 2, 3, 4):
        d.publish(TRADES, x)
    assert [await anext(w), await anext(w)] == [2, 4]


async def test_overflow_ends_the_reader_with_slow_consumer_not_silent_loss() -> None:
    d = dispatcher(Venue())
    w: Watch[int] = await Watch(d, TRADES, maxsize=3)
    for x in range(5):
        d.publish(TRADES, x)
    with pytest.raises(SlowConsumer):
        await anext(w)


async def test_refused_subscription_raises_and_leaves_no_consumer() -> None:
    venue = Venue(refuse={TRADES})
    d = dispatcher(venue)
    with pytest.raises(SubscriptionError):
        await Watch(d, TRADES)
    assert not d.watching(TRADES)


async def test_callback_form_and_a_raising_callback_does_not_stop_the_stream() -> None:
    d = dispatcher(Venue())
    seen: list[int] = []

    def on_trade(x: int) -> None:
        if x == 2:
            raise ValueError("consumer bug")
        seen.append(x)

    w: Watch[int] = await Watch(d, TRADES, callback=on_trade)
    for x in (1, 2, 3):
        d.publish(TRADES, x)
    assert seen == [1, 3]
    with pytest.raises(TypeError):
        await anext(w)
    await w.close()
    await asyncio.wait_for(w.wait_closed(), 1)


async def test_async_callbacks_run_as_tasks() -> None:
    d = dispatcher(Venue())
    done = asyncio.Event()

    async def on_trade(x: int) -> None:
        done.set()

    await Watch(d, TRADES, callback=on_trade)
    d.publish(TRADES, 1)
    await asyncio.wait_for(done.wait(), 1)


async def test_closing_the_dispatcher_ends_every_iterator() -> None:
    d = dispatcher(Venue())
    w: Watch[int] = await Watch(d, TRADES)
    reader = asyncio.create_task(anext(w, "ended"))
    await asyncio.sleep(0)
    d.close()
    assert await asyncio.wait_for(reader, 1) == "ended"
