"""A local transformers model, offline (the ``transformers`` engine of the ``local`` provider).

It exists so the whole pipeline runs, end to end and in CI, without an API key. Its algorithms are
not expected to be good; the point is that every later stage sees real, messy model output.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import torch

from harness.core.models import DEFAULT_MODEL, load_model
from .base import Completion, GenerationError, GenerationParams, Messages, Usage


def render_prompt(tokenizer, messages: Messages) -> tuple[str, str]:
    """The model's chat template, or, for a base model without one, a plain transcript to continue.

    Returns (prompt, format): format ``"chat-template"`` or ``"plain"``; it is recorded with every reply,
    so a table of a base model's programs says how it was asked.
    """
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True), "chat-template"
    return render_prompt_plain(messages), "plain"


def render_prompt_plain(messages: Messages) -> str:
    """The transcript a base model continues: ``System:\\n...\\n\\nUser:\\n...\\n\\nAssistant:\\n``."""
    turns = [f"{m['role'].capitalize()}:\n{m['content'].strip()}" for m in messages]
    return "\n\n".join(turns) + "\n\nAssistant:\n"


class LocalProvider:
    kind = "local"
    engine = "transformers"
    max_concurrency = 1  # one model in memory, already using every core: parallel calls only thrash

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu", dtype: str = "float32",
                 threads: int | None = 1):
        self.model = model
        self.device = device
        self.dtype = dtype
        # One thread by default: decoding a 135M model is memory-bound, and on a shared CPU torch's
        # spinning worker threads made each token 25x slower (3 s instead of 0.13 s, measured on
        # 2 busy cores). None keeps torch's own choice.
        self.threads = threads
        self._loaded = None
        self._lock = threading.Lock()

    def identity(self) -> dict[str, Any]:
        return {"kind": self.kind, "dtype": self.dtype}

    def _lm(self):
        if self._loaded is None:  # loading costs seconds: only when the first call needs it
            self._loaded = load_model(self.model, dtype=self.dtype, device=self.device)
        return self._loaded

    def probe(self) -> None:
        """Load the model and have it write a few tokens; raises GenerationError if it cannot."""
        from .base import PROBE_MESSAGES, PROBE_PARAMS
        try:
            self.complete(PROBE_MESSAGES, PROBE_PARAMS)
        except GenerationError:
            raise
        except Exception as e:  # noqa: BLE001 - a model that cannot load or run cannot generate
            raise GenerationError(f"transformers engine for {self.model}: {type(e).__name__}: {e}") from None

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        with self._lock:
            lm = self._lm()
            tok, model = lm.tokenizer, lm.model
            prompt, prompt_format = render_prompt(tok, messages)
            enc = tok(prompt, return_tensors="pt", add_special_tokens=False).to(self.device)
            greedy = not params.temperature
            kwargs: dict[str, Any] = {"max_new_tokens": params.max_tokens, "do_sample": not greedy,
                                      "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id}
            if not greedy:
                kwargs["temperature"] = params.temperature
                kwargs["top_p"] = params.top_p if params.top_p is not None else 1.0
                # Seeded per sample: K samples differ, and a rerun reproduces each of them.
                torch.manual_seed((params.seed or 0) + sample_index)
            before = torch.get_num_threads()
            if self.threads:
                torch.set_num_threads(self.threads)
            t0 = time.perf_counter()
            try:
                with torch.no_grad():
                    out = model.generate(**enc, **kwargs)
            finally:
                latency = time.perf_counter() - t0
                torch.set_num_threads(before)  # the setting is process-wide: leave it as found
        new = out[0, enc["input_ids"].shape[1]:]
        text = tok.decode(new, skip_special_tokens=True)
        n_new = int(new.shape[0])
        finish = "length" if n_new >= params.max_tokens else "stop"
        usage = Usage(int(enc["input_ids"].shape[1]), n_new)
        raw = {"prompt": prompt, "prompt_format": prompt_format, "output_text": text, "generated_tokens": n_new,
               "finish_reason": finish,
               "generate_kwargs": kwargs, "weights_sha256": lm.info.weights_sha256, "device": self.device,
               "threads": self.threads or before}
        # No API bill: a known zero, unlike an unknown API price.
        return Completion(text=text, model=self.model, usage=usage, latency_s=latency, cost_usd=0.0,
                          finish_reason=finish, raw=raw)
