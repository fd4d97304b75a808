"""``prunegen run CONFIG``: the whole experiment of a config (``harness.run.pipeline``), then its report.

The report is this command's last step, handed to the run as a hook: the run's own modules never
import the renderer, and a run without a report (``--no-report``) does not load it.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path

from harness.run.generator_check import GeneratorUnavailable
from harness.run.pipeline import RETRYABLE, GenerationFailed, parse_retry, run
from harness.run.folder import RunFolder
from harness.run.store import ResultsStore


def write_report(run_dir: Path, title: str) -> Path:
    """The report of ``run_dir`` in ``run_dir/report``; returns that folder."""
    from harness.report import build_report

    folder = RunFolder(run_dir)
    return build_report(folder.store, folder.report, title=title)


def cmd_run(args) -> int:
    from harness.run.config import load_config
    cfg = load_config(args.config, args.set or [])
    if args.out:
        cfg = replace(cfg, run=replace(cfg.run, out=args.out))
    if args.retry:
        statuses = parse_retry(args.retry)
        store_path = RunFolder(cfg.run.out).store
        if store_path.is_file():
            with ResultsStore(store_path) as store:
                jobs, fit = store.forget(statuses)
            print(f"--retry {','.join(sorted(statuses))}: {jobs} job(s) and {fit} held-out fitness row(s) "
                  "will run again")
    run_dir = Path(cfg.run.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    folder = RunFolder(run_dir)
    # The config beside its results: `prunegen report --verify RUN` re-scores the run from it.
    if not folder.config.exists() or not folder.config.samefile(args.config):
        shutil.copyfile(args.config, folder.config)
    overrides = folder.overrides
    if args.set:
        overrides.write_text("".join(f"{o}\n" for o in args.set), encoding="utf-8")
    elif overrides.exists():
        overrides.unlink()
    try:
        run(cfg, report=None if args.no_report else write_report)
    except (GeneratorUnavailable, GenerationFailed) as e:
        print(f"prunegen run: {e}", file=sys.stderr)
        return 3
    return 0


def register(sub) -> None:
    p = sub.add_parser("run", help="the whole experiment of a config: generate, sandbox, score, report")
    p.add_argument("config", help="experiment config (TOML), e.g. configs/default.toml")
    p.add_argument("--out", help="run directory (default: the config's run.out)")
    p.add_argument("--no-report", action="store_true")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="override one config value (repeatable), e.g. --set run.workers=2 --set sandbox.backend=process")
    p.add_argument("--retry", metavar="STATUS[,STATUS]",
                   help=f"run the stored jobs with these statuses again (one or more of {', '.join(RETRYABLE)}); "
                        "for failures of the machine, e.g. timeouts under a load that is gone")
    p.set_defaults(func=cmd_run)
