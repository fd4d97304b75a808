"""Before the first idea: does every generator really answer? And after generation: did any program come out?

``harness/run/preflight.py`` checks what can be checked without starting anything. This module goes one
step further, once the generators exist: it asks each one for a real reply (a few tokens from a local
engine, one models request from a remote server), because a llama.cpp build whose kernels fault
still answers ``/v1/models`` and dies at the first prompt, and a ``base_url`` where nothing listens
should cost seconds, not six retries per idea.

A local GGUF generator whose llama.cpp server fails falls back to the transformers engine (slower,
same model), and the run says so in its log and at the top of its report. A generator that no engine
can run stops the run before any work, with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from .config import GeneratorConfig
from harness.core.interface import Status
from harness.llm.base import GenerationError
from .store import CandidateRecord

log = logging.getLogger("prunegen.run")

NOTE_PREFIX = "generator:"


class GeneratorUnavailable(RuntimeError):
    """No engine of a configured generator answered; the message says which and why."""


@dataclass(frozen=True)
class ProbeOutcome:
    generator: str
    engine: str            # the engine that answered (llama.cpp, transformers, openai-compatible, ...)
    fallback_from: str | None = None
    why: str = ""          # why the first engine was given up


def _engine(provider) -> str:
    return getattr(provider, "engine", None) or provider.identity().get("engine") or provider.kind


def probe(provider) -> str | None:
    """Ask ``provider`` for one real reply without recording it; the error text, or None when it answered."""
    ask = getattr(provider, "probe", None)
    if ask is None:        # replay: its answers are on disk already
        return None
    try:
        ask()
    except GenerationError as e:
        return str(e)
    return None


def check_generators(generators: dict, configs: dict[str, GeneratorConfig], make_fallback: Callable,
                     say: Callable[[str], None]) -> list[ProbeOutcome]:
    """Probe every generator; swap in the transformers engine where a local llama.cpp server fails.

    ``generators``: name -> (CachedProvider, params), changed in place on a fallback.
    ``make_fallback(config) -> (CachedProvider, params)`` builds the same generator on transformers.
    Raises GeneratorUnavailable, listing every generator that no engine could run.
    """
    outcomes, dead = [], []
    for name, (provider, params) in list(generators.items()):
        inner = getattr(provider, "inner", provider)
        engine = _engine(inner)
        error = probe(inner)
        if error is None:
            outcomes.append(ProbeOutcome(name, engine))
            continue
        g = configs[name]
        if g.provider == "local" and engine == "llama.cpp":
            say(f"generator {name}: the llama.cpp server failed a test completion of a few tokens "
                f"({error[:300]}); falling back to the transformers engine (same model, slower)")
            close = getattr(inner, "close", None)
            if close:
                close()
            fallback, fparams = make_fallback(g)
            error2 = probe(getattr(fallback, "inner", fallback))
            if error2 is None:
                generators[name] = (fallback, fparams)
                outcomes.append(ProbeOutcome(name, "transformers", fallback_from="llama.cpp", why=error))
                continue
            dead.append(f"{name}: llama.cpp failed ({error[:300]}) and transformers failed ({error2[:300]})")
            continue
        dead.append(f"{name}: {error[:400]}")
    if dead:
        raise GeneratorUnavailable("no engine of these generators answers, so the run stops before any work:\n"
                                   + "\n".join(f"  - {d}" for d in dead))
    return outcomes


def fallback_note(o: ProbeOutcome) -> str:
    return (f"Generator {o.generator} ran on the {o.engine} engine, not {o.fallback_from}: the "
            f"{o.fallback_from} server failed a test completion before the first idea ({o.why[:300]}).")


def record_outcomes(store, outcomes: list[ProbeOutcome]) -> None:
    """A fallback is a note the report prints at its top; an engine that answered clears an old one."""
    for o in outcomes:
        if o.fallback_from:
            store.put_note(NOTE_PREFIX + o.generator, fallback_note(o))
        else:
            store.forget_note(NOTE_PREFIX + o.generator)


# -- after generation ------------------------------------------------------------------------------
def generation_failures(candidates: list[CandidateRecord], generators: list[str]) -> list[str]:
    """Sentences for what makes a run's machine side empty, from its one-pass candidates.

    A run that asked for programs and got none, and each generator whose every call failed, is a
    failed run even when the human references were scored: the run exits non-zero with these.
    """
    one_pass = [c for c in candidates if not c.round]
    if not one_pass or not generators:
        return []
    problems = []
    if not any(c.status == Status.OK.value for c in one_pass):
        problems.append(f"Generation produced no program at all: none of the {len(one_pass)} replies "
                        f"held code that parses ({_statuses(one_pass)}).")
    for g in generators:
        mine = [c for c in one_pass if c.generator == g]
        if mine and all(c.status == Status.GENERATION_ERROR.value for c in mine):
            first = mine[0].detail.strip()[:200]
            problems.append(f"Generator {g} failed every one of its {len(mine)} calls (first error: {first}).")
    return problems


def _statuses(cands: list[CandidateRecord]) -> str:
    from collections import Counter
    return ", ".join(f"{n} {s}" for s, n in Counter(c.status for c in cands).most_common())
