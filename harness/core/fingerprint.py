"""What produced a number. Every perplexity in prunegen carries one of these.

Most "cannot reproduce" threads on the Wanda and SparseGPT trackers come down to one of these
fields differing silently: a different join string, seqlen, tokenizer revision or library version.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


def library_versions() -> dict[str, str]:
    import importlib.metadata as md
    out = {}
    for name in ("torch", "transformers", "datasets"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "absent"
    return out


CODE_DIRS = ("harness", "sandbox", "reference_pruners")


@functools.lru_cache(maxsize=1)
def code_sha256() -> str:
    """Of prunegen's own sources (every .py under harness/, sandbox/, reference_pruners/): a number made by
    other code says so, with or without git."""
    root = Path(__file__).resolve().parents[2]   # harness/core/fingerprint.py: the checkout
    h = hashlib.sha256()
    for d in CODE_DIRS:
        for f in sorted((root / d).rglob("*.py")):
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _machine() -> dict:
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "python": platform.python_version()}


def environment() -> dict:
    """What else can change a number on the same config: the code, the CPU (kernels differ by ISA), the
    GPU, and the scoring process's thread count (it sets the order of float reductions)."""
    import torch
    env = {**_machine(), "code_sha256": code_sha256(), "torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name()
    return env


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
    zero_shot: dict | None = None     # lm-eval version, task versions, shots, limit, data (harness.run.zeroshot)
    versions: dict = field(default_factory=library_versions)
    environment: dict = field(default_factory=environment)   # recorded, not in the digest: see digest

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def digest(self) -> str:
        """Short hash that names this evaluation setup in tables."""
        body = self.as_dict()
        body.pop("calibration", None)  # one evaluation setup scores many calibrations
        body.pop("zero_shot", None)    # the perplexity setup; zero-shot scores carry their own record
        # The machine and code are recorded beside the setup, not in its name: the same setup on two
        # machines is one setup whose numbers can then be compared (prunegen report --verify).
        body.pop("environment", None)
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
