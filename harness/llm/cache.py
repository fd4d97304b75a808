"""A content-addressed cache of completions, so a rerun never pays twice.

The key is the sha256 of the canonical JSON of everything that decides the reply: the provider's
identity (kind, endpoint, API flavour), the model, the rendered messages, the parameters that can
change the output, and the sample index (so K samples of one prompt are K entries, not one).
Each entry is one JSON file ``<root>/<key[:2]>/<key>.json`` holding the completion and its raw response.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from .keys import canonical_json
from .base import Completion, GenerationParams, Messages, Provider

CACHE_FORMAT = 1


def cache_key(identity: dict[str, Any], model: str, messages: Messages, params: GenerationParams,
              sample_index: int) -> str:
    payload = {"format": CACHE_FORMAT, "provider": identity, "model": model, "messages": messages,
               "params": params.key_fields(), "sample_index": sample_index}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        p = self.path(key)
        try:
            entry = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError):
            return None  # a torn write from a killed run: treat as a miss, it will be rewritten
        return Completion.from_dict({**entry["completion"], "cached": True})

    def put(self, key: str, completion: Completion, meta: dict[str, Any] | None = None) -> Path:
        p = self.path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        entry = {"key": key, "meta": meta or {}, "completion": {**completion.to_dict(), "cached": False}}
        # Write-then-rename: a reader never sees half a file, even with concurrent workers.
        fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entry, f, ensure_ascii=False, indent=1)
        os.replace(tmp, p)
        return p


class CachedProvider:
    """Wraps a provider: a hit returns the stored completion marked ``cached`` and makes no call."""

    def __init__(self, inner: Provider, cache: ResponseCache):
        self.inner = inner
        self.cache = cache
        self.kind = inner.kind
        self.model = inner.model
        self.max_concurrency = inner.max_concurrency
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def identity(self) -> dict[str, Any]:
        return self.inner.identity()

    def key(self, messages: Messages, params: GenerationParams, sample_index: int) -> str:
        return cache_key(self.identity(), self.model, messages, params, sample_index)

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        key = self.key(messages, params, sample_index)
        hit = self.cache.get(key)
        with self._lock:
            if hit is not None:
                self.hits += 1
                return hit
            self.misses += 1
        completion = self.inner.complete(messages, params, sample_index)
        self.cache.put(key, completion, {"provider": self.identity(), "model": self.model,
                                         "sample_index": sample_index, "params": params.key_fields()})
        return completion
