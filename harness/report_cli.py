"""``prunegen report RUN_DIR_OR_SQLITE [--out DIR]``: write the paper's tables and figures for a run."""

from __future__ import annotations

import sys
from pathlib import Path


def _default_out(target: Path) -> Path:
    return (target if target.is_dir() else target.parent) / "report"


def cmd_report(args) -> int:
    from .report import render

    target = Path(args.target)
    out = Path(args.out) if args.out else _default_out(target)
    try:
        rep = render(target, out, title=args.title, model=args.model, table6_method=args.table6_method)
    except FileNotFoundError as e:
        print(f"prunegen report: error: {e}", file=sys.stderr)
        return 2
    for p in rep.files:
        print(p)
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="Tables 1-6 (+ extras) and figures as Markdown, HTML and CSV")
    p.add_argument("target", metavar="RUN_DIR_OR_SQLITE", help="a run directory holding results.sqlite, or the file")
    p.add_argument("--out", default=None, help="output directory (default: <run dir>/report/)")
    p.add_argument("--title", default=None)
    p.add_argument("--model", default=None, help="model whose jobs to report (default: the one with most jobs)")
    p.add_argument("--table6-method", default=None,
                   help="method (or candidate id) whose continuations Table 6 shows (default: best human at 0.5)")
    p.set_defaults(func=cmd_report)
