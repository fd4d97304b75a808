"""The sampler: a prompt from the best few programs of one island, and the child from the reply.

As FunSearch's sampler, the programs are shown worst first as versions of one function (score_v0,
score_v1, ...) with their held-out fitness, and the model is asked for the next version. Two ways to
answer, whichever the small coder does better (``[search] edit``): a whole rewrite, or SEARCH/REPLACE
edits of the best version shown (AlphaEvolve's diff format), applied here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from harness.run.extract import extract_code
from harness.core.numbers import fmt_ppl
from harness.run.prompting import Idea, render_messages
from .database import Program

EDITS = ("rewrite", "diff")
SYSTEM = "search_system"
TEMPLATE = "search_evolve"
ONE_PASS = "search_user"

# The idea every search prompt carries: what to find, with no human method in it.
SEARCH_IDEA = Idea(
    id="search", title="A better importance score for one-shot pruning",
    description=("Find the importance score that keeps the pruned model's held-out perplexity lowest at "
                 "every sparsity shown. Use any of the inputs the loop offers, and tunable constants."))

_BLOCK = re.compile(r"<{5,}\s*SEARCH\s*\n(.*?)\n?={5,}\s*\n(.*?)\n?>{5,}\s*REPLACE", re.S)


class DiffError(ValueError):
    """A reply's edits could not be applied to the program they edit."""


def _fmt(x: float) -> str:
    return fmt_ppl(x) if math.isfinite(x) else "inf"


def view(program: Program, version: int) -> dict:
    """One program as the template shows it (numbers rounded, so a replay renders the same prompt)."""
    return {"version": version, "code": program.code.strip(), "fitness": _fmt(program.fitness),
            "levels": [{"level": f"{lv:g}", "perplexity": _fmt(p)} for lv, p in program.levels],
            "tuned": ", ".join(f"{k} = {v:.4g}" for k, v in program.tuned)}


# What ``[search] focus`` may name: the score's inputs beyond the weight (prompts/search_system.j2).
FOCUS_INPUTS = ("act_norm", "act_mean", "grad", "fisher", "hinv_diag")


def messages_for(programs: list[Program], levels: tuple[float, ...], edit: str,
                 idea: Idea = SEARCH_IDEA, rejected: list[tuple[str, str]] = (),
                 focus: str | None = None, allocate: bool = False, update: bool = False) -> list[dict[str, str]]:
    """The chat for one child; ``programs`` best first (as ``ProgramsDatabase.top`` gives them);
    ``rejected``: (code, reason) of the island's latest attempts that did not count, so a small model
    sees its own failures and hand-backs instead of repeating them; ``focus``: an input the child must
    use (a small coder shown ``score(weight)`` otherwise keeps to ``weight``), named, never a formula;
    ``allocate``, ``update``: the system message offers the per-layer ``allocate`` and the ``update`` of
    the kept weights (off: the prompts are as before)."""
    if edit not in EDITS:
        raise ValueError(f"search edit {edit!r} is not one of {', '.join(EDITS)}")
    if focus is not None and focus not in FOCUS_INPUTS:
        raise ValueError(f"search focus {focus!r} is not one of {', '.join(FOCUS_INPUTS)}")
    if not programs:
        raise ValueError("the sampler needs at least one program to show (seed the islands first)")
    shown = [view(p, v) for v, p in enumerate(reversed(programs))]
    return render_messages(idea, TEMPLATE, system_template=SYSTEM, programs=shown,
                           levels=[f"{lv:g}" for lv in levels], edit=edit,
                           rejected=[{"code": c.strip(), "reason": r} for c, r in rejected], focus=focus,
                           allocate=allocate, update=update)


def rejection_reason(status: str, detail: str, shown: list[Program], known_id: str | None = None) -> str:
    """What the model is told about an attempt that did not count, in one line."""
    if status == "duplicate":
        names = {p.id: f"score_v{v}" for v, p in enumerate(reversed(shown))}
        same = names.get(known_id or "", "a program already tried")
        return f"prunes exactly the same weights as {same}: a restyling, not a new score"
    if status == "gated":
        return "ran, but far worse than the best version at the first sparsity tried"
    last = (detail or status).strip().splitlines()[-1:] or [status]
    return f"failed ({status}): {last[0][:200]}"


def one_pass_messages(idea: Idea = SEARCH_IDEA, allocate: bool = False, update: bool = False) -> list[dict[str, str]]:
    """The best-of-N control's chat: the same system message, no program shown."""
    return render_messages(idea, ONE_PASS, system_template=SYSTEM, allocate=allocate, update=update)


def apply_diff(parent: str, reply: str) -> str:
    """``parent`` with every SEARCH/REPLACE block of ``reply`` applied in order.

    A block's SEARCH text must occur in the code as it stands (exactly, or else ignoring each line's
    trailing whitespace); the first occurrence is replaced.
    """
    blocks = _BLOCK.findall(reply)
    if not blocks:
        raise DiffError("no SEARCH/REPLACE block in the reply")
    code = parent
    for i, (search, new) in enumerate(blocks, 1):
        if search in code:
            code = code.replace(search, new, 1)
            continue
        stripped = "\n".join(line.rstrip() for line in code.splitlines())
        want = "\n".join(line.rstrip() for line in search.splitlines())
        if want and want in stripped:
            code = stripped.replace(want, new, 1) + "\n"
            continue
        raise DiffError(f"edit {i} of {len(blocks)}: its SEARCH text is not in the program")
    return code


@dataclass(frozen=True)
class Child:
    status: str          # ok, or why no code came out (no-code, syntax-error, diff-failed)
    code: str | None
    detail: str


def child_code(reply: str, parent: Program | None, edit: str) -> Child:
    """The child program a reply holds: its fenced code (rewrite) or the parent with its edits (diff).

    A diff reply that instead holds a whole ```python block is taken as a rewrite: the model answered
    the question, if not in the form asked.
    """
    import ast

    if edit == "diff" and parent is not None and _BLOCK.search(reply):
        try:
            code = apply_diff(parent.code, reply)
        except DiffError as e:
            return Child("diff-failed", None, str(e))
        try:
            ast.parse(code)
        except SyntaxError as e:
            return Child("syntax-error", None, f"edited program does not parse: line {e.lineno}: {e.msg}")
        return Child("ok", code, "edits applied to the best version shown")
    ex = extract_code(reply)
    return Child(ex.status.value, ex.code, ex.detail)
