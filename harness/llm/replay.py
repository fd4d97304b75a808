"""The run's cassette: every LLM turn, one JSON line each, and replay from it without a model.

One turn is one call: the messages sent, the parameters, the reply (the completion with its usage and
raw response), the model and provider identity, the idea, and its ``purpose``: ``generation`` (a
one-pass sample), ``repair`` (a failed program, its status and traceback tail sent back) or
``evolution`` (a FunSearch-style child or a best-of-N sample). :func:`record_turn` is the one writer:
``harness.run.generate``, ``harness.run.repair`` and ``harness.run.evolve`` all append through it to the run's one
cassette (``<run>/candidates/cassette.jsonl``; ``prunegen generate --out OUT`` writes ``OUT/cassette.jsonl``).

Replay matches on the messages (their hash) and the sample index and, when given, the model; where one
question was asked with several parameter sets (evolution may sample hotter), the recorded parameters
equal to the asked ones win, else the latest. So a repair turn, whose messages hold the failed program and
its traceback, replays exactly when the same failure recurs. A prompt that changed since recording (an
edited template or idea, a different failure) does not match: replaying it would pair old code with a new
question. Old cassettes (no ``purpose``; evolution in a separate ``evolution-cassette.jsonl``) read the
same: give the replay provider both files.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Any, Iterable, Sequence

from .cache import ResponseCache, cache_key
from .keys import prompt_hash
from .base import Completion, GenerationError, GenerationParams, Messages

CASSETTE = "cassette.jsonl"
PURPOSES = ("generation", "repair", "evolution", "search")
_APPEND = threading.Lock()   # one line per turn, whole, whichever thread (or caller) writes it
# What differs between two runs of one failing program without being part of the failure: object addresses in
# a repr ("<function f at 0x7f3a...>"). A question that differs from a recorded one only there is the same one.
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def loose_hash(messages: Messages) -> str:
    """The messages' hash with object addresses blanked: replay's second chance for a recurring failure."""
    text = json.dumps(messages, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(_ADDRESS.sub("0x?", text).encode("utf-8")).hexdigest()


def turn_entry(*, purpose: str, identity: dict[str, Any], model: str, messages: Messages,
               params: GenerationParams, sample_index: int, idea: str, completion: Completion) -> dict[str, Any]:
    """One turn as the cassette holds it."""
    if purpose not in PURPOSES:
        raise ValueError(f"turn purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    return {"purpose": purpose, "provider": identity, "model": model, "prompt_hash": prompt_hash(messages),
            "messages": messages, "params": params.key_fields(), "sample_index": sample_index, "idea": idea,
            "completion": {**completion.to_dict(), "cached": False}}


def cassette_line(*, identity: dict[str, Any], model: str, messages: Messages, params: GenerationParams,
                  sample_index: int, idea: str, completion: Completion, purpose: str = "generation") -> str:
    return json.dumps(turn_entry(purpose=purpose, identity=identity, model=model, messages=messages, params=params,
                                 sample_index=sample_index, idea=idea, completion=completion), ensure_ascii=False)


def record_turn(cassette: str | Path, *, purpose: str, provider, messages: Messages, params: GenerationParams,
                sample_index: int, idea: str, completion: Completion, redact: Iterable[str] = ()) -> None:
    """Append one turn to ``cassette``: the one way generation, repair and evolution record a call.

    ``provider`` is what was asked (a ``CachedProvider`` is recorded as the provider behind it); ``redact``:
    strings (API keys) that must never reach the file, should a reply or message echo one.
    """
    inner = getattr(provider, "inner", provider)
    line = cassette_line(identity=inner.identity(), model=provider.model, messages=messages, params=params,
                         sample_index=sample_index, idea=idea, completion=completion, purpose=purpose)
    for secret in redact:
        if secret:
            line = line.replace(secret, "[redacted]")
    path = Path(cassette)
    with _APPEND:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class ReplayMiss(GenerationError):
    pass


class ReplayProvider:
    kind = "replay"
    max_concurrency = None

    def __init__(self, cassette: str | Path | Sequence[str | Path], model: str | None = None):
        paths = [cassette] if isinstance(cassette, (str, Path)) else list(cassette)
        if not paths:
            raise ValueError("replay needs at least one cassette")
        self.paths = [Path(p) for p in paths]
        self.path = self.paths[0]
        self._entries: dict[tuple[str, int], list[dict]] = {}
        self._loose: dict[tuple[str, int], list[dict]] = {}
        models, ideas = set(), set()
        self.purposes: dict[str, int] = {}
        for path in self.paths:
            if not path.is_file():
                raise ValueError(f"replay cassette {path} does not exist")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    e = json.loads(line)
                    key = (e["prompt_hash"], int(e["sample_index"]))
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                    raise ValueError(f"{path}:{n}: not a cassette entry ({err})") from None
                if model is not None and e.get("model") != model:
                    continue
                self._entries.setdefault(key, []).append(e)
                if isinstance(e.get("messages"), list):
                    self._loose.setdefault((loose_hash(e["messages"]), key[1]), []).append(e)
                models.add(e.get("model"))
                ideas.add(e.get("idea"))
                purpose = e.get("purpose", "generation or evolution (not recorded)")
                self.purposes[purpose] = self.purposes.get(purpose, 0) + 1
        where = ", ".join(map(str, self.paths))
        if model is None and len(models) > 1:
            raise ValueError(f"cassette {where} holds several models ({', '.join(sorted(map(str, models)))}): pass --model")
        if not self._entries:
            raise ValueError(f"cassette {where} holds no entries" + (f" for model {model!r}" if model else ""))
        self.model = model or next(iter(models))
        self.ideas = sorted(map(str, ideas))

    def identity(self) -> dict[str, Any]:
        names = [p.name for p in self.paths]
        return {"kind": self.kind, "cassette": names[0] if len(names) == 1 else names}

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        h = prompt_hash(messages)
        found = self._entries.get((h, sample_index)) or self._loose.get((loose_hash(messages), sample_index))
        if not found:
            same_prompt = sorted(s for (ph, s) in self._entries if ph == h)
            hint = (f"that prompt was recorded for samples {same_prompt} only" if same_prompt else
                    f"no recorded prompt matches (the cassette covers ideas {', '.join(self.ideas)}; "
                    "a template or idea edited since recording, or a repair's failure that did not recur, "
                    "changes the prompt)")
            raise ReplayMiss(f"replay: no recorded response for sample {sample_index} of prompt {h[:12]} in "
                             f"{', '.join(map(str, self.paths))}: {hint}")
        # The question asked with these very parameters, else (parameters edited since) the recorded ones;
        # a turn recorded twice (a rerun after an error): the latest wins.
        same = [e for e in found if e.get("params") == params.key_fields()]
        entry = (same or found)[-1]
        return Completion.from_dict({**entry["completion"], "cached": True})


def warm_cache(cassette: str | Path, cache_root: str | Path) -> int:
    """Write every turn of ``cassette`` into the response cache at ``cache_root`` (a run's ``llm-cache``).

    For resuming a run whose store is gone from its exported report: the recorded turns are then free
    hits for the same provider (the key holds the provider identity the cassette recorded, the GGUF's
    sha256 for a local model), while a question the cassette never saw goes to the live model. Returns
    the number of turns written.
    """
    cache = ResponseCache(cache_root)
    n = 0
    for line in Path(cassette).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        params = GenerationParams(**e["params"])
        key = cache_key(e["provider"], e["model"], e["messages"], params, int(e["sample_index"]))
        cache.put(key, Completion.from_dict(e["completion"]),
                  {"provider": e["provider"], "model": e["model"], "sample_index": e["sample_index"],
                   "params": params.key_fields(), "from_cassette": str(cassette)})
        n += 1
    return n


if __name__ == "__main__":   # python -m harness.llm.replay warm-cache CASSETTE RUN/llm-cache
    import argparse

    ap = argparse.ArgumentParser(prog="python -m harness.llm.replay")
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("warm-cache", help="fill a run's response cache from a cassette (resume from an export)")
    w.add_argument("cassette")
    w.add_argument("cache", help="the run's llm-cache folder")
    a = ap.parse_args()
    print(f"{warm_cache(a.cassette, a.cache)} turns written to {a.cache}")
