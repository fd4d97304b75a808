#!/usr/bin/env bash
# The GPU path of `prunegen run` through the Ray executor on a GPU host without Docker (issue 13, item 6):
# configs/h200-ray.toml with SmolLM2's GGUF, then bench/run_breakdown.py on the run.
#   bash bench/h200_ray.sh SMOLLM2_GGUF RUN_DIR [--set KEY=VALUE ...]
# Needs: torch with CUDA, transformers, gguf, ray; PRUNEGEN_DATA_DIR (or HF datasets access).
set -euo pipefail
gguf=${1:?SmolLM2 GGUF path}; run=${2:?run dir}; shift 2
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, transformers, ray; print('torch', torch.__version__, 'transformers', transformers.__version__, 'ray', ray.__version__)"
t0=$(date +%s)
python3 -m harness.cli.main run configs/h200-ray.toml --out "$run" --set "model.specs=[\"$gguf\"]" "$@"
echo "prunegen run: $(( $(date +%s) - t0 )) s"
python3 bench/run_breakdown.py "$run"
