"""What produced a number. Every perplexity in prunegen carries one of these.

Most "cannot reproduce" threads on the Wanda and SparseGPT trackers come down to one of these
fields differing silently: a different join string, seqlen, tokenizer revision or library version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


def library_versions() -> dict[str, str]:
    import importlib.metadata as md
    out = {}
    for name in ("torch", "transformers", "datasets"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass(frozen=True)
class EvalFingerprint:
    model_spec: str
    weights_sha256: str
    tokenizer: str          # class name and vocabulary size
    tokenizer_sha256: str   # over the tokenizer's vocabulary and merges as serialised
    data: dict              # source, origin, file sha256, join string, text sha256
    seqlen: int
    windows: int
    dtype: str
    device: str
    calibration: dict | None = None   # source, nsamples, seqlen, seed where a pruner used one
    versions: dict = field(default_factory=library_versions)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def digest(self) -> str:
        """Short hash that names this evaluation setup in tables."""
        body = self.as_dict()
        body.pop("calibration", None)  # one evaluation setup scores many calibrations
        # Content, not places: the same text read from another folder (or from HF) is the same setup,
        # so two machines can match their numbers. The path stays in the record, out of the digest.
        data = {k: v for k, v in body["data"].items() if k != "origin"}
        if str(data.get("source", "")).startswith("text:"):   # text:PATH: the file's sha256 names it
            data["source"] = "text"
        body["data"] = data
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]


def tokenizer_identity(tokenizer) -> tuple[str, str]:
    name = f"{type(tokenizer).__name__}(vocab={len(tokenizer)})"
    backend = getattr(tokenizer, "backend_tokenizer", None)
    blob = backend.to_str() if backend is not None else json.dumps(sorted(tokenizer.get_vocab().items()))
    return name, hashlib.sha256(blob.encode()).hexdigest()
