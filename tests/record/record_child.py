"""Records BTC-USDT from an emulator into the Parquet tree named on the command line
until it is killed, printing "closed" each time a file is finished (the parent of
test_crash.py kills it with SIGKILL mid-file)."""

from __future__ import annotations

import asyncio
import sys

import tradeport as tp
from tradeport.record import ParquetSink, Recorder
from tradeport.record.parquet import PartKey


class ReportingSink(ParquetSink):
    def _close(self, key: PartKey) -> None:
        super()._close(key)
        print("closed", flush=True)


async def main(root: str) -> None:
    options = {"seed": 7, "step_interval": 0.002}
    async with tp.connect_async(
        "BINANCE___SWAP", environment="emulator", emulator_options=options
    ) as client:
        sink = ReportingSink(root, max_file_seconds=0.05, row_group_rows=5)
        recorder = Recorder(client, ["BTC-USDT"], [sink], flush_interval=0.02)
        await recorder.start()
        print("started", flush=True)
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
