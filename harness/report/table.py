"""What a table is (a frame of string cells, notes, fingerprints), and the fingerprint lines under it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from harness.run.store import JobRow


@dataclass
class Table:
    key: str                    # file stem: table1, table1-2_4, table4b ...
    title: str
    frame: pd.DataFrame         # every cell a non-empty string
    notes: list[str] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def rows(self) -> list[list[str]]:
        """The cells row by row, as the renderers write them."""
        return [[str(v) for v in row] for row in self.frame.itertuples(index=False)]


def _calib_text(c: dict | None) -> str:
    if not c:
        return "none"
    src = c.get("source", "?")
    return f"{src} {c.get('nsamples', '?')}x{c.get('seqlen', '?')} seed {c.get('seed', '?')}"


def fingerprint_lines(jobs) -> list[str]:
    """One line per evaluation fingerprint digest among ``jobs`` (JobRows, None skipped): what produced the numbers."""
    groups: dict[str, list[JobRow]] = defaultdict(list)
    for j in jobs:
        if j is not None:
            groups[j.fingerprint_digest or ""].append(j)
    lines = []
    for digest in sorted(groups, key=lambda d: (d == "", d)):
        js = groups[digest]
        if not digest:
            lines.append(f"fingerprint unknown: {len(js)} job(s) recorded none")
            continue
        fp = next((j.fingerprint for j in js if j.fingerprint), {}) or {}
        data = fp.get("data") or {}
        calibs: dict[str, list[str]] = defaultdict(list)
        for j in js:
            c = _calib_text((j.fingerprint or {}).get("calibration"))
            if j.method not in calibs[c]:
                calibs[c].append(j.method)
        if len(calibs) == 1:
            calib = f"calibration {next(iter(calibs))}"
        else:
            calib = "calibration " + "; ".join(
                f"{c} ({', '.join(ms[:4])}{', …' if len(ms) > 4 else ''})" for c, ms in sorted(calibs.items()))
        lines.append(f"fingerprint {digest}: {fp.get('model_spec', '?')}, {data.get('source', '?')}, "
                     f"seqlen {fp.get('seqlen', '?')}, {fp.get('windows', '?')} windows, {fp.get('dtype', '?')}, "
                     f"{fp.get('device', '?')}, {calib}")
    return lines or ["fingerprint: no job in this table has run"]


def make_table(key, title, rows: list[dict], columns: list[str], notes=(), jobs=()) -> Table:
    frame = pd.DataFrame(rows, columns=columns).astype(str) if rows else pd.DataFrame(columns=columns)
    return Table(key, title, frame, list(notes), fingerprint_lines(jobs))
