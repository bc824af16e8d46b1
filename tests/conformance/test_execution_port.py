"""The execution port on every derivatives venue's emulator: intents entered and
exited in one-way and hedge mode, receipts that match the venue's fills, idempotent
client ids through lost answers and crashes, the leverage cache, and cancels that end
in the venue's truth."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from tradeport.emulator.events import OrderEvent
from tradeport.emulator.faults import DropAfter, ErrorAfter, ErrorBefore, TimeoutAfter
from tradeport.execution.intent import (
    ExecutionReceipt,
    FeeSource,
    Intent,
    IntentAction,
    IntentOrderType,
    IntentSide,
    ReceiptStatus,
)
from tradeport.execution.journal import Journal
from tradeport.execution.port import ExecutionPort
from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus, OrderType, PositionSide
from tradeport.model.errors import (
    BadParameter,
    NotSupported,
    PermissionDenied,
    PostOnlyRejected,
    ReduceOnlyRejected,
    UnknownOrderState,
)
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, needs

LONG, SHORT = IntentSide.LONG, IntentSide.SHORT
ENTER, EXIT = IntentAction.ENTER, IntentAction.EXIT


@pytest.fixture
async def port(derivatives: Venue, tmp_path: Path) -> AsyncIterator[ExecutionPort]:
    p = ExecutionPort(derivatives.client, journal=tmp_path / "journal.db", state_dir=tmp_path)
    await p.connect()
    yield p
    await p.close()


def intent(side: IntentSide, action: IntentAction, size: Decimal, **kw: object) -> Intent:
    return Intent(asset=SYMBOL, side=side, action=action, size=size, **kw)  # type: ignore[arg-type]


async def hedge(client: VenueClient, on: bool) -> None:
    """Hedge mode on (every account starts in one-way mode); a venue with no hedge-mode
    switch skips the scenario."""
    if not on:
        return
    switch = getattr(client, "set_position_mode", None)
    if switch is None:
        pytest.skip(f"{client.key} has no hedge-mode switch")
    await switch(True)


async def resting_buy(v: Venue, port: ExecutionPort, **kw: object) -> ExecutionReceipt:
    """A long entry resting well under the market."""
    qty, price = await v.small_qty(), await v.price_under_bid("0.97")
    limit = intent(LONG, ENTER, qty, order_type=IntentOrderType.LIMIT, limit_price=price, **kw)
    receipt = await port.submit(limit)
    assert receipt.status is ReceiptStatus.ACCEPTED, receipt
    return receipt


async def assert_matches_fills(v: Venue, receipt: ExecutionReceipt) -> None:
    """The receipt against the venue's fills; on a venue that lists none, against the
    order as the venue reports it, with the fee left an estimate."""
    assert receipt.order_id is not None
    if Capability.GET_DEALS not in v.spec.capabilities:
        order = await v.client.query_order(SYMBOL, order_id=receipt.order_id)
        assert receipt.filled_qty == order.filled_qty * (await v.inst()).contract_size
        assert receipt.avg_price is not None and receipt.avg_price == order.avg_price
        assert receipt.fee_source is not FeeSource.VENUE
        if receipt.fee_source is not None:
            assert receipt.fee is not None and receipt.fee > 0
        return
    fills = await v.client.get_deals(SYMBOL, order_id=receipt.order_id)
    assert fills, "the venue shows the order's fills"
    qty = sum((f.qty for f in fills), Decimal(0))
    value = sum((f.qty * f.price for f in fills), Decimal(0))
    assert receipt.filled_qty == qty
    assert receipt.avg_price is not None
    assert abs(receipt.avg_price - value / qty) <= (await v.inst()).tick_size
    assert receipt.fee_source is FeeSource.VENUE
    assert receipt.fee == sum((f.fee for f in fills), Decimal(0))


async def test_enter_and_exit_one_way(derivatives: Venue, port: ExecutionPort) -> None:
    v = derivatives
    qty = await v.small_qty()
    entered = await port.submit(intent(LONG, ENTER, qty, leverage=3))
    assert entered.status is ReceiptStatus.FILLED and entered.filled_qty == qty
    if Capability.GET_TICK in v.spec.capabilities:
        assert entered.mark_at_submit is not None and entered.slippage_bps is not None
    else:  # no ticker call: no mark, and no slippage made up
        assert entered.mark_at_submit is None and entered.slippage_bps is None
    assert entered.submit_ts > 0 and entered.venue_ts > 0
    assert entered.raw  # the venue's acknowledgement
    await assert_matches_fills(v, entered)
    (pos,) = await v.client.get_position(SYMBOL)
    assert pos.qty == qty and pos.leverage == 3
    await port.idle()  # the state refreshed in the background after the fill
    assert port.state is not None and [p.qty for p in port.state.positions] == [qty]
    exited = await port.submit(intent(LONG, EXIT, qty))
    assert exited.status is ReceiptStatus.FILLED and exited.filled_qty == qty
    assert exited.order is not None and exited.order.reduce_only
    await assert_matches_fills(v, exited)
    assert await v.client.get_position(SYMBOL) == []


async def test_enter_and_exit_hedge_mode(derivatives: Venue, port: ExecutionPort) -> None:
    v = derivatives
    await hedge(v.client, True)
    qty = await v.small_qty()
    assert (await port.submit(intent(LONG, ENTER, qty))).status is ReceiptStatus.FILLED
    assert (await port.submit(intent(SHORT, ENTER, qty))).status is ReceiptStatus.FILLED
    legs = {p.position_side: p.qty for p in await v.client.get_position(SYMBOL)}
    assert legs == {PositionSide.LONG: qty, PositionSide.SHORT: qty}
    exited = await port.submit(intent(LONG, EXIT, qty))
    assert exited.status is ReceiptStatus.FILLED and exited.filled_qty == qty
    await assert_matches_fills(v, exited)
    legs = {p.position_side: p.qty for p in await v.client.get_position(SYMBOL)}
    assert legs == {PositionSide.SHORT: qty}  # the short leg is untouched
    exited = await port.submit(intent(SHORT, EXIT, qty))
    assert exited.status is ReceiptStatus.FILLED
    assert await v.client.get_position(SYMBOL) == []


@pytest.mark.parametrize("hedged", [False, True], ids=["one_way", "hedge"])
async def test_exit_never_opens_the_opposite_side(
    derivatives: Venue, port: ExecutionPort, hedged: bool
) -> None:
    v = derivatives
    await hedge(v.client, hedged)
    qty = await v.small_qty()
    await port.submit(intent(LONG, ENTER, qty))
    exited = await port.submit(intent(LONG, EXIT, qty * 3))
    assert exited.status is ReceiptStatus.FILLED and exited.filled_qty == qty
    assert await v.client.get_position(SYMBOL) == []
    sent = v.sent("make_order")
    nothing = await port.submit(intent(LONG, EXIT, qty))
    assert nothing.status is ReceiptStatus.REJECTED
    assert isinstance(nothing.error, ReduceOnlyRejected)
    assert v.sent("make_order") == sent  # refused before sending
    assert await v.client.get_position(SYMBOL) == []


async def test_resting_order_refreshes_state_before_returning(
    derivatives: Venue, port: ExecutionPort
) -> None:
    receipt = await resting_buy(derivatives, port)
    assert port.state is not None
    assert [o.order_id for o in port.state.open_orders] == [receipt.order_id]
    assert receipt.fee_source is FeeSource.ESTIMATED_MAKER or port.fee_rates is None


async def test_post_only_that_would_take_is_rejected_not_raised(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    _, ask = await v.touch()
    price = quantize_price(await v.inst(), ask * Decimal("1.01"))
    crossing = intent(
        LONG, ENTER, await v.small_qty(), order_type=IntentOrderType.POST_ONLY, limit_price=price
    )
    kinds = getattr(v.client, "order_types", None)
    if kinds is not None and OrderType.POST_ONLY not in kinds:
        with pytest.raises(NotSupported, match="post-only"):
            await port.submit(crossing)  # the caller's error, raised before sending
        assert v.sent("make_order") == 0
        pytest.skip(f"{v.spec.key} has no post-only orders")
    receipt = await port.submit(crossing)
    assert receipt.status is ReceiptStatus.REJECTED, receipt
    assert isinstance(receipt.error, PostOnlyRejected)
    assert await v.client.get_open_orders(SYMBOL) == []


async def test_lost_acknowledgement_leaves_exactly_one_order(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    place = v.endpoint("make_order")
    v.emulator.faults.arm(place, DropAfter())
    receipt = await resting_buy(v, port)
    assert receipt.order_id is not None
    assert v.sent("make_order") == 1
    (listed,) = await v.client.get_open_orders(SYMBOL)
    assert listed.order_id == receipt.order_id
    again = await port.submit(intent_of(receipt, port))
    assert again.order_id == receipt.order_id
    assert v.sent("make_order") == 1


def intent_of(receipt: ExecutionReceipt, port: ExecutionPort) -> Intent:
    """The intent behind a receipt, as the journal holds it."""
    assert port.journal is not None
    (event,) = port.journal.events(intent_id=receipt.intent_id, kind="intent")
    from tradeport.execution.journal import intent_from_dict

    return intent_from_dict(event.data)


async def test_duplicate_intent_id_never_makes_a_second_order(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    qty = await v.small_qty()
    once = intent(LONG, ENTER, qty, intent_id="dup-intent-1")
    first, second = await asyncio.gather(port.submit(once), port.submit(once))
    third = await port.submit(once)
    assert first.order_id == second.order_id == third.order_id
    assert third.status is ReceiptStatus.FILLED
    assert v.sent("make_order") == 1
    (pos,) = await v.client.get_position(SYMBOL)
    assert pos.qty == qty


async def test_crash_between_submit_and_ack_then_restart_from_the_journal(
    derivatives: Venue, tmp_path: Path
) -> None:
    v = derivatives
    place = v.endpoint("make_order")
    engine = v.emulator.engine_for(v.spec.asset_type)
    accepted = asyncio.Event()

    def listen(event: object) -> None:
        if isinstance(event, OrderEvent):
            accepted.set()

    engine.subscribe(listen)
    journal = tmp_path / "journal.db"
    client = await v.connect()
    first = ExecutionPort(client, journal=journal, state_dir=tmp_path)
    await first.connect()
    qty, price = await v.small_qty(), await v.price_under_bid("0.97")
    wish = intent(LONG, ENTER, qty, order_type=IntentOrderType.LIMIT, limit_price=price)
    v.emulator.faults.arm(place, TimeoutAfter(seconds=600))
    submitting = asyncio.create_task(first.submit(wish))
    await accepted.wait()  # the venue holds the order; its answer never comes
    submitting.cancel()  # the process dies here
    with pytest.raises(asyncio.CancelledError):
        await submitting
    await first.close()
    await client.close()
    v.emulator.faults.clear()
    with Journal(journal) as j:
        assert [o.intent.intent_id for o in j.open_intents()] == [wish.intent_id]
    async with ExecutionPort(v.client, journal=journal, state_dir=tmp_path) as second:
        with Journal(journal) as j:
            # settled on connect: the venue holds it, resting
            (settled,) = j.events(intent_id=wish.intent_id, kind="receipt")
            assert settled.data["status"] == "accepted"
            assert settled.data["resolved_from_unknown"] is True
        receipt = await second.submit(wish)
    assert receipt.status is ReceiptStatus.ACCEPTED and receipt.order_id is not None
    assert v.sent("make_order") == 1
    (listed,) = await v.client.get_open_orders(SYMBOL)
    assert listed.order_id == receipt.order_id


async def test_filled_intent_resubmitted_after_a_restart_is_not_sent_again(
    derivatives: Venue, tmp_path: Path
) -> None:
    v = derivatives
    journal = tmp_path / "journal.db"
    qty = await v.small_qty()
    wish = intent(LONG, ENTER, qty)
    client = await v.connect()  # the first process
    try:
        async with ExecutionPort(client, journal=journal, state_dir=tmp_path) as first:
            entered = await first.submit(wish)
            assert entered.status is ReceiptStatus.FILLED and entered.order_id is not None
            assert (await first.submit(intent(LONG, EXIT, qty))).status is ReceiptStatus.FILLED
    finally:
        await client.close()
    sent = v.sent("make_order")
    # a restart: the position the entry opened is gone, the journal remembers the order
    async with ExecutionPort(v.client, journal=journal, state_dir=tmp_path) as second:
        again = await second.submit(wish)
    assert again.order_id == entered.order_id and again.status is ReceiptStatus.FILLED
    assert v.sent("make_order") == sent
    assert await v.client.get_position(SYMBOL) == []


async def test_market_entry_lost_in_a_crash_and_closed_since_is_not_sent_again(
    derivatives: Venue, tmp_path: Path
) -> None:
    v = derivatives
    engine = v.emulator.engine_for(v.spec.asset_type)
    filled = asyncio.Event()

    def listen(event: object) -> None:
        if isinstance(event, OrderEvent):
            filled.set()

    engine.subscribe(listen)
    journal = tmp_path / "journal.db"
    qty = await v.small_qty()
    wish = intent(LONG, ENTER, qty)
    client = await v.connect()
    first = ExecutionPort(client, journal=journal, state_dir=tmp_path)
    await first.connect()
    for endpoint in v.endpoints("make_order"):
        v.emulator.faults.arm(endpoint, TimeoutAfter(seconds=600))
    submitting = asyncio.create_task(first.submit(wish))
    await filled.wait()  # the venue filled it; its answer never comes
    submitting.cancel()  # the process dies here
    with pytest.raises(asyncio.CancelledError):
        await submitting
    await first.close()
    await client.close()
    v.emulator.faults.clear()
    closed = await v.client.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    assert closed.status is OrderStatus.FILLED  # closed behind the journal's back
    sent = v.sent("make_order")
    async with ExecutionPort(v.client, journal=journal, state_dir=tmp_path) as second:
        again = await second.submit(wish)
    assert v.sent("make_order") == sent  # never a second entry
    assert await v.client.get_position(SYMBOL) == []
    if v.client.finds_closed_orders:
        assert again.status is ReceiptStatus.FILLED and again.resolved_from_unknown
    else:  # the venue cannot show the closed entry: the port says it does not know
        assert again.status is ReceiptStatus.UNKNOWN and again.order_id is None
        assert isinstance(again.error, UnknownOrderState)
        assert "not sent again" in str(again.error)
        with Journal(journal) as j:
            assert [o.intent.intent_id for o in j.open_intents()] == [wish.intent_id]


async def test_leverage_is_set_once_for_repeated_intents(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    if not v.endpoints("set_leverage"):
        pytest.skip(
            f"{v.spec.key} sets leverage by no request (it travels with each position):"
            " there are no leverage calls to count"
        )
    before = v.sent("set_leverage")
    qty = await v.small_qty()
    for _ in range(3):
        await port.submit(intent(LONG, ENTER, qty, leverage=4))
    once = v.sent("set_leverage") - before
    assert once >= 1
    assert port.leverage.get(SYMBOL) == 4
    await port.submit(intent(LONG, ENTER, qty, leverage=4))
    assert v.sent("set_leverage") - before == once
    await port.submit(intent(LONG, ENTER, qty, leverage=6))
    assert v.sent("set_leverage") - before == 2 * once
    assert await v.client.get_leverage(SYMBOL) == 6


async def test_leverage_drift_behind_the_port_is_found_on_connect(
    derivatives: Venue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    v = derivatives
    async with ExecutionPort(v.client, state_dir=tmp_path) as first:
        await first.ensure_leverage(SYMBOL, 3)
    assert await v.client.set_leverage(SYMBOL, 9) == 9  # behind the port's back
    with caplog.at_level(logging.WARNING, logger="tradeport.execution"):
        journal = tmp_path / "journal.db"
        async with ExecutionPort(v.client, journal=journal, state_dir=tmp_path) as second:
            assert second.leverage.get(SYMBOL) == 9
            assert second.journal is not None
            (drift,) = second.journal.events(kind="reconcile")
            assert drift.data == {"leverage_drift": {"venue": 9, "cached": 3}}
            sets = v.sent("set_leverage")
            await second.submit(intent(LONG, ENTER, await v.small_qty(), leverage=9))
            assert v.sent("set_leverage") == sets
    assert any("leverage is 9 at the venue, 3 in the cache" in r.message for r in caplog.records)


async def test_cancel_whose_answer_is_lost_ends_cancelled(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    receipt = await resting_buy(v, port)
    v.emulator.faults.arm(v.endpoint("cancel_order"), DropAfter())
    cancelled = await port.cancel(receipt, reason="test")
    assert cancelled.status is ReceiptStatus.CANCELLED
    assert await v.client.get_open_orders(SYMBOL) == []


async def test_cancel_racing_a_fill_reports_filled(derivatives: Venue, port: ExecutionPort) -> None:
    v = derivatives
    bid, _ = await v.touch()
    price = quantize_price(await v.inst(), bid)
    qty = await v.small_qty()
    limit = intent(LONG, ENTER, qty, order_type=IntentOrderType.LIMIT, limit_price=price)
    receipt = await port.submit(limit)
    v.move(price * Decimal("0.99"))  # the market takes it before the cancel arrives
    outcome = await port.cancel(receipt)
    assert outcome.status is ReceiptStatus.FILLED and outcome.filled_qty == qty
    await assert_matches_fills(v, outcome)
    order = await v.client.query_order(SYMBOL, order_id=receipt.order_id)
    assert order.status is OrderStatus.FILLED


async def test_cancel_all_leaves_nothing_open(derivatives: Venue, port: ExecutionPort) -> None:
    v = derivatives
    placed = {(await resting_buy(v, port)).order_id for _ in range(3)}
    cancelled = await port.cancel_all(SYMBOL)
    assert {r.order_id for r in cancelled} == placed
    assert all(r.status is ReceiptStatus.CANCELLED for r in cancelled)
    assert await v.client.get_open_orders(SYMBOL) == []


async def test_reconcile_reports_the_venue_and_untracked_orders(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    mine = await resting_buy(v, port)
    price = await v.price_under_bid("0.96")
    other = await v.client.make_order(SYMBOL, await v.small_qty(), price, "buy-limit")
    report = await port.reconcile(SYMBOL)
    assert {o.order_id for o in report.open_orders} == {mine.order_id, other.order_id}
    assert [o.order_id for o in report.untracked_orders] == [other.order_id]
    assert report.still_unknown == []


async def test_guards_refuse_before_sending(derivatives: Venue, tmp_path: Path) -> None:
    v = derivatives
    qty = await v.small_qty()
    async with ExecutionPort(
        v.client, state_dir=tmp_path, max_notional=Decimal(1), max_leverage=5
    ) as guarded:
        with pytest.raises(BadParameter, match="max_notional"):
            await guarded.submit(intent(LONG, ENTER, qty))
        with pytest.raises(BadParameter, match="max_leverage"):
            await guarded.submit(intent(LONG, ENTER, qty, leverage=6))
    async with ExecutionPort(v.client, journal=tmp_path / "j.db", state_dir=tmp_path) as port:
        too_much = intent(LONG, ENTER, qty, leverage=100_000)
        try:
            refused = await port.submit(too_much)
        except BadParameter as exc:
            assert exc.code is None  # the client's own check (a published maximum)
        else:  # the venue's refusal: a receipt, not an exception
            assert refused.status is ReceiptStatus.REJECTED
            assert refused.error is not None and refused.error.code is not None
        assert port.journal is not None and port.journal.open_intents() == []
    assert v.sent("make_order") == 0
    live = await v.connect(environment="live")  # the emulator, taken for mainnet
    try:
        async with ExecutionPort(live, state_dir=tmp_path) as unguarded:
            with pytest.raises(PermissionDenied, match="allow_mainnet"):
                await unguarded.submit(intent(LONG, ENTER, qty))
    finally:
        await live.close()
    assert v.sent("make_order") == 0


async def test_state_snapshot_has_capital_positions_and_history(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    qty = await v.small_qty()
    entered = await port.submit(intent(LONG, ENTER, qty))
    state = await port.refresh_state(SYMBOL, include_history=True)
    assert state.capital > 0 and state.equity > 0 and state.source == "rest"
    assert [p.qty for p in state.positions] == [qty]
    assert state.open_notional > 0
    if Capability.GET_DEALS in v.spec.capabilities:
        assert entered.order_id in {f.order_id for f in state.fills}
    else:  # the venue lists no fills: none are made up
        assert state.fills == []
    assert entered.order_id in {o.order_id for o in state.orders}


async def test_private_stream_keeps_the_state_current_between_refreshes(
    derivatives: Venue, tmp_path: Path
) -> None:
    v = derivatives
    if not {Capability.WATCH_ORDERS, Capability.WATCH_POSITIONS} <= v.spec.capabilities:
        pytest.skip(f"{v.spec.key} streams no private orders and positions")
    async with ExecutionPort(v.client, state_dir=tmp_path, stream=True) as port:
        qty = await v.small_qty()
        bid, _ = await v.touch()
        price = quantize_price(await v.inst(), bid)
        # an order the port did not send: only the stream tells the port about it
        order = await v.client.make_order(SYMBOL, qty, price, "buy-limit")
        listed = await port.wait_for_state(
            lambda s: order.order_id in {o.order_id for o in s.open_orders}
        )
        assert listed.source == "stream" and listed.open_order_notional == qty * price
        v.move(price * Decimal("0.99"))
        held = await port.wait_for_state(lambda s: [p.qty for p in s.positions] == [qty])
        assert held.source == "stream" and held.open_notional > 0
        assert await port.wait_for_state(lambda s: s.open_orders == [])


async def test_unknown_receipt_is_resolved_by_reconcile(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    place, query = v.endpoint("make_order"), v.endpoint("query_order")
    v.emulator.faults.arm(place, ErrorAfter(status=500, code=-1000, msg="err"))
    # every lookup fails too: the venue cannot tell the port what became of it
    v.emulator.faults.arm(query, ErrorBefore(status=503, code=-1000, msg="busy"), None)
    qty, price = await v.small_qty(), await v.price_under_bid("0.97")
    wish = intent(LONG, ENTER, qty, order_type=IntentOrderType.LIMIT, limit_price=price)
    unknown = await port.submit(wish)
    assert unknown.status is ReceiptStatus.UNKNOWN and unknown.order_id is None
    v.emulator.faults.clear()
    report = await port.reconcile(SYMBOL)
    (resolved,) = report.resolved
    assert resolved.intent_id == wish.intent_id and resolved.resolved_from_unknown
    assert resolved.status is ReceiptStatus.ACCEPTED and resolved.order_id is not None
    assert report.still_unknown == [] and report.untracked_orders == []
    assert v.sent("make_order") == 1


@pytest.mark.parametrize("hedged", [False, True], ids=["one_way", "hedge"])
async def test_get_leverage_reports_what_was_set(derivatives: Venue, hedged: bool) -> None:
    v = derivatives
    await hedge(v.client, hedged)
    assert await v.client.set_leverage(SYMBOL, 11) == 11
    assert await v.client.get_leverage(SYMBOL) == 11
    await v.client.make_order(SYMBOL, await v.small_qty(), None, "buy-market")
    assert await v.client.get_leverage(SYMBOL) == 11  # a position does not change it


@needs(Capability.GET_DEALS)
async def test_fills_that_cannot_be_read_leave_the_fee_estimated_and_journal_why(
    derivatives: Venue, port: ExecutionPort
) -> None:
    v = derivatives
    v.emulator.faults.arm(
        v.endpoint("get_deals"), ErrorBefore(status=503, code=-1000, msg="busy"), None
    )
    qty = await v.small_qty()
    receipt = await port.submit(intent(LONG, ENTER, qty))
    assert receipt.status is ReceiptStatus.FILLED and receipt.filled_qty == qty
    assert receipt.fee_source is not FeeSource.VENUE
    if port.fee_rates is not None:
        assert receipt.fee_source is FeeSource.ESTIMATED_TAKER and receipt.fee
    assert port.journal is not None
    errors = port.journal.events(intent_id=receipt.intent_id, kind="error")
    assert errors and "fee stays estimated" in errors[0].data["what"]
    v.emulator.faults.clear()
    resolved = await port.resolve(receipt)
    assert resolved.fee_source is FeeSource.VENUE
    await assert_matches_fills(v, resolved)


async def test_leverage_pushed_by_the_venue_replaces_the_cached_value(
    derivatives: Venue, tmp_path: Path
) -> None:
    """Where the venue pushes leverage changes, a change made behind the port's back
    reaches its cache without waiting for the next connect."""
    v = derivatives
    try:
        await (await v.client.watch_leverage(SYMBOL)).close()
    except NotSupported:
        pytest.skip(f"{v.spec.key} pushes no leverage changes (checked on connect only)")
    async with ExecutionPort(v.client, state_dir=tmp_path) as port:
        await port.ensure_leverage(SYMBOL, 3)
        other = await v.connect()  # the same account, another client
        try:
            changed = asyncio.Event()
            seen = await v.client.watch_leverage(
                SYMBOL, callback=lambda u: changed.set() if max(u.long, u.short) == 8 else None
            )
            assert await other.set_leverage(SYMBOL, 8) == 8
            async with asyncio.timeout(10):
                await changed.wait()
            await seen.close()
        finally:
            await other.close()
        assert port.leverage.get(SYMBOL) == 8
