"""Per-level wall-clock deadlines, shared by both backends.

The clock of level i starts when the runner reports level i-1 (or that the weights are loaded), so a
slow level cannot eat the next one's time; the runner's files only ever move a deadline forward by
one level, so forging them buys a candidate at most ``timeout_s`` per level it was given anyway.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .limits import SandboxLimits


class LevelClock:
    def __init__(self, out_dir: Path, n_levels: int, limits: SandboxLimits,
                 on_done: Callable[[int, float | None, float], None] | None = None):
        """on_done: called as ``on_done(i, level seconds, seconds since start)`` when level i is first seen
        reported, from the backend's polling loop, so a level is collected while the next one runs."""
        self.out_dir, self.n, self.limits, self.on_done = out_dir, n_levels, limits, on_done
        self.t0 = time.monotonic()
        self.ready_at: float | None = None
        self.done_at: list[float | None] = [None] * n_levels

    def poll(self) -> None:
        now = time.monotonic()
        if self.ready_at is None and (self.out_dir / "ready.json").exists():
            self.ready_at = now
        seen = []
        for i in range(self.n):
            if self.done_at[i] is None and (self.out_dir / f"level-{i}.json").exists():
                self.done_at[i] = now
                seen.append(i)
        for i in seen if self.on_done is not None else ():
            self.on_done(i, self.level_seconds()[i], now - self.t0)

    def deadline(self) -> float:
        """Monotonic time after which the job is killed."""
        if self.ready_at is None:
            return self.t0 + self.limits.load_timeout_s
        last = self.ready_at
        for t in self.done_at:
            if t is None:
                break
            last = t
        # Never more than one level ahead of the load, whatever the files say.
        done = sum(t is not None for t in self.done_at)
        hard = self.ready_at + self.limits.timeout_s * min(done + 1, self.n)
        return min(last + self.limits.timeout_s, hard)

    def level_seconds(self) -> tuple[float | None, ...]:
        out, prev = [], self.ready_at
        for t in self.done_at:
            out.append(None if t is None or prev is None else t - prev)
            prev = t if t is not None else prev
        return tuple(out)
