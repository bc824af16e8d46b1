"""The contract set of a running recording re-checked on a schedule: a contract gone
from the venue's trading set is stopped and marked, a new listing is added when asked
(and only in its own shard), and a re-check that fails leaves the set as it was."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from tests.record.conftest import Market

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record import ParquetSink, Recorder, discover, read_events
from tradeport.record.discovery import ContractSet, shard_of
from tradeport.record.events import Channel, Marker, MarkerKind
from tradeport.record.follow import ContractFollower

pytestmark = pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)


class Listings:
    """What the venue answers to each re-check: the answers queued, then the last one
    again."""

    def __init__(self, market: Market, *answers: list[str] | Exception) -> None:
        self.market = market
        self.answers = list(answers)

    async def __call__(self) -> ContractSet:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return await discover(self.market.key, client=self.market.client, include=answer)


async def test_a_delisted_contract_is_stopped_and_a_new_listing_added(
    market: Market, tmp_path: Path
) -> None:
    recorder = Recorder(market.client, ["BTC-USDT", "ETH-USDT"], [ParquetSink(tmp_path)])
    await recorder.start()
    # BTC-USDT delisted, DOGE-USDT listed since the recording began
    listings = Listings(market, ["ETH-USDT", "DOGE-USDT"])
    follower = ContractFollower(
        recorder, listings, interval=3600, known=["BTC-USDT", "ETH-USDT"], add_new=True
    )
    assert await follower.check() == (["DOGE-USDT"], ["BTC-USDT"])
    assert await follower.check() == ([], [])  # nothing changed since
    assert recorder.symbols == ["ETH-USDT", "DOGE-USDT"]
    await recorder.stop()

    for channel in (Channel.BOOK, Channel.TRADES):
        btc = list(read_events(tmp_path, channel=channel, symbol="BTC-USDT"))
        assert isinstance(btc[-1], Marker) and btc[-1].kind is MarkerKind.STOP
        doge = list(read_events(tmp_path, channel=channel, symbol="DOGE-USDT"))
        assert isinstance(doge[0], Marker) and doge[0].kind is MarkerKind.START
    assert (follower.stats.added, follower.stats.stopped) == (1, 1)


async def test_a_new_listing_is_left_out_unless_asked_or_of_another_shard(
    market: Market, tmp_path: Path
) -> None:
    recorder = Recorder(market.client, ["ETH-USDT"], [ParquetSink(tmp_path)])
    await recorder.start()
    everything = ["BTC-USDT", "DOGE-USDT", "ETH-USDT"]
    not_asked = ContractFollower(
        recorder, Listings(market, everything), interval=3600, known=["ETH-USDT"]
    )
    assert await not_asked.check() == ([], [])
    doge_shard = shard_of(market.key, "DOGE-USDT", 64)
    other = ContractFollower(
        recorder,
        Listings(market, everything),
        interval=3600,
        known=["ETH-USDT", "BTC-USDT"],
        add_new=True,
        shard=((doge_shard + 1) % 64, 64),
    )
    assert await other.check() == ([], [])
    mine = ContractFollower(
        recorder,
        Listings(market, everything),
        interval=3600,
        known=["ETH-USDT", "BTC-USDT"],
        add_new=True,
        shard=(doge_shard, 64),
    )
    assert await mine.check() == (["DOGE-USDT"], [])
    await recorder.stop()


async def test_the_schedule_survives_a_failed_re_check(market: Market, tmp_path: Path) -> None:
    stopped = asyncio.Event()

    def on_marker(marker: Marker) -> None:
        if marker.kind is MarkerKind.STOP and marker.symbol == "BTC-USDT":
            stopped.set()

    recorder = Recorder(
        market.client, ["BTC-USDT", "ETH-USDT"], [ParquetSink(tmp_path)], on_marker=on_marker
    )
    await recorder.start()
    # the first re-check fails, the second finds BTC-USDT delisted
    listings = Listings(market, Disconnected("venue unreachable"), ["ETH-USDT"])
    follower = ContractFollower(recorder, listings, interval=0.01, known=["BTC-USDT", "ETH-USDT"])
    follower.start()
    await asyncio.wait_for(stopped.wait(), 30)
    await follower.stop()
    await recorder.stop()
    assert follower.stats.failures == 1
    assert recorder.symbols == ["ETH-USDT"]
    with pytest.raises(BadParameter, match="interval"):
        ContractFollower(recorder, listings, interval=0, known=[])


async def test_add_new_needs_all_perps(market: Market) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeport.cli",
            "record",
            market.key,
            "--environment",
            "emulator",
            "--symbol",
            "BTC-USDT",
            "--sink",
            "parquet:unused",
            "--add-new",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "--add-new" in result.stdout and "--all-perps" in result.stdout
