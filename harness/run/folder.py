"""A run folder's paths: the one place that spells them (``[run] out`` of a config).

``prunegen run`` writes the store, its config and ``--set`` overrides here; ``report``, ``--verify``,
``--export`` and ``baseline`` read them back. Data only: the report may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STORE = "results.sqlite"              # the results store (harness.run.store.ResultsStore)
CONFIG = "config.toml"                # the config the run was made with, beside its store
OVERRIDES = "config-overrides.txt"    # the run's --set values, one per line, beside its config.toml
REPORT = "report"                     # the report `prunegen run` renders at the end


@dataclass(frozen=True)
class RunFolder:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def store(self) -> Path:
        return self.root / STORE

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def overrides(self) -> Path:
        return self.root / OVERRIDES

    @property
    def report(self) -> Path:
        return self.root / REPORT
