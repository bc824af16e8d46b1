"""The sync execution port: the async port's methods on the shared loop."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import tradeport as tp


def test_sync_port_enters_and_exits_on_the_emulator(tmp_path: Path) -> None:
    client = tp.connect("BYBIT___SWAP", environment="emulator")
    with (
        client,
        tp.SyncExecutionPort(client, journal=tmp_path / "j.db", state_dir=tmp_path) as port,
    ):
        size = Decimal("0.01")
        enter = tp.Intent(
            asset="BTC-USDT", side=tp.IntentSide.LONG, action=tp.IntentAction.ENTER, size=size
        )
        entered = port.submit(enter)  # type: ignore[attr-defined]
        assert entered.status is tp.ReceiptStatus.FILLED and entered.filled_qty == size
        exit_ = tp.Intent(
            asset="BTC-USDT", side=tp.IntentSide.LONG, action=tp.IntentAction.EXIT, size=size
        )
        assert port.submit(exit_).status is tp.ReceiptStatus.FILLED  # type: ignore[attr-defined]
        state = port.refresh_state("BTC-USDT")  # type: ignore[attr-defined]
        assert state.positions == []
        assert port.submit.__doc__ == tp.ExecutionPort.submit.__doc__  # type: ignore[attr-defined]
