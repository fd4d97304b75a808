"""The runner: runs INSIDE the container (or the process fallback), next to the candidate.

    python -m sandbox.runner IN_DIR WEIGHTS_DIR OUT_DIR

IN_DIR (read-only) holds ``job.json``, ``candidate.py`` and ``calib.safetensors``; WEIGHTS_DIR
(read-only) the model's ``config.json`` and safetensors files; OUT_DIR is the only writable place
besides /tmp. The model is loaded once (safetensors are memory-mapped); then, per sparsity level,
the dense weights are restored from the read-only files, ``prune`` is called through
``harness.core.interface.call_prune``, and ``level-<i>.safetensors`` (only the prunable tensors) and
``level-<i>.json`` (status) are written, each atomically (temp name, then rename).

Nothing this process writes is trusted: the candidate shares it and may have patched torch,
safetensors or this module. The host re-checks the tensors itself (sandbox/collect.py); it believes
a status file only when the file reports a failure, which a candidate can only do to its own cost.
Imports are limited to the standard library, torch, safetensors, transformers and harness.core.interface /
harness.core.sparsity, which all exist in the image.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path

TRACE_CHARS = 4000


def _write_json(path: Path, obj: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj))
    os.replace(tmp, path)


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _is_oom_message(text: str) -> bool:
    text = text.lower()
    return any(s in text for s in ("can't allocate memory", "cannot allocate memory", "out of memory",
                                   "failed to allocate"))


def main(in_dir: str, weights_dir: str, out_dir: str) -> int:
    t_start = time.perf_counter()
    main_pid = os.getpid()
    in_dir, weights_dir, out_dir = Path(in_dir), Path(weights_dir), Path(out_dir)
    job = json.loads((in_dir / "job.json").read_text())
    levels: list[float] = job["levels"]

    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file
    from transformers import AutoModelForCausalLM

    from harness.core.interface import CandidateError, NotApplicable, Status, call_prune, load_candidate
    from harness.core.sparsity import prunable_layers, prunable_weight_names

    torch.set_num_threads(int(job.get("threads", 1)))
    dtype = getattr(torch, job.get("dtype", "float32"))
    device = job.get("device", "cpu")

    def report(i: int, status, detail: str, seconds: float = 0.0, trace: str = "") -> None:
        _write_json(out_dir / f"level-{i}.json", {
            "level": levels[i], "status": str(status), "detail": detail[:2000], "traceback": trace[-TRACE_CHARS:],
            "seconds": seconds, "peak_rss_bytes": _peak_rss_bytes()})

    def load():
        m = AutoModelForCausalLM.from_pretrained(str(weights_dir), dtype=dtype)
        return m.to(device).eval()

    model = load()
    names = prunable_weight_names(model)
    # Where each dense tensor lives in the read-only files: restoring from there needs no second copy in RAM.
    files = {}
    for f in sorted(weights_dir.glob("*.safetensors")):
        handle = safe_open(str(f), framework="pt")
        for key in handle.keys():
            files[key] = handle
    missing = [n for n in names if n not in files]
    if missing:
        raise RuntimeError(f"prunable tensors not found in the weight files: {missing[:3]}")
    # Non-prunable state (embeddings, norms, lm_head, buffers) as loaded, to see whether the candidate wrote it.
    frozen = {k: v.detach().clone() for k, v in model.state_dict(keep_vars=False).items() if k not in set(names)}
    shapes = {k: tuple(v.shape) for k, v in model.named_parameters(remove_duplicate=False)}
    calib = load_file(str(in_dir / "calib.safetensors"))["ids"]
    _write_json(out_dir / "ready.json", {"load_seconds": time.perf_counter() - t_start})

    try:
        fn = load_candidate(in_dir / "candidate.py")
    except CandidateError as e:
        for i in range(len(levels)):
            report(i, e.status, str(e))
        return 0
    except BaseException as e:  # noqa: BLE001 - a candidate's import may raise anything, SystemExit included
        if os.getpid() != main_pid:
            os._exit(0)
        for i in range(len(levels)):
            report(i, Status.RUNTIME_ERROR, f"at import: {type(e).__name__}: {e}", trace=traceback.format_exc())
        return 0

    for i, level in enumerate(levels):
        if i:  # restore the dense weights; a candidate that rebuilt modules gets a fresh model
            now = {k: tuple(v.shape) for k, v in model.named_parameters(remove_duplicate=False)}
            if now != shapes:
                model = load()
            with torch.no_grad():
                params = dict(model.named_parameters(remove_duplicate=False))
                state = model.state_dict()
                for n in names:
                    params[n].data.copy_(files[n].get_tensor(n).to(dtype))
                    params[n].grad = None
                for k, v in frozen.items():
                    if k in state:
                        state[k].copy_(v)
        t0 = time.perf_counter()
        status, detail, trace = Status.OK, "", ""
        try:
            call_prune(fn, model, level, calib, pattern=job["pattern"], device=device,
                       layers=prunable_layers(model))
        except CandidateError as e:
            status, detail = e.status, str(e)
        except NotApplicable as e:
            status, detail = Status.NOT_APPLICABLE, str(e)
        except (MemoryError, torch.OutOfMemoryError) as e:
            status, detail, trace = Status.OUT_OF_MEMORY, f"{type(e).__name__}: {e}", traceback.format_exc()
        except SystemExit as e:
            status, detail = Status.RUNTIME_ERROR, f"prune called sys.exit({e.code!r})"
        except BaseException as e:  # noqa: BLE001 - anything else the candidate raises is its runtime error
            status = Status.OUT_OF_MEMORY if _is_oom_message(str(e)) else Status.RUNTIME_ERROR
            detail, trace = f"{type(e).__name__}: {e}"[:2000], traceback.format_exc()
        if os.getpid() != main_pid:  # a forked child of the candidate must not report or write anything
            os._exit(0)
        seconds = time.perf_counter() - t0
        if status is Status.OK:
            state = model.state_dict()
            changed = [k for k, v in frozen.items() if k not in state or not torch.equal(state[k], v)]
            params = dict(model.named_parameters(remove_duplicate=False))
            absent = [n for n in names if n not in params]
            if changed:
                status, detail = Status.TAMPERED, f"non-prunable tensors changed: {', '.join(changed[:5])}"
            elif absent:
                status, detail = Status.OUTPUT_INVALID, f"prunable tensors gone from the model: {absent[:3]}"
            else:
                out = {n: params[n].detach().to("cpu").contiguous() for n in names}
                tmp = out_dir / f"level-{i}.safetensors.tmp"
                save_file(out, str(tmp))
                os.replace(tmp, out_dir / f"level-{i}.safetensors")
                detail = "pruned"
        report(i, status, detail, seconds, trace)
        if status is not Status.OK and job.get("stop_on_error"):
            # The scoring policy: an erroring candidate is not re-run at every other level. Not
            # applicable is a property of the model, so it holds at every level.
            rest = Status.NOT_APPLICABLE if status is Status.NOT_APPLICABLE else Status.SKIPPED
            for j in range(i + 1, len(levels)):
                report(j, rest, detail if rest is Status.NOT_APPLICABLE else f"skipped after {status} at {level}")
            break
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
