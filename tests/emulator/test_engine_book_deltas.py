from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.emulator.engine import (
    BookDelta,
    BookView,
    Engine,
    OrderRequest,
    Reject,
    RejectReason,
)
from tradeport.emulator.market import SyntheticMarket

from .builders import BTC, DOGE, Clock, D

ALL = 100_000
EXPECTED = {
    RejectReason.NO_LIQUIDITY,
    RejectReason.FOK_NOT_FILLABLE,
    RejectReason.POST_ONLY_WOULD_TAKE,
}


class LocalBook:
    """A client-side book kept from a snapshot plus deltas, the way a stream consumer does."""

    def __init__(self, snapshot: BookView) -> None:
        self.update_id = snapshot.update_id
        self.bids = dict(snapshot.bids)
        self.asks = dict(snapshot.asks)
        self.last_delta: BookDelta | None = None

    def apply(self, delta: BookDelta) -> None:
        assert delta.first_update_id == self.update_id + 1, "gap or overlap in update ids"
        assert delta.prev_update_id == self.update_id
        assert delta.last_update_id >= delta.first_update_id
        for levels, side in ((delta.bids, self.bids), (delta.asks, self.asks)):
            for price, qty in levels:
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty
        self.update_id = delta.last_update_id

    def matches(self, view: BookView) -> bool:
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        return (self.update_id, bids, asks) == (view.update_id, view.bids, view.asks)


def follow(engine: Engine, symbol: str) -> LocalBook:
    book = LocalBook(engine.depth(symbol, ALL))
    engine.subscribe(
        lambda event: (
            book.apply(event) if isinstance(event, BookDelta) and event.symbol == symbol else None
        )
    )
    return book


_action = st.tuples(
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["BUY", "SELL"]),
    st.sampled_from(["GTC", "GTC", "GTC", "IOC", "FOK", "GTX", "MARKET", "CANCEL", "CANCEL_ALL"]),
    st.integers(1, 30),  # quantity in steps of 0.1
    st.integers(-6, 6),  # price in ticks of 1 around 60000
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_action, min_size=1, max_size=60))
def test_deltas_replayed_on_a_snapshot_reproduce_depth_at_every_step(actions: list) -> None:
    engine = Engine("spot", [BTC], clock=Clock())
    for account in ("a", "b", "c"):
        engine.open_account(account, {"BTC": D(1_000), "USDT": D(100_000_000)})
    engine.place("a", OrderRequest("BTCUSDT", "BUY", "LIMIT", D(1), D(59_990)))
    local = follow(engine, "BTCUSDT")
    for account, side, kind, steps, ticks in actions:
        qty, price = D("0.1") * steps, D(60_000 + ticks)
        try:
            if kind == "CANCEL":
                orders = engine.open_orders(account, "BTCUSDT")
                if orders:
                    engine.cancel(account, "BTCUSDT", orders[steps % len(orders)].order_id)
            elif kind == "CANCEL_ALL":
                engine.cancel_all(account, "BTCUSDT")
            elif kind == "MARKET":
                engine.place(account, OrderRequest("BTCUSDT", side, "MARKET", qty))
            else:
                engine.place(account, OrderRequest("BTCUSDT", side, "LIMIT", qty, price, kind))
        except Reject as reject:  # changes nothing; the book must still match below
            assert reject.reason in EXPECTED, reject
        assert local.matches(engine.depth("BTCUSDT", ALL))


def test_every_level_change_bumps_the_update_id_by_one() -> None:
    engine = Engine("spot", [BTC], clock=Clock())
    engine.open_account("a", {"BTC": D(10), "USDT": D(1_000_000)})
    deltas: list[BookDelta] = []
    engine.subscribe(lambda e: deltas.append(e) if isinstance(e, BookDelta) else None)
    engine.place("a", OrderRequest("BTCUSDT", "SELL", "LIMIT", D(1), D(60_000)))
    engine.place("a", OrderRequest("BTCUSDT", "SELL", "LIMIT", D(1), D(60_001)))
    engine.place("a", OrderRequest("BTCUSDT", "BUY", "MARKET", D("1.5")))  # two levels change
    assert [(d.first_update_id, d.last_update_id, d.prev_update_id) for d in deltas] == [
        (1, 1, 0),
        (2, 2, 1),
        (3, 4, 2),
    ]
    assert deltas[-1].asks == [(D(60_000), D(0)), (D(60_001), D("0.5"))]
    assert engine.depth("BTCUSDT", 5).update_id == 4


def test_a_batch_publishes_one_delta_covering_all_its_changes() -> None:
    engine = Engine("spot", [BTC], clock=Clock())
    engine.open_account("a", {"BTC": D(10), "USDT": D(1_000_000)})
    deltas: list[BookDelta] = []
    engine.subscribe(lambda e: deltas.append(e) if isinstance(e, BookDelta) else None)
    with engine.batch():
        order, _ = engine.place("a", OrderRequest("BTCUSDT", "SELL", "LIMIT", D(1), D(60_000)))
        engine.cancel("a", "BTCUSDT", order.order_id)
        engine.place("a", OrderRequest("BTCUSDT", "SELL", "LIMIT", D(2), D(60_001)))
        assert deltas == []
    (delta,) = deltas
    assert (delta.first_update_id, delta.last_update_id) == (1, 3)
    # 60000 appeared and vanished inside the batch: its ids are covered, the level is not.
    assert (delta.bids, delta.asks) == ([], [(D(60_001), D(2))])


def test_synthetic_market_requotes_replay_exactly() -> None:
    clock = Clock()
    engine = Engine("perp", [BTC, DOGE], clock=clock)
    market = SyntheticMarket(engine, seed=11)
    books = {symbol: follow(engine, symbol) for symbol in ("BTCUSDT", "DOGEUSDT")}
    engine.open_account("user", {"USDT": D(1_000_000)})
    engine.place("user", OrderRequest("DOGEUSDT", "BUY", "LIMIT", D(1000), D("0.09995")))
    for _ in range(60):
        clock.advance(250)
        market.step()
        for symbol, book in books.items():
            assert book.matches(engine.depth(symbol, ALL))
    assert all(book.update_id > 100 for book in books.values())
    assert Decimal(books["DOGEUSDT"].update_id) == engine.depth("DOGEUSDT", 1).update_id
