"""Dense or pruned perplexity of a loaded model on an evaluation text, with its fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .data import Text, eval_text
from .fingerprint import EvalFingerprint, tokenizer_identity
from .models import LoadedModel
from .perplexity import PerplexityResult, make_windows, perplexity


@dataclass(frozen=True)
class EvalSetup:
    """How to evaluate: the Wanda defaults are seqlen 2048 over every window of WikiText-2 test."""
    source: str = "wikitext2"
    seqlen: int = 2048
    max_windows: int | None = None
    batch_size: int = 1
    compile: bool = False   # torch.compile the model body (GPU sweeps; ~30 s once)


@dataclass(frozen=True)
class Evaluation:
    result: PerplexityResult
    fingerprint: EvalFingerprint

    def as_dict(self) -> dict:
        r = self.result
        return {"perplexity": r.perplexity, "mean_nll": r.mean_nll, "tokens": r.tokens, "windows": r.windows,
                "seqlen": r.seqlen, "seconds": r.seconds, "tokens_per_second": r.tokens_per_second,
                "fingerprint": self.fingerprint.as_dict(), "fingerprint_digest": self.fingerprint.digest}


def eval_windows(tokenizer, text: Text, setup: EvalSetup) -> torch.Tensor:
    """Tokenize the whole text once, as Wanda does (``tokenizer(text)``), and cut windows [W, seqlen]."""
    ids = torch.tensor(tokenizer(text.text)["input_ids"], dtype=torch.long)
    return make_windows(ids, setup.seqlen, setup.max_windows)


def evaluate(lm: LoadedModel, setup: EvalSetup = EvalSetup(), *, text: Text | None = None,
             windows: torch.Tensor | None = None, calibration: dict | None = None, progress=None) -> Evaluation:
    text = text or eval_text(setup.source)
    if windows is None:
        windows = eval_windows(lm.tokenizer, text, setup)
    result = perplexity(lm.model, windows, batch_size=setup.batch_size, device=lm.info.device, progress=progress,
                        compile=setup.compile)
    return Evaluation(result, fingerprint(lm, text, setup, windows, calibration))


def fingerprint(lm: LoadedModel, text: Text, setup: EvalSetup, windows: torch.Tensor,
                calibration: dict | None = None) -> EvalFingerprint:
    tok_name, tok_sha = tokenizer_identity(lm.tokenizer)
    return EvalFingerprint(model_spec=lm.info.spec, weights_sha256=lm.info.weights_sha256, tokenizer=tok_name,
                           tokenizer_sha256=tok_sha, data=text.describe(), seqlen=setup.seqlen,
                           windows=int(windows.shape[0]), dtype=lm.info.dtype, device=lm.info.device,
                           calibration=calibration)


@torch.inference_mode()
def greedy_continuation(lm: LoadedModel, prompt: str = "University is", max_new_tokens: int = 20) -> str:
    """Table 6: what the (pruned) model says after ``prompt``, greedy decoding."""
    ids = lm.tokenizer(prompt, return_tensors="pt")["input_ids"].to(lm.info.device)
    out = lm.model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False,
                            pad_token_id=lm.tokenizer.pad_token_id or lm.tokenizer.eos_token_id)
    return lm.tokenizer.decode(out[0], skip_special_tokens=True)
