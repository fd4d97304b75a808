"""Score a pruned model and record the job: the last step every pruner's result goes through.

The :class:`Scorer` owns the harness's own copy of the model, the evaluation windows and the dense
weights. Whatever pruned it (an in-process reference run, or validated tensors copied back from the
sandbox), the model is scored here, the job is written to the store, and the dense weights are put back.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict

import torch

from .config import CalibrationConfig
from .data import DRAW, Text, eval_text
from .evaluate import EvalSetup, eval_windows, fingerprint, greedy_continuation
from .interface import Status
from .models import LoadedModel
from .perplexity import perplexity
from .store import JobKey, JobResult, ResultsStore


class Scorer:
    def __init__(self, lm: LoadedModel, store: ResultsStore, setup: EvalSetup, calib: CalibrationConfig,
                 prompt: str = "University is", text: Text | None = None):
        self.lm, self.store, self.setup, self.prompt = lm, store, setup, prompt
        self.text = text or eval_text(setup.source)
        self.windows = eval_windows(lm.tokenizer, self.text, setup)
        self.dense = {k: v.detach().clone() for k, v in lm.model.state_dict().items()}
        base = fingerprint(lm, self.text, setup, self.windows)
        # Jobs are keyed on the evaluation and calibration setup: change either and nothing is reused.
        # DRAW names how windows are drawn from the calibration config, so a store made with other
        # windows for the same config is not resumed as if it were this one.
        self.setup_digest = hashlib.sha256(json.dumps([asdict(calib), base.digest, DRAW]).encode()).hexdigest()[:12]
        self.lock = threading.Lock()  # one harness model: one scoring at a time

    def key(self, kind: str, method: str, sparsity: float, pattern: str) -> JobKey:
        return JobKey(kind, method, self.lm.info.spec, float(sparsity), pattern, self.setup_digest)

    def restore(self) -> None:
        self.lm.model.load_state_dict(self.dense)

    def measure(self) -> tuple[float, float, str | None]:
        """(perplexity, seconds, Table 6 continuation) of the model as it is now."""
        r = perplexity(self.lm.model, self.windows, batch_size=self.setup.batch_size, device=self.lm.info.device,
                       compile=self.setup.compile)
        return r.perplexity, r.seconds, greedy_continuation(self.lm, self.prompt) if self.prompt else None

    def record(self, key: JobKey, status: Status, detail: str = "", *, prune_seconds: float | None = None,
               achieved: float | None = None, calibration: dict | None = None, peak_memory: int | None = None,
               artefacts: dict | None = None, extra: dict | None = None,
               measured: tuple[float, float, str | None] | None = None, **ids) -> JobResult:
        """Write the job, scoring the model as it is now if ``status`` is ok and nothing was ``measured``
        already; then restore the dense weights."""
        ppl = eval_s = cont = None
        if status is Status.OK:
            ppl, eval_s, cont = measured or self.measure()
        fp = fingerprint(self.lm, self.text, self.setup, self.windows, calibration)
        result = JobResult(key, str(status), detail, achieved_sparsity=achieved, perplexity=ppl,
                           prune_seconds=prune_seconds, eval_seconds=eval_s, peak_memory_bytes=peak_memory,
                           fingerprint=fp.as_dict(), fingerprint_digest=fp.digest, artefacts=artefacts or {},
                           extra={"continuation": cont, "prompt": self.prompt, **(extra or {})}, **ids)
        self.store.put(result)
        self.restore()
        return result

    def record_dense(self) -> JobResult | None:
        """The dense model's row (sparsity 0), once per setup."""
        key = self.key("dense", "dense", 0.0, "unstructured")
        if self.store.has(key):
            return None
        self.restore()
        return self.record(key, Status.OK, "dense model", prune_seconds=0.0, achieved=_overall(self.lm.model))


def _overall(model: torch.nn.Module) -> float:
    from .sparsity import measure_model
    return measure_model(model).overall


def row(result: JobResult) -> dict:
    """The CLI's one-line view of a job (``--json`` prints exactly this)."""
    k = result.key
    return {"kind": k.kind, "method": k.method, "sparsity": k.sparsity, "pattern": k.pattern, "status": result.status,
            "achieved_sparsity": result.achieved_sparsity, "perplexity": result.perplexity,
            "seconds": (result.prune_seconds or 0) + (result.eval_seconds or 0), "detail": result.detail,
            "continuation": result.extra.get("continuation")}
