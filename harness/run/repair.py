"""Repair: a failed program's status, traceback tail and validation message go back to its model.

The follow-up is a real second turn of the same conversation: the original system and user
messages, the model's own earlier reply as the assistant turn, then ``prompts/repair.j2`` with what
went wrong. Each round's program is a new candidate linked to its parent (``round``, ``parent``), and each
turn goes to the run's one cassette (``<out_dir>/cassette.jsonl``, purpose ``repair``) beside the generation's,
so replaying the run answers a repair whenever the same failure recurs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .extract import extract_code
from .forms import FORMS, Form, form_of_generator
from .generate import utc_now, write_atomic, model_slug, provenance_header
from harness.core.interface import Status
from harness.llm.base import GenerationError, GenerationParams
from harness.llm.replay import CASSETTE, record_turn
from harness.llm.keys import prompt_hash
from .prompting import Idea, template_environment, render_messages
from .store import CandidateRecord, ResultsStore

LOG_TAIL_CHARS = 2000


@dataclass(frozen=True)
class Failure:
    """What went wrong with one candidate: the feedback of its repair turn."""
    candidate: CandidateRecord
    status: str
    detail: str
    log_tail: str = ""


def repair_messages(idea: Idea, previous_reply: str, failure: Failure, round_: int,
                    prompts_dir: str | Path | None = None, form: Form = FORMS["program"]) -> list[dict[str, str]]:
    """[system, user (the original ask), assistant (its reply), user (the form's repair template with the failure)]."""
    first = render_messages(idea, form.user, prompts_dir=prompts_dir, system_template=form.system)
    follow_up = template_environment(prompts_dir).get_template(f"{form.repair}.j2").render(
        idea=idea, status=failure.status, detail=failure.detail[:1000],
        log_tail=failure.log_tail[-LOG_TAIL_CHARS:].strip(), round=round_)
    return first + [{"role": "assistant", "content": previous_reply},
                    {"role": "user", "content": follow_up.strip() + "\n"}]


def failures_to_repair(store: ResultsStore, candidates: list[CandidateRecord]) -> list[Failure]:
    """The candidates of one round that failed: at generation, or at the first level they ran."""
    out = []
    for c in candidates:
        if c.status != Status.OK.value:
            if c.status in (Status.NO_CODE.value, Status.SYNTAX_ERROR.value):
                out.append(Failure(c, c.status, c.detail))
            continue  # generation-error: the call failed, there is no reply to repair
        jobs = sorted(store.rows(kind="candidate", method=c.id), key=lambda r: r.sparsity)
        bad = [r for r in jobs if r.status not in (Status.OK.value, Status.SKIPPED.value)]
        if bad:
            r = bad[0]
            out.append(Failure(c, r.status, f"at sparsity {r.sparsity}: {r.detail}",
                               r.extra.get("stderr_tail", "")))
    return out


def previous_reply(candidate: CandidateRecord) -> str:
    """The model's own earlier answer: its raw reply when kept, else the program it produced."""
    raw = candidate.extra.get("raw_path")
    if raw and Path(raw).is_file():
        return json.loads(Path(raw).read_text(encoding="utf-8"))["text"]
    if candidate.path and Path(candidate.path).is_file():
        return "```python\n" + Path(candidate.path).read_text(encoding="utf-8") + "\n```"
    return "(no reply was kept)"


def repair(failure: Failure, idea: Idea, provider, params: GenerationParams, round_: int, out_dir: Path,
           store: ResultsStore) -> CandidateRecord:
    """One repair turn for one failed candidate; returns (and stores) the new candidate."""
    parent = failure.candidate
    form = form_of_generator(parent.generator)
    slug = form.slug(model_slug(provider.model))
    cid = f"{parent.idea}/{slug}/sample-{parent.sample}-r{round_}"
    if store.has_candidate(cid):  # resumed run: this turn was taken and paid for already
        return store.candidates(id=cid)[0]
    messages = repair_messages(idea, previous_reply(parent), failure, round_, form=form)
    folder = out_dir / parent.idea / slug
    base = dict(id=cid, idea=parent.idea, generator=parent.generator, sample=parent.sample,
                round=round_, parent=parent.id)
    try:
        completion = provider.complete(messages, params, parent.sample)
    except GenerationError as e:
        rec = CandidateRecord(status=Status.GENERATION_ERROR.value, detail=str(e), **base,
                              extra={"repairs_status": failure.status})
        store.put_candidate(rec)
        return store.candidates(id=cid)[0]
    # The turn's home is the run's cassette (what replay reads); the reply beside the program is what the
    # next round sends back as this program's own answer (previous_reply).
    record_turn(out_dir / CASSETTE, purpose="repair", provider=provider, messages=messages, params=params,
                sample_index=parent.sample, idea=parent.idea, completion=completion)
    raw_path = folder / f"sample-{parent.sample}-r{round_}.reply.json"
    write_atomic(raw_path, json.dumps({"text": completion.text, "raw": completion.raw}, ensure_ascii=False, indent=1) + "\n")
    ex = extract_code(completion.text, form.entry)
    path = None
    if ex.code is not None:
        path = folder / f"sample-{parent.sample}-r{round_}.py"
        header = provenance_header(idea=idea, model=completion.model, provider=provider.kind,
                                   phash=prompt_hash(messages), template=f"repair (round {round_})", date=utc_now(),
                                   params=params.key_fields(), sample=parent.sample, status=ex.status.value,
                                   detail=ex.detail)
        write_atomic(path, header + form.assemble(ex.code))
    u = completion.usage
    store.put_candidate(CandidateRecord(
        status=ex.status.value, detail=ex.detail, path=str(path) if path else None,
        prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens, cost_usd=completion.cost_usd,
        latency_s=completion.latency_s,
        extra={**parent.extra, "raw_path": str(raw_path), "repairs_status": failure.status,
               "cached": completion.cached}, **base))
    return store.candidates(id=cid)[0]
