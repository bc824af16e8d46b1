"""The execution port on BTCC's position model: both sides held at once without a
hedge-mode switch, leverage per position from the per-symbol default, the fee an
estimate because the venue lists no fills, and the mark from the quote stream."""

from decimal import Decimal
from pathlib import Path

import pytest

from tradeport.config.schema import FeeSchedule
from tradeport.execution.intent import (
    FeeSource,
    Intent,
    IntentAction,
    IntentSide,
    ReceiptStatus,
)
from tradeport.execution.port import ExecutionPort
from tradeport.model import PositionSide
from tradeport.model.errors import UnknownSymbol

from .conftest import Connect

SYMBOL = "BTC-USDT"
QTY = Decimal("0.01")
BID, ASK = Decimal("64999.9"), Decimal("65000.1")  # the emulator's opening book (seed 11)
LONG, SHORT = IntentSide.LONG, IntentSide.SHORT
ENTER, EXIT = IntentAction.ENTER, IntentAction.EXIT


def intent(side: IntentSide, action: IntentAction, **kw: object) -> Intent:
    return Intent(asset=SYMBOL, side=side, action=action, size=QTY, **kw)  # type: ignore[arg-type]


async def test_get_leverage_answers_the_default_the_client_applies(connect: Connect) -> None:
    client = await connect(default_leverage=7)
    assert await client.get_leverage(SYMBOL) == 7
    assert await client.set_leverage(SYMBOL, 4) == 4
    assert await client.get_leverage(SYMBOL) == 4
    await client.make_order(SYMBOL, QTY, None, "buy-market")
    (pos,) = await client.get_position(SYMBOL)
    assert pos.leverage == 4  # the position opened with the default in force
    with pytest.raises(UnknownSymbol, match="NOPE-USDT"):
        await client.get_leverage("NOPE-USDT")


async def test_long_and_short_are_held_side_by_side_each_with_its_leverage(
    connect: Connect, tmp_path: Path
) -> None:
    client = await connect()
    async with ExecutionPort(client, state_dir=tmp_path) as port:
        assert (await port.submit(intent(LONG, ENTER, leverage=3))).status is ReceiptStatus.FILLED
        assert (await port.submit(intent(SHORT, ENTER, leverage=5))).status is ReceiptStatus.FILLED
        legs = {p.position_side: (p.qty, p.leverage) for p in await client.get_position(SYMBOL)}
        assert legs == {PositionSide.LONG: (QTY, 3), PositionSide.SHORT: (QTY, 5)}
        assert await client.get_leverage(SYMBOL) == 5 == port.leverage.get(SYMBOL)
        exited = await port.submit(intent(LONG, EXIT))
        assert exited.status is ReceiptStatus.FILLED and exited.filled_qty == QTY
        legs = {p.position_side: p.qty for p in await client.get_position(SYMBOL)}
        assert legs == {PositionSide.SHORT: QTY}  # the short position is untouched
        assert (await port.submit(intent(SHORT, EXIT))).status is ReceiptStatus.FILLED
    assert await client.get_position(SYMBOL) == []


async def test_the_fee_is_estimated_from_the_rates_given_and_the_mark_is_the_quote_streams(
    connect: Connect, tmp_path: Path
) -> None:
    client = await connect()
    rates = FeeSchedule(maker=Decimal("0.0002"), taker=Decimal("0.0006"))
    async with ExecutionPort(client, state_dir=tmp_path, fee_rates=rates) as port:
        receipt = await port.submit(intent(LONG, ENTER))
    assert receipt.status is ReceiptStatus.FILLED and receipt.avg_price is not None
    assert receipt.fee_source is FeeSource.ESTIMATED_TAKER
    assert receipt.fee == QTY * receipt.avg_price * rates.taker
    # the mark: the mid of the bid and ask the quote stream was asked for at submit
    assert receipt.mark_at_submit == (BID + ASK) / 2
    assert receipt.slippage_bps is not None and receipt.slippage_bps > 0  # bought at the ask


async def test_without_rates_there_is_no_fee_rather_than_a_made_up_one(
    connect: Connect, tmp_path: Path
) -> None:
    client = await connect()
    async with ExecutionPort(client, state_dir=tmp_path) as port:
        assert port.fee_rates is None  # BTCC publishes no schedule the sources give
        receipt = await port.submit(intent(LONG, ENTER))
    assert receipt.status is ReceiptStatus.FILLED
    assert receipt.fee is None and receipt.fee_source is None
