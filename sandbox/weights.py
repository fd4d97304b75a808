"""Host-side reading of a model directory: prunable names and dense tensors, without trusting anyone.

The names come from instantiating the architecture on the ``meta`` device (no memory, no weights);
the dense tensors from the model's own safetensors files. Both are the harness's, never the runner's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import torch


class WeightsError(ValueError):
    """The model directory cannot be used by the sandbox (e.g. no safetensors files)."""


def weight_files(model_dir: Path) -> list[Path]:
    files = sorted(Path(model_dir).glob("*.safetensors"))
    if not (Path(model_dir) / "config.json").is_file() or not files:
        raise WeightsError(f"{model_dir}: the sandbox needs config.json and *.safetensors weights "
                           "(convert .bin checkpoints with save_pretrained(safe_serialization=True))")
    return files


def prunable_names(model_dir: Path) -> list[str]:
    """The prunable weight names of the architecture in ``model_dir``, from a weightless meta model."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from harness.core.sparsity import prunable_weight_names

    config = AutoConfig.from_pretrained(str(model_dir))
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    return prunable_weight_names(model)


def dense_tensors(model_dir: Path, names: list[str], dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    from safetensors import safe_open

    out = {}
    for f in weight_files(model_dir):
        with safe_open(str(f), framework="pt") as h:
            for key in h.keys():
                if key in names:
                    out[key] = h.get_tensor(key).to(dtype)
    missing = [n for n in names if n not in out]
    if missing:
        raise WeightsError(f"{model_dir}: prunable tensors missing from the safetensors files, e.g. {missing[0]}")
    return out


def expected_bytes(dense: dict[str, torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in dense.values())


def readable_files(model_dir: Path, cache: Path) -> dict[str, Path]:
    """name -> a host file the container's non-root user can read, for config.json and the weights.

    Symlinks (HF hub snapshots) are resolved, because a bind mount of a dangling link fails. A file
    that is not world-readable (``safetensors.save_file`` makes 0600 files) is copied once into
    ``cache`` with mode 0644, keyed on its path, size and mtime, and reused; weights are public.
    """
    out = {}
    for f in [Path(model_dir) / "config.json", *weight_files(model_dir)]:
        real = f.resolve()
        st = real.stat()
        if st.st_mode & stat.S_IROTH:
            out[f.name] = real
            continue
        key = hashlib.sha256(json.dumps([str(real), st.st_size, st.st_mtime_ns]).encode()).hexdigest()[:16]
        copy = cache / key / f.name
        if not copy.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(copy.parent, 0o755)
            tmp = copy.with_name(copy.name + f".tmp{os.getpid()}")
            shutil.copyfile(real, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, copy)
        out[f.name] = copy
    return out
