"""Number for number against the authors' code: prunegen's Wanda, SparseGPT and magnitude beside
``prune_wanda``, ``prune_sparsegpt`` and ``prune_magnitude`` of the Wanda authors' repository
(locuslab/wanda, whose ``prune_sparsegpt`` is SparseGPT's own loop), on the same model, the same
calibration documents and seed, scored by the same evaluator on the same WikiText-2 windows.

    git clone https://github.com/locuslab/wanda /path/to/wanda
    python bench/authors_check.py --wanda-repo /path/to/wanda --model smollm2-135m --dtype float16 \\
        --device cuda --levels 0.5,0.6,0.7 --jsonl out.jsonl

Per method and level it prints the perplexity of the authors' pruned model and of prunegen's, in both
prunegen's default rounding (exact ``ceil(n * s)`` per comparison group) and the authors' rounding
(``wanda-authors``, ``sparsegpt-authors``, ``magnitude-authors``), and how far the pruned weights are
apart: the share of prunable weights whose zero/non-zero state differs, the largest absolute weight
difference, and each side's achieved sparsity. It also checks that prunegen draws the very windows the
authors' ``get_c4`` draws.

The authors' files are imported from the checkout unchanged (their ``lib/prune.py`` imports
``lib/ablate.py``, present in a clone). Three adapters, all outside their files:
* ``datasets.load_dataset`` inside their ``lib/data.py`` answers from prunegen's calibration documents
  (``harness/core/data.py``: HF's C4 where you have the hub, else ``PRUNEGEN_DATA_DIR``), so both sides
  draw from the same list; without the hub that is the first 1,000 documents of the shard, for both.
* transformers >= 4.48 decoder layers need ``position_embeddings``, which their loop does not pass:
  a layer called without them gets them from the model's rotary embedding and the ``position_ids``
  their catcher recorded (what the model itself would pass).
* ``model.seqlen`` and ``model.hf_device_map`` are set as their ``main.py`` sets them (one device).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402


class Rows:
    """The slice of a ``datasets.Dataset`` their ``get_c4`` uses: ``len``, ``[i]['text']``, ``[:k]['text']``."""

    def __init__(self, texts: list[str]):
        self.texts = texts

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, k):
        if isinstance(k, str):
            return self.texts
        return {"text": self.texts[k]}


def import_authors(repo: Path, docs: list[str]):
    """Their ``lib.prune`` and ``lib.data``, with ``load_dataset`` answering from ``docs``."""
    try:
        import datasets  # noqa: F401
    except ImportError:                     # their lib/data.py imports it; we answer its only call anyway
        sys.modules["datasets"] = types.SimpleNamespace(load_dataset=None)
    sys.path.insert(0, str(repo))
    import lib.data as their_data
    import lib.prune as their_prune

    def load_dataset(path, *a, **kw):
        if "c4" not in path:
            raise RuntimeError(f"bench/authors_check.py only serves C4 to the authors' code, not {path!r}")
        return Rows(docs)

    their_data.load_dataset = load_dataset
    return their_prune, their_data


def give_layers_position_embeddings(model) -> None:
    rotary = model.model.rotary_emb
    for layer in model.model.layers:
        forward = layer.forward

        def patched(hidden_states, *a, _forward=forward, **kw):
            if kw.get("position_embeddings") is None:
                pid = kw.get("position_ids")
                if pid is None:
                    pid = torch.arange(hidden_states.shape[1], device=hidden_states.device)[None]
                kw["position_embeddings"] = rotary(hidden_states, pid)
            return _forward(hidden_states, *a, **kw)

        layer.forward = patched


def compare(theirs: dict[str, torch.Tensor], ours: dict[str, torch.Tensor]) -> dict:
    """How far two pruned weight sets are apart (same keys ``...layers.B...``, shapes [out, in])."""
    n = differ = zeros_t = zeros_o = 0
    max_abs = 0.0
    by_block: dict[int, list[int]] = {}
    for k, t in theirs.items():
        o = ours[k]
        d = int(((t == 0) != (o == 0)).sum())
        n += t.numel()
        differ += d
        zeros_t += int((t == 0).sum())
        zeros_o += int((o == 0).sum())
        max_abs = max(max_abs, float((t.float() - o.float()).abs().max()))
        block = int(k.split("layers.")[1].split(".")[0])
        by_block.setdefault(block, [0, 0])
        by_block[block][0] += d
        by_block[block][1] += t.numel()
    return {"mask_differs": differ / n, "max_abs_weight_diff": max_abs, "sparsity_authors": zeros_t / n,
            "sparsity_prunegen": zeros_o / n,
            "mask_differs_by_block": [round(d / m, 5) for _, (d, m) in sorted(by_block.items())]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wanda-repo", required=True, type=Path, help="a checkout of github.com/locuslab/wanda")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="float16")
    ap.add_argument("--nsamples", type=int, default=128)
    ap.add_argument("--seqlen", type=int, default=2048)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-windows", type=int, default=None, help="WikiText-2 test windows (default: all)")
    ap.add_argument("--levels", default="0.5,0.6,0.7")
    ap.add_argument("--methods", default="wanda,sparsegpt,magnitude")
    ap.add_argument("--jsonl", default=None, help="also append one JSON line per result here")
    args = ap.parse_args()

    from harness.cli.baseline import prune_in_process
    from harness.core.data import calib_documents, calibration, eval_text
    from harness.core.evaluate import EvalSetup, eval_windows
    from harness.core.models import load_model
    from harness.core.perplexity import perplexity
    from harness.core.sparsity import prunable_weight_names
    from reference_pruners import method_path, sparsity_rule

    docs, desc = calib_documents("c4")
    their_prune, their_data = import_authors(args.wanda_repo.resolve(), docs)
    lm = load_model(args.model, dtype=args.dtype, device=args.device)
    model, tok = lm.model, lm.tokenizer
    model.seqlen = args.seqlen
    if not hasattr(model, "hf_device_map"):
        model.hf_device_map = {}
    give_layers_position_embeddings(model)
    names = prunable_weight_names(model)
    dense = {k: v.detach().clone() for k, v in model.state_dict().items()}
    windows = eval_windows(tok, eval_text("wikitext2"), EvalSetup(seqlen=2048, max_windows=args.max_windows))

    def ppl() -> float:
        return perplexity(model, windows, device=args.device).perplexity

    def pruned() -> dict[str, torch.Tensor]:
        sd = model.state_dict()
        return {k: sd[k].detach().clone() for k in names}

    def emit(row: dict) -> None:
        print(json.dumps(row), flush=True)
        if args.jsonl:
            with open(args.jsonl, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")

    with contextlib.redirect_stdout(io.StringIO()):
        theirs_loader, _ = their_data.get_c4(args.nsamples, args.seed, args.seqlen, tok)
    ours_calib = calibration(tok, "c4", nsamples=args.nsamples, seqlen=args.seqlen, seed=args.seed)
    same = sum(torch.equal(inp[0], ours_calib.ids[i]) for i, (inp, _) in enumerate(theirs_loader))
    emit({"check": "calibration windows", "identical": same, "of": args.nsamples, "documents": len(docs),
          "source": desc.get("origin")})
    emit({"check": "dense", "model": args.model, "dtype": args.dtype, "windows": int(windows.shape[0]),
          "perplexity": ppl(), "torch": torch.__version__})

    authors_fn = {"wanda": their_prune.prune_wanda, "sparsegpt": their_prune.prune_sparsegpt,
                  "magnitude": their_prune.prune_magnitude}
    for level in [float(x) for x in args.levels.split(",")]:
        for method in args.methods.split(","):
            model.load_state_dict(dense)
            ns = types.SimpleNamespace(nsamples=args.nsamples, seed=args.seed, sparsity_ratio=level,
                                       use_variant=False)
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                authors_fn[method](ns, model, tok, torch.device(args.device))
            secs_t = time.perf_counter() - t0
            theirs = pruned()
            p_theirs = ppl()
            for ours_name in (f"{method}-authors", method):
                status, detail, secs_o, _ = prune_in_process(lm, method_path(ours_name), level, "unstructured",
                                                              ours_calib.ids, dense, sparsity_rule(ours_name))
                p_ours = ppl() if status == "ok" else None
                emit({"level": level, "authors": method, "prunegen": ours_name, "status": str(status),
                      "detail": detail[:200], "ppl_authors": p_theirs, "ppl_prunegen": p_ours,
                      "rel_diff": None if p_ours is None else p_ours / p_theirs - 1,
                      "seconds_authors": round(secs_t, 2), "seconds_prunegen": round(secs_o, 2),
                      **compare(theirs, pruned())})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
