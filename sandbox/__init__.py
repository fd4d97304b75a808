"""prunegen: sandbox. Every candidate runs here, against the fixed interface, and is checked by the host.

Modules, one concept each:
  limits.py          SandboxLimits: timeout, memory, CPUs, pids, tmpfs, output cap, network, GPUs, image
  job.py             SandboxJob (model dir, calibration ids, levels, pattern) and LevelResult / ExecOutcome
  runner.py          runs INSIDE the sandbox: load once, per level restore dense weights, prune, write tensors
  image.py           the offline FROM-scratch image over the host's read-only Python; DockerUnavailable
  docker_backend.py  the locked-down container (default)
  process_backend.py the loudly labelled fallback: a subprocess with rlimits and unshare -rn
  watch.py           per-level wall-clock deadlines
  weights.py         host-side prunable names and dense tensors, from the model's own files
  collect.py         the trusted check of what came back, and the threat model
  api.py             run_candidate(...) -> list[LevelResult]; load_validated(model, result)
  cli.py             prunegen sandbox build | run
"""
