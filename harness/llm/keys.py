"""The keys of an LLM request: one spelling per value, and the sha256 that names a prompt.

The response cache (``cache.py``), the replay cassettes (``replay.py``) and every record of a prompt
(generation, repair, evolution, the search) key on these, so they live below all of them. Changing a
byte here changes every key: committed cassettes would stop replaying.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(obj: Any) -> str:
    """One spelling per value, so equal inputs hash equally across runs and machines."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def prompt_hash(messages: list[dict[str, str]]) -> str:
    return hashlib.sha256(canonical_json(messages).encode("utf-8")).hexdigest()
