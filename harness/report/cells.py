"""What one cell of a report table says. The rules, everywhere:

  * a job that ran ok shows its perplexity, 3 decimals as in the paper (scientific above 1e6);
  * a job that failed shows its status (``runtime-error``, ``timeout``, ...; see harness.core.interface.Status);
  * a method that cannot apply shows ``not applicable: <reason>``;
  * a job that is not in the store shows ``not run``.

No cell is ever empty, ``NA`` or ``nan``: :func:`harness.report.build.collect_tables` checks it.
"""

from __future__ import annotations

import math

from harness.core.interface import Status
from harness.core.numbers import fmt_ppl
from harness.run.store import JobRow

NOT_RUN = "not run"
DETAIL_CHARS = 90


def fmt_level(s: float) -> str:
    return f"{s:.2f}" if round(s, 2) == round(s, 10) else f"{s:g}"


def fmt_num(x: float | None, spec: str, missing: str = "not measured") -> str:
    return missing if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def one_line(text: str | None, limit: int = DETAIL_CHARS) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"


def na_reason(detail: str | None) -> str:
    """'not applicable: model has no bias: 210 of 210 ...' -> 'model has no bias'."""
    d = (detail or "").strip()
    if d.lower().startswith("not applicable"):
        d = d[len("not applicable"):].lstrip(" :").strip()
    return d.split(":")[0].strip() if d else ""


def job_cell(job: JobRow | None) -> str:
    """What a table shows for one job: perplexity, status, 'not applicable: why' or 'not run'."""
    if job is None:
        return NOT_RUN
    status = job.status
    if status == Status.OK:
        return fmt_ppl(job.perplexity) or "ok (no perplexity recorded)"
    if status == Status.NOT_APPLICABLE:
        reason = na_reason(job.detail)
        return f"not applicable: {reason}" if reason else "not applicable"
    return str(status)
