"""Resource and isolation limits of one sandboxed job. Every field is safe by default.

The defaults follow the interface document: 600 s per level and 8 GiB on the CPU for a 135M model,
no network, no swap. Tests and the CLI narrow them; nothing here ever widens isolation silently.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_bytes(value: str | int) -> int:
    """``"8g"`` -> 8 GiB in bytes; ints pass through. Units k, m, g, t are powers of 1024, as in Docker."""
    if isinstance(value, int):
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(value).lower())
    if not m:
        raise ValueError(f"cannot read {value!r} as a size; use e.g. 512m or 8g")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 600.0          # wall clock per sparsity level; the container is killed after it
    load_timeout_s: float = 300.0     # wall clock to start the interpreter and load the weights, before level 1
    memory: str = "8g"                # hard memory limit; swap is set equal, i.e. none
    cpus: float = 2.0                 # CPU quota (Docker nano_cpus); also sets OMP_NUM_THREADS
    pids: int = 256                   # process/thread limit: a fork bomb hits this, not the host
    tmpfs: str = "512m"               # size of the writable /tmp (everything else is read-only)
    output_cap_bytes: int | None = None  # per output file; None: the exact size of the prunable tensors + 1 MiB
    log_tail_bytes: int = 8000        # how much of stdout/stderr is kept for the report
    network: str = "none"             # Docker network_mode; anything but "none" is an explicit opt-out
    gpus: str | None = None           # None: no GPU; "all" or "0,1": Docker device_requests on CUDA hosts
    image: str | None = None          # None: the offline image built from the host's Python; else a tag
                                      # built from sandbox/Dockerfile (its own Python, no host mounts)

    @property
    def memory_bytes(self) -> int:
        return parse_bytes(self.memory)

    @property
    def threads(self) -> int:
        return max(1, int(self.cpus))

    def with_(self, **changes) -> "SandboxLimits":
        return replace(self, **changes)


def default_tmp_root() -> str:
    """Where job directories are made. One dedicated folder, so leaks are easy to see (tests assert it is empty)."""
    import tempfile
    return os.environ.get("PRUNEGEN_SANDBOX_TMP") or os.path.join(tempfile.gettempdir(), "prunegen-sandbox")
