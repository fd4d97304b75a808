"""How the report numbers ideas and names programs, shared by Tables 4-10 and the figures.

A program's label reads ``<number> <idea>`` (the paper's Table 4 number where the program says it),
then what tells it apart: its generator, sample, repair round, or the evolution arm that wrote it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from harness.run.forms import FORMS, form_of_generator, is_interface_example
from harness.core.interface import Status
from harness.core.program_identity import KEPT_DIGEST, MASK_DIGEST
from harness.run.store import BEST_OF_N, EVOLVE, SEED, CandidateRecord, JobRow
from .view import Data, method_order, program_mode

# Statuses of a level that was scored: ok, and "collapsed" (scored, but worse than a uniform guess; the row
# keeps its perplexity). A string, not Status.COLLAPSED, so stores from before that status read the same.
COLLAPSED = "collapsed"
SCORED = (Status.OK.value, COLLAPSED)
# The level at which a program that works must not be collapsed to count as valid (pass@k, fix@r).
VALID_LEVEL = 0.5


def idea_numbers(d: Data) -> tuple[dict[str, str], bool]:
    """Idea -> number: the paper's Table 4 number where the candidate says it, else the next free one, starred."""
    known: dict[str, int] = {}
    programs = [c for c in (*d.scored, *d.evolution_programs.values()) if program_mode(c) != SEED]
    for c in programs:
        n = c.extra.get("paper_number")
        if n is not None and c.idea not in known:
            try:
                known[c.idea] = int(n)
            except (TypeError, ValueError):
                pass
    out = {idea: f"{n:02d}" for idea, n in known.items()}
    nxt = max(known.values(), default=0) + 1
    starred = False
    for idea in sorted({c.idea for c in programs} - set(known)):
        out[idea] = f"{nxt:02d}*"
        nxt += 1
        starred = True
    return out, starred


def _cand_label(d: Data, c: CandidateRecord, numbers: dict[str, str], multi_gen: bool, multi_sample: set) -> str:
    if program_mode(c) == SEED:
        return f"human seed {c.id.removeprefix('seed:')}"
    label = f"{numbers[c.idea]} {c.idea}"
    if multi_gen:
        label += f" [{c.generator}]"
    if program_mode(c) == EVOLVE:
        return label + f" evolved g{c.round}.{c.sample}"
    if program_mode(c) == BEST_OF_N:
        return label + f" best-of-N s{c.sample}"
    if (c.idea, c.generator) in multi_sample:
        label += f" s{c.sample}"
    if c.round:
        label += f" r{c.round}"
    return label


def candidate_labels(d: Data) -> dict[str, str]:
    numbers, _ = idea_numbers(d)
    seen = Counter((c.idea, c.generator) for c in d.candidates if not c.round)
    multi = {k for k, n in seen.items() if n > 1}
    every = {c.id: c for c in (*d.evolution_programs.values(), *d.scored)}   # evolution's unscored ones too
    return {i: _cand_label(d, c, numbers, len(d.generators) > 1, multi) for i, c in every.items()}


def machine_written(d: Data) -> list[CandidateRecord]:
    """The scored programs a model wrote: a human seed evolution scored is no machine's program."""
    return [c for c in d.scored if program_mode(c) != SEED]


def ok_candidates(d: Data, pattern: str | None = None) -> list[CandidateRecord]:
    """Machine-written programs with at least one level that ran ok (with ``pattern``)."""
    return [c for c in machine_written(d)
            if any(j.status == Status.OK and (pattern is None or j.pattern == pattern)
                   for j in d.cand_jobs.get(c.id, []))]


def example_copies(d: Data) -> set[str]:
    """Ids of generated programs that are the interface document's magnitude example again, up to form
    (normalised AST): they run, but a model that returns the example it was shown invented nothing.
    A program whose file is no longer where the store says is not flagged."""
    out = set()
    for c in d.candidates:
        path = Path(c.path) if c.path else None
        if path is not None and path.is_file() and is_interface_example(path.read_text(encoding="utf-8")):
            out.add(c.id)
    return out


def copies_in_effect(d: Data, copies: set[str]) -> set[str]:
    """Ids of programs whose code is not the example's but whose every ok level has exactly a copy's
    perplexity there: the same floats mean the same masks, almost surely, so the example in effect."""
    theirs = {}
    for cid in copies:
        for j in d.cand_jobs.get(cid, []):
            if j.status == Status.OK and j.perplexity is not None:
                theirs[(j.pattern, float(j.sparsity))] = j.perplexity
    out = set()
    for c in d.candidates:
        ok = [j for j in d.cand_jobs.get(c.id, []) if j.status == Status.OK and j.perplexity is not None]
        if c.id not in copies and ok and all(theirs.get((j.pattern, float(j.sparsity))) == j.perplexity
                                                for j in ok):
            out.add(c.id)
    return out


def same_level(a: JobRow, b: JobRow) -> bool:
    """Whether two scored jobs of one level returned the same model.

    With both rows' digests (harness.run.sweep stores them): the same zeros and the same kept values. Without:
    the same perplexity, bit for bit (the same windows scored the same model the same way; two different
    models tie to the last bit almost never). Digests decide where both have them, so equal numbers from
    different masks are not a copy.
    """
    ea, eb = a.extra, b.extra
    if ea.get(MASK_DIGEST) and eb.get(MASK_DIGEST):
        return ea[MASK_DIGEST] == eb[MASK_DIGEST] and ea.get(KEPT_DIGEST) == eb.get(KEPT_DIGEST)
    return a.perplexity is not None and a.perplexity == b.perplexity


def _scored_jobs(jobs: list[JobRow]) -> dict[tuple[str, float], JobRow]:
    return {(j.pattern, float(j.sparsity)): j for j in jobs
            if j.status in SCORED and j.perplexity is not None}


def _behaviours(d: Data, copies: set[str]) -> dict[str, dict[tuple[str, float], JobRow]]:
    """What each method did per (pattern, level), in the order a match is named: the prompt examples first
    (a program that returns its prompt's example invented least), then every reference method.

    A prompt example that was not run as a reference (stores from before it was) is known by what its
    copies (normalised AST) did instead."""
    examples = [FORMS[f].example for f in FORMS]
    out: dict[str, dict] = {m: {} for m in examples}
    for m in method_order(d.reference_methods):
        out[m] = _scored_jobs([j for j in d.jobs if j.kind == "reference" and j.method == m])
    for c in d.candidates:
        if c.id in copies:
            example = FORMS[form_of_generator(c.generator).name].example
            for k, j in _scored_jobs(d.cand_jobs.get(c.id, [])).items():
                out[example].setdefault(k, j)
    return {m: jobs for m, jobs in out.items() if jobs}


def methods_in_effect(d: Data, copies: set[str] | None = None) -> dict[str, str]:
    """Program id -> the prompt example or reference method it is in effect, whatever its code.

    A program is method M in effect when every level it was scored at (ok or collapsed) was scored for M
    too and returned the same model there (:func:`same_level`). Copies by normalised AST are left out
    (Table 4 says "yes" for them)."""
    copies = example_copies(d) if copies is None else copies
    behaviours = _behaviours(d, copies)
    out = {}
    for c in d.scored:
        mine = _scored_jobs(d.cand_jobs.get(c.id, []))
        if c.id in copies or not mine:
            continue
        for method, theirs in behaviours.items():
            if all(k in theirs and same_level(j, theirs[k]) for k, j in mine.items()):
                out[c.id] = method
                break
    return out


def not_original(d: Data) -> dict[str, str]:
    """Program id -> why it is not its own program: "copy of <example>" or "<method> in effect"."""
    copies = example_copies(d)
    out = {cid: f"{m} in effect" for cid, m in methods_in_effect(d, copies).items()}
    for c in d.scored:
        if c.id in copies:
            out[c.id] = f"copy of {FORMS[form_of_generator(c.generator).name].example}"
    return out


def vocabulary_bound(job: JobRow) -> int | None:
    """The perplexity of a uniform guess for a job's model: the scorer's bound where the row says it, else
    the vocabulary size its fingerprint names (``...(vocab=49152)``)."""
    bound = (job.extra.get("collapsed") or {}).get("bound")
    if bound:
        return int(bound)
    m = re.search(r"vocab=(\d+)", str((job.fingerprint or {}).get("tokenizer", "")))
    return int(m.group(1)) if m else None


def is_collapsed_job(job: JobRow | None, dense: JobRow | None) -> bool:
    """A scored job worse than a uniform guess (harness.run.scoring's rule, for stores from before it set the
    status): status collapsed, or a perplexity not finite or above the vocabulary size while the dense
    model's was at or below it."""
    if job is None or job.status not in SCORED:
        return False
    if job.status == COLLAPSED:
        return True
    return worse_than_uniform(job.perplexity, vocabulary_bound(job), dense.perplexity if dense else None)


def worse_than_uniform(ppl: float | None, bound: int | None, dense_ppl: float | None) -> bool:
    """A perplexity not finite or above ``bound`` (a uniform guess's: the vocabulary size) while the dense
    model's is at or below it (a tiny test model's dense perplexity can be above it: nothing is then judged)."""
    if ppl is None or bound is None or (math.isfinite(ppl) and ppl <= bound):
        return False
    return dense_ppl is not None and math.isfinite(dense_ppl) and dense_ppl <= bound


def validity_job(d: Data, cid: str) -> JobRow | None:
    """The job a program's validity is judged at: unstructured, the scored level nearest VALID_LEVEL."""
    jobs = [j for j in d.cand_jobs.get(cid, []) if j.pattern == "unstructured" and j.status in SCORED]
    return min(jobs, key=lambda j: (abs(float(j.sparsity) - VALID_LEVEL), float(j.sparsity))) if jobs else None
