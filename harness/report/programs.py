"""How the report numbers ideas and names programs, shared by Tables 4-10 and the figures.

A program's label reads ``<number> <idea>`` (the paper's Table 4 number where the program says it),
then what tells it apart: its generator, sample, repair round, or the evolution arm that wrote it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..interface import Status
from ..program_identity import is_interface_example
from ..store import BEST_OF_N, EVOLVE, SEED
from .view import Data, program_mode


def idea_numbers(d: Data) -> tuple[dict[str, str], bool]:
    """Idea -> number: the paper's Table 4 number where the candidate says it, else the next free one, starred."""
    known: dict[str, int] = {}
    programs = [c for c in (*d.scored, *d.evolution_programs.values()) if program_mode(c) != SEED]
    for c in programs:
        n = (c.get("extra") or {}).get("paper_number")
        if n is not None and c["idea"] not in known:
            try:
                known[c["idea"]] = int(n)
            except (TypeError, ValueError):
                pass
    out = {idea: f"{n:02d}" for idea, n in known.items()}
    nxt = max(known.values(), default=0) + 1
    starred = False
    for idea in sorted({c["idea"] for c in programs} - set(known)):
        out[idea] = f"{nxt:02d}*"
        nxt += 1
        starred = True
    return out, starred


def _cand_label(d: Data, c: dict, numbers: dict[str, str], multi_gen: bool, multi_sample: set) -> str:
    if program_mode(c) == SEED:
        return f"human seed {c['id'].removeprefix('seed:')}"
    label = f"{numbers[c['idea']]} {c['idea']}"
    if multi_gen:
        label += f" [{c['generator']}]"
    if program_mode(c) == EVOLVE:
        return label + f" evolved g{c.get('round') or 0}.{c.get('sample') or 0}"
    if program_mode(c) == BEST_OF_N:
        return label + f" best-of-N s{c.get('sample') or 0}"
    if (c["idea"], c["generator"]) in multi_sample:
        label += f" s{c.get('sample') or 0}"
    if c.get("round"):
        label += f" r{c['round']}"
    return label


def candidate_labels(d: Data) -> dict[str, str]:
    numbers, _ = idea_numbers(d)
    seen = Counter((c["idea"], c["generator"]) for c in d.candidates if not c.get("round"))
    multi = {k for k, n in seen.items() if n > 1}
    every = {c["id"]: c for c in (*d.evolution_programs.values(), *d.scored)}   # evolution's unscored ones too
    return {i: _cand_label(d, c, numbers, len(d.generators) > 1, multi) for i, c in every.items()}


def ok_candidates(d: Data, pattern: str | None = None) -> list[dict]:
    return [c for c in d.scored
            if any(j["status"] == Status.OK and (pattern is None or j["pattern"] == pattern)
                   for j in d.cand_jobs.get(c["id"], []))]


def example_copies(d: Data) -> set[str]:
    """Ids of generated programs that are the interface document's magnitude example again, up to form
    (normalised AST): they run, but a model that returns the example it was shown invented nothing.
    A program whose file is no longer where the store says is not flagged."""
    out = set()
    for c in d.candidates:
        path = Path(c["path"]) if c.get("path") else None
        if path is not None and path.is_file() and is_interface_example(path.read_text(encoding="utf-8")):
            out.add(c["id"])
    return out


def copies_in_effect(d: Data, copies: set[str]) -> set[str]:
    """Ids of programs whose code is not the example's but whose every ok level has exactly a copy's
    perplexity there: the same floats mean the same masks, almost surely, so the example in effect."""
    theirs = {}
    for cid in copies:
        for j in d.cand_jobs.get(cid, []):
            if j["status"] == Status.OK and j.get("perplexity") is not None:
                theirs[(j["pattern"], float(j["sparsity"]))] = j["perplexity"]
    out = set()
    for c in d.candidates:
        ok = [j for j in d.cand_jobs.get(c["id"], []) if j["status"] == Status.OK and j.get("perplexity") is not None]
        if c["id"] not in copies and ok and all(theirs.get((j["pattern"], float(j["sparsity"]))) == j["perplexity"]
                                                for j in ok):
            out.add(c["id"])
    return out
