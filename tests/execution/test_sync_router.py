"""The router from sync code: algorithms started, followed, awaited and cancelled with
plain calls, on the Bybit emulator."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import tradeport as tp
from tradeport.execution.algos.progress import AlgoStatus, EventKind

SIZE = Decimal("0.01")


def _buy(size: Decimal, **fields: object) -> tp.Intent:
    long, enter = tp.IntentSide.LONG, tp.IntentAction.ENTER
    return tp.Intent(asset="BTC-USDT", side=long, action=enter, size=size, **fields)  # type: ignore[arg-type]


def test_a_sync_twap_reports_its_progress_and_result(tmp_path: Path) -> None:
    client = tp.connect("BYBIT___SWAP", environment="emulator")
    with client, tp.SyncExecutionPort(client, state_dir=tmp_path) as port:
        policy = tp.TwapPolicy(slices=2, duration=0.2)
        handle = tp.SyncRouter(port).twap(_buy(SIZE * 2), policy)
        kinds = [event.kind for event in handle]
        result = handle.result(timeout=30)
        assert kinds[0] is EventKind.STARTED and kinds[-1] is EventKind.FINISHED
        assert kinds.count(EventKind.SLICE) == 2
        assert result.status is AlgoStatus.FILLED and result.filled_qty == SIZE * 2
        assert handle.done and handle.filled_qty == SIZE * 2
        # a second iteration replays the same events from the start
        assert [event.kind for event in handle] == kinds


def test_cancelling_a_sync_limit_leaves_nothing_open(tmp_path: Path) -> None:
    client = tp.connect("BYBIT___SWAP", environment="emulator")
    with client, tp.SyncExecutionPort(client, state_dir=tmp_path) as port:
        bid = client.get_depth("BTC-USDT", 5).bids[0][0]  # type: ignore[attr-defined]
        price = (Decimal(str(bid)) * Decimal("0.98")).quantize(Decimal("0.1"))
        intent = _buy(SIZE, order_type=tp.IntentOrderType.LIMIT, limit_price=price)
        handle = tp.SyncRouter(port).limit(intent, timeout=600)
        resting = next(e for e in handle if e.kind is EventKind.SUBMITTED)
        assert resting.receipt is not None and not resting.receipt.done
        result = handle.cancel()
        assert result.status is AlgoStatus.CANCELLED and result.filled_qty == 0
        assert client.get_open_orders("BTC-USDT") == []  # type: ignore[attr-defined]


def test_sync_split_takes_routes_holding_sync_ports(tmp_path: Path) -> None:
    client = tp.connect("BYBIT___SWAP", environment="emulator")
    with client, tp.SyncExecutionPort(client, state_dir=tmp_path) as port:
        handle = tp.sync_split([tp.Route(port)], _buy(SIZE))  # type: ignore[arg-type]
        result = handle.result(timeout=30)
        assert result.status is AlgoStatus.FILLED
        assert list(result.venues) == ["BYBIT___SWAP"]
        assert result.venues["BYBIT___SWAP"].filled_qty == SIZE
