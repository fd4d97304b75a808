"""Score a pruned model and record the job: the last step every pruner's result goes through.

The :class:`Scorer` owns the harness's own copy of the model, the evaluation windows and the dense
weights. Whatever pruned it (an in-process reference run, or validated tensors copied back from the
sandbox), the model is scored here, the job is written to the store, and the dense weights are put back.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import asdict, replace

import torch

from .config import CalibrationConfig, ExperimentConfig
from harness.core.data import DRAW, Calibration, Text, eval_text
from harness.core.data import calibration as load_calibration
from harness.core.evaluate import EvalSetup, eval_windows, fingerprint, greedy_continuation
from harness.core.interface import Status
from harness.core.models import LoadedModel, load_model
from harness.core.perplexity import perplexity
from .store import JobKey, JobResult, ResultsStore


class Session:
    """A model loaded once, its :class:`Scorer` on the evaluation windows, and the calibration draw (made
    the first time :attr:`calib` is read): what the pipeline, the Ray workers, ``--verify`` and
    ``prunegen baseline`` each score with. Built by :func:`open_session` or :func:`session_of`."""

    def __init__(self, lm: LoadedModel, scorer: Scorer, calibration: CalibrationConfig):
        self.lm, self.scorer, self.calibration = lm, scorer, calibration
        self._calib: Calibration | None = None

    @property
    def calib(self) -> Calibration:
        if self._calib is None:
            c = self.calibration
            self._calib = load_calibration(self.lm.tokenizer, c.source, nsamples=c.nsamples, seqlen=c.seqlen,
                                           seed=c.seed)
        return self._calib


def open_session(spec: str, store, *, setup: EvalSetup, calibration: CalibrationConfig, prompt: str,
                 dtype: str, device: str) -> Session:
    """Load ``spec`` and put a :class:`Scorer` writing to ``store`` on it."""
    lm = load_model(spec, dtype=dtype, device=device)
    return Session(lm, Scorer(lm, store, setup, calibration, prompt), calibration)


def session_of(cfg: ExperimentConfig, spec: str, store) -> Session:
    """:func:`open_session` with a config's model, evaluation and calibration tables."""
    return open_session(spec, store, setup=cfg.eval, calibration=cfg.calibration, prompt=cfg.eval.prompt,
                        dtype=cfg.model.dtype, device=cfg.model.device)


class Scorer:
    def __init__(self, lm: LoadedModel, store: ResultsStore, setup: EvalSetup, calib: CalibrationConfig,
                 prompt: str = "University is", text: Text | None = None):
        self.lm, self.store, self.setup, self.prompt = lm, store, setup, prompt
        self.text = text or eval_text(setup.source)
        self.windows = eval_windows(lm.tokenizer, self.text, setup)
        self.dense = {k: v.detach().clone() for k, v in lm.model.state_dict().items()}
        base = fingerprint(lm, self.text, setup, self.windows)
        # [eval] zero_shot: every scored model is also scored by lm-eval on these tasks (harness.run.zeroshot).
        self.zero_shot = tuple(getattr(setup, "zero_shot", ()) or ())
        self.zero_shot_setup = None
        if self.zero_shot:
            from .zeroshot import setup_fingerprint
            self.zero_shot_setup = setup_fingerprint(self.zero_shot, limit=setup.zero_shot_limit,
                                                     batch_size=setup.zero_shot_batch_size,
                                                     max_length=setup.zero_shot_max_length)
        # Jobs are keyed on the evaluation and calibration setup: change either and nothing is reused.
        # DRAW names how windows are drawn from the calibration config, so a store made with other
        # windows for the same config is not resumed as if it were this one. A zero-shot setup (tasks,
        # lm-eval's version, limit) joins the key only where one is configured: stores without keep theirs.
        keyed = [asdict(calib), base.digest, DRAW] + ([self.zero_shot_setup] if self.zero_shot_setup else [])
        self.setup_digest = hashlib.sha256(json.dumps(keyed).encode()).hexdigest()[:12]
        self.lock = threading.Lock()  # one harness model: one scoring at a time
        self.bound = uniform_bound(lm.model)
        self._dense_ppl: float | None = None   # measured only when a score first crosses the bound

    def key(self, kind: str, method: str, sparsity: float, pattern: str) -> JobKey:
        return JobKey(kind, method, self.lm.info.spec, float(sparsity), pattern, self.setup_digest)

    def restore(self) -> None:
        self.lm.model.load_state_dict(self.dense)

    def measure(self) -> tuple[float, float, str | None, dict | None]:
        """(perplexity, seconds, Table 6 continuation, zero-shot scores and their fingerprint or None) of the
        model as it is now; the zero-shot scores are lm-eval's, of this very model object in memory."""
        r = perplexity(self.lm.model, self.windows, batch_size=self.setup.batch_size, device=self.lm.info.device,
                       compile=self.setup.compile)
        cont = greedy_continuation(self.lm, self.prompt) if self.prompt else None
        zs = None
        if self.zero_shot:
            from . import zeroshot
            s = self.setup
            zs = zeroshot.evaluate(self.lm.model, self.lm.tokenizer, self.zero_shot, limit=s.zero_shot_limit,
                                   batch_size=s.zero_shot_batch_size, max_length=s.zero_shot_max_length).as_dict()
        return r.perplexity, r.seconds, cont, zs

    def record(self, key: JobKey, status: Status, detail: str = "", *, prune_seconds: float | None = None,
               achieved: float | None = None, calibration: dict | None = None, peak_memory: int | None = None,
               artefacts: dict | None = None, extra: dict | None = None,
               measured: tuple[float, float, str | None, dict | None] | None = None, **ids) -> JobResult:
        """Write the job, scoring the model as it is now if ``status`` is ok and nothing was ``measured``
        already; then restore the dense weights. An ok job whose perplexity is worse than a uniform guess
        is written ``collapsed`` (:func:`is_collapsed`), its perplexity kept and ``extra["collapsed"]``
        saying by how much."""
        ppl = eval_s = cont = zs = None
        if status is Status.OK:
            ppl, eval_s, cont, zs = measured or self.measure()
            if key.kind != "dense" and not (ppl is not None and ppl <= self.bound):
                self.restore()
                dense = self.dense_perplexity()
                if is_collapsed(ppl, self.bound, dense):
                    status = Status.COLLAPSED
                    detail = (f"{detail}; collapsed: perplexity {ppl:.4g} is above {self.bound:,}, the vocabulary "
                              f"size (a uniform guess's), where the dense model's is {dense:.4g}").lstrip("; ")
                    extra = {**(extra or {}), "collapsed": {"perplexity": ppl, "bound": self.bound,
                                                            "dense_perplexity": dense}}
        fp = fingerprint(self.lm, self.text, self.setup, self.windows, calibration)
        if zs is not None:   # lm-eval's scores beside the perplexity, its versions in the fingerprint
            fp = replace(fp, zero_shot={**zs["fingerprint"], "seconds": zs["seconds"]})
            extra = {**(extra or {}), "zero_shot": zs["scores"]}
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
        result = self.record(key, Status.OK, "dense model", prune_seconds=0.0, achieved=_overall(self.lm.model))
        self._dense_ppl = result.perplexity
        return result

    def dense_perplexity(self) -> float:
        """The dense model's perplexity on these windows, measured once; the model must be dense now."""
        if self._dense_ppl is None:
            self._dense_ppl = perplexity(self.lm.model, self.windows, batch_size=self.setup.batch_size,
                                         device=self.lm.info.device, compile=self.setup.compile).perplexity
        return self._dense_ppl


def uniform_bound(model: torch.nn.Module) -> int:
    """The perplexity of a uniform guess over the model's outputs: the width of its logits (its vocabulary)."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    weight = getattr(head, "weight", None)
    return int(weight.shape[0]) if weight is not None else int(model.config.vocab_size)


def is_collapsed(ppl: float | None, bound: float, dense_ppl: float | None) -> bool:
    """Whether a scored model is collapsed rather than a result (``Status.COLLAPSED``).

    Collapsed: its perplexity is above ``bound`` (the vocabulary size: a uniform guess over the outputs
    scores exactly that) or not finite, while the dense model's was clearly below it, by at least one bit
    a token (``dense_ppl <= bound / 2``). A dense model within a bit of a uniform guess (a random test
    model, whose pruned copies wander either side of the bound by chance) has nothing to collapse from,
    so nothing is judged against it. No perplexity (nothing scored) is never collapsed.
    """
    if ppl is None or (math.isfinite(ppl) and ppl <= bound):
        return False
    return dense_ppl is not None and math.isfinite(dense_ppl) and dense_ppl <= bound / 2


def _overall(model: torch.nn.Module) -> float:
    from harness.core.sparsity import measure_model
    return measure_model(model).overall


def row(result: JobResult) -> dict:
    """The CLI's one-line view of a job (``--json`` prints exactly this)."""
    k = result.key
    return {"kind": k.kind, "method": k.method, "sparsity": k.sparsity, "pattern": k.pattern, "status": result.status,
            "achieved_sparsity": result.achieved_sparsity, "perplexity": result.perplexity,
            "seconds": (result.prune_seconds or 0) + (result.eval_seconds or 0), "detail": result.detail,
            "continuation": result.extra.get("continuation")}
