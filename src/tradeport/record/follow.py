"""Following the contract set of a running recording: every `interval` seconds the
venue is asked again which perpetuals are actively trading. A recorded contract no
longer among them (delisted, close-only, halted) is stopped, its streams ending with a
STOP marker; with `add_new`, a contract listed since the recording began (and, with a
shard, in this recorder's shard) is added, its streams beginning with a START marker.

"New" means not seen trading before, not "not recorded": a recording of the top N by
volume does not grow to every contract, it only takes in listings that appear.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from tradeport.model.errors import BadParameter, TradeportError
from tradeport.periodic import Periodic
from tradeport.record.discovery import ContractSet, shard_of
from tradeport.record.recorder import Recorder

log = logging.getLogger("tradeport.record")

DELISTED = "no longer an actively trading perpetual"


@dataclass(slots=True)
class FollowStats:
    checks: int = 0
    failures: int = 0  # re-checks whose discovery failed (the set is kept as it was)
    added: int = 0
    stopped: int = 0


class ContractFollower:
    """`start()` re-checks every `interval` seconds until `stop()`; `check()` runs one."""

    def __init__(
        self,
        recorder: Recorder,
        fetch: Callable[[], Awaitable[ContractSet]],
        *,
        interval: float,
        known: Iterable[str],
        add_new: bool = False,
        shard: tuple[int, int] | None = None,
    ) -> None:
        if interval <= 0:
            raise BadParameter(f"re-check interval {interval}: expected > 0 seconds")
        self.recorder = recorder
        self.fetch = fetch
        self.interval = interval
        self.add_new = add_new
        self.shard = shard
        self.known = set(known)  # every contract seen trading so far
        self.stats = FollowStats()
        self._schedule = Periodic(
            self.check, interval, name="contract re-checks", failed=self._failed, log=log
        )

    async def check(self) -> tuple[list[str], list[str]]:
        """One re-check: returns (added, stopped)."""
        fresh = await self.fetch()
        listed = set(fresh.symbols)
        gone = [s for s in self.recorder.symbols if s not in listed]
        stopped = await self.recorder.remove_symbols(gone, DELISTED)
        new = [s for s in fresh.symbols if s not in self.known]
        self.known |= listed
        if self.shard is not None:
            index, count = self.shard
            new = [s for s in new if shard_of(fresh.venue, s, count) == index]
        added = await self.recorder.add_symbols(new) if self.add_new and new else []
        self.stats.checks += 1
        self.stats.added += len(added)
        self.stats.stopped += len(stopped)
        if added or stopped:
            log.info("%s: re-check added %s, stopped %s", fresh.venue, added, stopped)
        return added, stopped

    def start(self) -> None:
        self._schedule.start()

    async def stop(self) -> None:
        await self._schedule.stop()

    def _failed(self, exc: TradeportError) -> None:
        # a venue that does not answer now must not end the recording: the set stays as
        # it is until the next re-check
        self.stats.failures += 1
        log.warning("contract re-check failed (%s); trying again later", exc)
