"""Replay: answers read from a recorded JSONL cassette, so a published run is re-scored without an API key.

``prunegen generate`` writes ``<out>/cassette.jsonl``, one line per completion: the key fields
(provider identity, model, prompt hash, messages, parameters, sample index), the idea, and the
completion with its raw response. Replay matches on (prompt hash, sample index) and, when given, the
model; the parameters are the recorded ones. A prompt that changed since recording (an edited
template or idea) does not match: replaying it would pair old code with a new question.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..prompting import prompt_hash
from .base import Completion, GenerationError, GenerationParams, Messages


class ReplayMiss(GenerationError):
    pass


def cassette_line(*, identity: dict[str, Any], model: str, messages: Messages, params: GenerationParams,
                  sample_index: int, idea: str, completion: Completion) -> str:
    entry = {"provider": identity, "model": model, "prompt_hash": prompt_hash(messages), "messages": messages,
             "params": params.key_fields(), "sample_index": sample_index, "idea": idea,
             "completion": {**completion.to_dict(), "cached": False}}
    return json.dumps(entry, ensure_ascii=False)


class ReplayProvider:
    kind = "replay"
    max_concurrency = None

    def __init__(self, cassette: str | Path, model: str | None = None):
        self.path = Path(cassette)
        if not self.path.is_file():
            raise ValueError(f"replay cassette {self.path} does not exist")
        self._entries: dict[tuple[str, int], list[dict]] = {}
        models, ideas = set(), set()
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
                key = (e["prompt_hash"], int(e["sample_index"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise ValueError(f"{self.path}:{n}: not a cassette entry ({err})") from None
            if model is not None and e.get("model") != model:
                continue
            self._entries.setdefault(key, []).append(e)
            models.add(e.get("model"))
            ideas.add(e.get("idea"))
        if model is None and len(models) > 1:
            raise ValueError(f"cassette {self.path} holds several models ({', '.join(sorted(map(str, models)))}): pass --model")
        if not self._entries:
            raise ValueError(f"cassette {self.path} holds no entries" + (f" for model {model!r}" if model else ""))
        self.model = model or next(iter(models))
        self.ideas = sorted(map(str, ideas))

    def identity(self) -> dict[str, Any]:
        return {"kind": self.kind, "cassette": self.path.name}

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        h = prompt_hash(messages)
        found = self._entries.get((h, sample_index))
        if not found:
            same_prompt = sorted(s for (ph, s) in self._entries if ph == h)
            hint = (f"that prompt was recorded for samples {same_prompt} only" if same_prompt else
                    f"no recorded prompt matches (the cassette covers ideas {', '.join(self.ideas)}; "
                    "a template or idea edited since recording changes the prompt)")
            raise ReplayMiss(f"replay: no recorded response for sample {sample_index} of prompt {h[:12]} in "
                             f"{self.path}: {hint}")
        entry = found[-1]  # a sample recorded twice (a rerun after an error): the latest wins
        return Completion.from_dict({**entry["completion"], "cached": True})
