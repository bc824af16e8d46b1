"""CPU time and resident memory of a process (Linux /proc), and a sampler that records
both over a benchmark window: what "CPU % of one core" and "RSS over time" mean in the
benchmarks' tables."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of `pid` (default: this process) so far."""
    if pid is None:
        return time.process_time()
    with open(f"/proc/{pid}/stat") as stat:
        # the command name (field 2) may hold spaces: split after its closing ')'
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of `pid` (default: this process) now, MB."""
    with open(f"/proc/{'self' if pid is None else pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


@dataclass
class Sample:
    elapsed: float  # seconds since the window opened
    rss_mb: float
    cpu_pct: float  # of one core, since the previous sample
    other_cpu_pct: float | None = None  # the watched other process (the emulator)


@dataclass
class Sampler:
    """Samples this process (and optionally `other_pid`) every `every` seconds while
    running; `samples` holds one row per sample, the first at the window's start."""

    every: float
    other_pid: int | None = None
    samples: list[Sample] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        start = last = time.perf_counter()
        cpu = cpu_seconds()
        other = cpu_seconds(self.other_pid) if self.other_pid else 0.0
        self.samples.append(Sample(0.0, rss_mb(), float("nan")))
        while True:
            await asyncio.sleep(self.every)
            now = time.perf_counter()
            cpu2 = cpu_seconds()
            sample = Sample(now - start, rss_mb(), (cpu2 - cpu) / (now - last) * 100)
            if self.other_pid:
                other2 = cpu_seconds(self.other_pid)
                sample.other_cpu_pct = (other2 - other) / (now - last) * 100
                other = other2
            self.samples.append(sample)
            cpu, last = cpu2, now

    def table(self, other_name: str = "emulator") -> str:
        head = f"{'elapsed s':>10} {'RSS MB':>8} {'CPU %':>7}"
        if self.other_pid:
            head += f" {other_name + ' CPU %':>16}"
        lines = [head]
        for s in self.samples:
            line = f"{s.elapsed:10.0f} {s.rss_mb:8.1f} {s.cpu_pct:7.1f}"
            if s.other_cpu_pct is not None:
                line += f" {s.other_cpu_pct:16.1f}"
            lines.append(line)
        return "\n".join(lines)
