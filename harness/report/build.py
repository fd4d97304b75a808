"""One report: read the store once, build every table and figure, write Markdown, HTML and CSVs."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from .evolution import table_evolution
from .figures import Figure, make_figures
from .generation import table4, table4c
from .levels import table1, table2, table3
from .machine_vs_human import table5, table6
from .renderers import to_html, to_markdown
from .runs import table_cost, table_jobs, table_summary
from .search import table_search
from .table import Table
from .view import Data, open_store
from .zeroshot import table_zero_shot


@dataclass
class Report:
    out_dir: Path
    tables: list[Table]
    figures: list[Figure]
    files: list[Path]


def collect_tables(d: Data, table6_method: str | None = None) -> list[Table]:
    tables = table1(d) + table2(d) + table3(d) + table4(d) + table4c(d) + table5(d) + table6(d, table6_method)
    tables += [table_summary(d), table_jobs(d), table_cost(d)] + table_evolution(d) + table_search(d) + table_zero_shot(d)
    for t in tables:   # the promise of cells.py, checked rather than hoped for
        bad = [(r, c) for c in t.frame.columns for r, v in enumerate(t.frame[c])
               if not isinstance(v, str) or v.strip() in ("", "NA", "nan", "NaN", "None")]
        if bad:
            raise AssertionError(f"{t.key}: empty or NA cells at {bad[:5]}")
    return tables


def render(store_or_path, out_dir, *, title: str | None = None, model: str | None = None,
           table6_method: str | None = None) -> Report:
    """Build every table and figure and write them; returns what was written."""
    store, owned, _ = open_store(store_or_path)
    try:
        d = Data(store.rows(), store.candidates(), model, store.evolution())
        warnings = list(store.notes().values())
    finally:
        if owned:
            store.close()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("table*.csv"), *out.glob("figure*.png")]:   # an earlier report's tables that this one lacks
        if re.fullmatch(r"(table\d+[a-z]?(-[A-Za-z0-9_]+)?\.csv|figure\d+\.png)", stale.name):
            stale.unlink()
    title = title or f"prunegen report: {d.model}"
    generated = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    tables = collect_tables(d, table6_method)
    figures = make_figures(d, out)
    files = []
    for t in tables:
        p = out / f"{t.key}.csv"
        t.frame.to_csv(p, index=False)
        files.append(p)
    md = out / "report.md"
    md.write_text(to_markdown(title, tables, figures, generated, warnings), encoding="utf-8")
    page = out / "report.html"
    page.write_text(to_html(title, tables, figures, generated, warnings), encoding="utf-8")
    files = [md, page, *files, *(f.path for f in figures)]
    return Report(out, tables, figures, files)


def build_report(store_path_or_store, out_dir, *, title: str | None = None, model: str | None = None,
                 table6_method: str | None = None) -> Path:
    """Write report.md, report.html (self-contained), tableN.csv and figureN.png under ``out_dir``.

    ``store_path_or_store``: a ResultsStore, a results.sqlite path or a run directory holding one.
    ``model``: which model's jobs to report (default: the one with most jobs).
    ``table6_method``: the method whose continuations Table 6 shows (default: best human method at 0.5).
    Returns ``out_dir`` as a Path.
    """
    return render(store_path_or_store, out_dir, title=title, model=model, table6_method=table6_method).out_dir
