"""``prunegen report RUN_DIR_OR_SQLITE [--out DIR]``: write the paper's tables and figures for a run.

``prunegen report RUN_DIR --export DEST [--force]`` writes the report into DEST with the run's config,
replies and programs beside it, a folder to commit or share (``harness.cli.export``).

``prunegen report --verify RUN_DIR [--config CONFIG] [--sample N]`` re-scores a sample of the run's jobs
instead and says whether each number comes out bit for bit the same (``harness.run.verify``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.run.folder import RunFolder


def _default_out(target: Path) -> Path:
    return RunFolder(target if target.is_dir() else target.parent).report


def load_run_config(run_dir: Path, config: str | None = None):
    """The config a run was made with: ``config`` if given, else RUN/config.toml with the run's ``--set``
    overrides (``prunegen run`` keeps both beside the store). Raises ConfigError naming what is missing."""
    from harness.run.config import ConfigError, load_config
    folder = RunFolder(run_dir)
    path = Path(config) if config else folder.config
    if not path.is_file():
        raise ConfigError(f"{path} not found; pass the run's config with --config")
    overrides = folder.overrides
    sets = overrides.read_text(encoding="utf-8").split() if not config and overrides.is_file() else []
    return load_config(path, sets)


def cmd_verify(args) -> int:
    from harness.run.config import ConfigError
    from harness.run.verify import VerifyError, verify_run

    run_dir = Path(args.target)
    try:
        checks = verify_run(run_dir, load_run_config(run_dir, args.config), sample=args.sample, seed=args.seed)
    except (VerifyError, ConfigError) as e:
        print(f"prunegen report --verify: error: {e}", file=sys.stderr)
        return 2
    same = sum(c.identical for c in checks)
    print(f"{same} of {len(checks)} re-scored jobs identical to the stored numbers")
    return 0 if same == len(checks) else 1


def cmd_export(args) -> int:
    from .export import ExportError, export_run

    try:
        ex = export_run(Path(args.target), Path(args.export), force=args.force, title=args.title,
                        model=args.model, table6_method=args.table6_method)
    except ExportError as e:
        print(f"prunegen report --export: error: {e}", file=sys.stderr)
        return 2
    print(f"{ex.dest}: {len(ex.files)} files, {ex.programs} programs (listed with sha256 in {ex.dest}/EXPORT.txt)")
    return 0


def cmd_report(args) -> int:
    from harness.report import render

    if args.verify:
        return cmd_verify(args)
    if args.export:
        if args.out:
            print("prunegen report: error: --out and --export both name where to write; give one", file=sys.stderr)
            return 2
        return cmd_export(args)
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
    p.add_argument("--export", default=None, metavar="DEST",
                   help="write the report plus the run's config, replies (cassette) and programs into DEST, "
                        "a folder to commit or share (replaced only if empty or an earlier export)")
    p.add_argument("--force", action="store_true", help="with --export: replace DEST even if it is not an export")
    p.add_argument("--verify", action="store_true",
                   help="instead of a report: re-score a sample of the run's jobs and compare them bit for bit")
    p.add_argument("--config", default=None, help="with --verify: the run's config (default: RUN_DIR/config.toml)")
    p.add_argument("--sample", type=int, default=3, help="with --verify: pruned jobs to re-score (plus dense)")
    p.add_argument("--seed", type=int, default=0, help="with --verify: which jobs are sampled")
    p.set_defaults(func=cmd_report)
