"""Export a finished run as a folder to commit or share: ``prunegen report RUN --export DEST``.

A run directory holds gigabytes a reader does not need (the LLM cache, logs, sandbox leftovers) and
paths that only mean something on the machine that made it. The export keeps what a reviewer needs to
read the tables, re-check them and replay the generation without a model:

    DEST/report.md, report.html, table*.csv, figure*.png   the report, rendered from the run's store
    DEST/config.toml (+ config-overrides.txt)              what made the run (``--set`` overrides too)
    DEST/cassette.jsonl                                    every LLM turn (generation, repair, evolution), for
                                                           ``provider = "replay"``
    DEST/evolution-cassette.jsonl                          a run made before evolution's turns joined the one
                                                           cassette: its evolution's turns (replay with both)
    DEST/programs/<candidate id>.py                        every machine-written program, by its id
    DEST/EXPORT.txt                                        where it came from, and each file's sha256

Human seeds (``seed:NAME``) live in ``prompts/seeds/`` and are not copied. DEST is replaced only when it
is empty or an earlier export (it holds ``EXPORT.txt``), unless ``force``: a typo in DEST must not wipe a
folder of someone's work.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from harness.core.models import file_sha256
from harness.run.folder import CONFIG, OVERRIDES, RunFolder
from harness.run.store import ResultsStore

MANIFEST = "EXPORT.txt"
# The run's one cassette (harness.run.generate.run_cassette), and where older runs kept evolution's turns apart.
CASSETTES = {"candidates/cassette.jsonl": "cassette.jsonl",
             "evolution/cassette.jsonl": "evolution-cassette.jsonl"}
# The folders a run writes programs under: a stored path that no longer resolves is re-rooted at them, so a
# run made from another working directory (paths relative to it) or moved since still exports.
PROGRAM_ROOTS = ("candidates", "evolution")


class ExportError(Exception):
    """The run cannot be exported as asked; the message says what to do."""


@dataclass(frozen=True)
class Exported:
    dest: Path
    files: tuple[Path, ...]        # every file written, relative to dest, sorted
    programs: int


def program_file(run_dir: Path, stored: str) -> Path | None:
    """The candidate file a store row names: where it says (a store seeded from another run names that
    run's files), else the same path re-rooted inside ``run_dir`` (a run moved or made from elsewhere)."""
    p = Path(stored)
    if p.is_file():
        return p
    parts = p.parts
    for i, part in enumerate(parts):
        if part in PROGRAM_ROOTS:
            q = run_dir.joinpath(*parts[i:])
            if q.is_file():
                return q
    return None


def program_dest(candidate_id: str) -> PurePosixPath:
    """``idea/generator/sample-K[-rR]`` -> ``programs/idea/generator/sample-K[-rR].py``; ids are checked."""
    rel = PurePosixPath(candidate_id)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ExportError(f"candidate id {candidate_id!r} is not a relative name; refusing to write it")
    return PurePosixPath("programs") / rel.with_name(rel.name + ".py")


def _clear(dest: Path, force: bool) -> None:
    if not dest.exists():
        return
    if not dest.is_dir():
        raise ExportError(f"{dest} exists and is not a folder")
    if any(dest.iterdir()) and not (dest / MANIFEST).is_file() and not force:
        raise ExportError(f"{dest} is not empty and holds no {MANIFEST} (not an earlier export): "
                          f"choose another folder, or pass --force to replace its contents")
    shutil.rmtree(dest)


def export_run(run_dir: Path, dest: Path, *, force: bool = False, title: str | None = None,
               model: str | None = None, table6_method: str | None = None) -> Exported:
    """Render ``run_dir``'s report into ``dest`` and copy beside it what made it (see the module doc)."""
    from harness.report import render

    run_dir = Path(run_dir)
    store = RunFolder(run_dir).store
    if not store.is_file():
        raise ExportError(f"{store} not found: --export takes a run directory (the [run] out of its config)")
    with ResultsStore(store) as s:
        rows = [(c.id, c.path) for c in s.candidates() if c.path and ":" not in c.id]
    copies: dict[PurePosixPath, Path] = {}
    missing = []
    for cid, stored in rows:
        src = program_file(run_dir, stored)
        if src is None:
            missing.append(f"{cid} ({stored})")
        else:
            copies[program_dest(cid)] = src
    if missing:
        raise ExportError(f"{len(missing)} program file(s) the store names are not in {run_dir}: "
                          + "; ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""))
    if not (run_dir / CONFIG).is_file():
        raise ExportError(f"{run_dir / CONFIG} not found: a run keeps its config there; without it the "
                          f"export could not say what made the numbers")
    if title is None:    # the title `prunegen run` gave the run's own report: its config's [run] name
        with open(run_dir / CONFIG, "rb") as f:
            title = tomllib.load(f).get("run", {}).get("name")
    dest = Path(dest)
    _clear(dest, force)
    dest.mkdir(parents=True)
    render(run_dir, dest, title=title, model=model, table6_method=table6_method)
    for rel in (CONFIG, OVERRIDES):
        if (run_dir / rel).is_file():
            shutil.copyfile(run_dir / rel, dest / rel)
    for src, name in CASSETTES.items():
        if (run_dir / src).is_file():
            shutil.copyfile(run_dir / src, dest / name)
    for rel, src in copies.items():
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out)
    files = sorted(p.relative_to(dest) for p in dest.rglob("*") if p.is_file())
    lines = [f"# prunegen report --export of run {run_dir.resolve().name!r}: {len(copies)} programs, "
             f"{len(files)} files; sha256 and path of each", ""]
    lines += [f"{file_sha256(dest / f)}  {f.as_posix()}" for f in files]
    (dest / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Exported(dest, tuple(files) + (Path(MANIFEST),), len(copies))
