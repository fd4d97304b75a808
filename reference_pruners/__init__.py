"""The human-written pruners, each one file implementing the candidate interface (prompts/interface.md).

Each is run exactly as a machine-written candidate is: by file path, through the same interface,
the same sandbox and the same validation.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

# method name -> (module file, one-line description). Names are what configs and the CLI take.
METHODS: dict[str, tuple[str, str]] = {
    "magnitude": ("magnitude.py", "|W|, one threshold per layer (Wanda's prune_magnitude)"),
    "magnitude-row": ("magnitude_row.py", "|W|, one threshold per output row"),
    "wanda": ("wanda.py", "|W| * ||X||_2, per output row (Sun et al. 2023)"),
    "sparsegpt": ("sparsegpt.py", "OBS with reconstruction, blocksize 128, damp 0.01 (Frantar & Alistarh 2023)"),
    "ria": ("ria.py", "(|W|/row sum + |W|/column sum) * ||X||_2^0.5, per layer (Zhang et al. 2024)"),
    "owl": ("owl.py", "Wanda per row at per-block levels from outlier ratios, M=5, lambda=0.08 (Yin et al. 2024)"),
    # The published code's rounding, to reproduce the authors' numbers (opt-in; the default is exact sparsity).
    "magnitude-authors": ("magnitude_authors.py", "magnitude with Wanda's <= threshold (every tie pruned)"),
    "wanda-authors": ("wanda_authors.py", "Wanda with the authors' int(in * s) weights per row"),
    "sparsegpt-authors": ("sparsegpt_authors.py", "SparseGPT with the authors' <= threshold per column block"),
    "movement": ("movement.py", "learned scores, straight-through Top-K, cubic schedule, weights frozen (Sanh et al. 2020)"),
    "movement-0shot": ("movement_0shot.py", "ablation: movement's score -W * dL/dW at step 0, one-shot"),
    "taylor": ("taylor.py", "|W * dL/dW| on calibration data, one-shot (Molchanov et al. 2019)"),
    "random": ("random_prune.py", "seeded uniform random scores"),
    "weights": ("magnitude.py", "Table 2: prune by weights (= magnitude)"),
    "-weights": ("neg_magnitude.py", "Table 2: prune by -weights (largest |W| first)"),
    "bias": ("bias.py", "Table 3: prune by |bias| of the output neuron"),
    "-bias": ("neg_bias.py", "Table 3: prune by -|bias|"),
    # The prompts' own examples and the score skeleton's baseline, run by the pipeline beside machine-written
    # programs of their form (harness.run.forms.form_references): a program is judged by what it returns, and
    # a program that returns what its prompt showed it invented nothing.
    "interface-example": ("interface_example.py", "the interface document's magnitude example, as every prompt shows it"),
    "score-example": ("score_example.py", "the score form's example |W| in the fixed skeleton (per-row |W|)"),
    "score-wanda": ("score_wanda.py", "|W| * act_norm in the fixed score skeleton (the skeleton's Wanda)"),
}

# Methods that need calibration forward (or backward) passes.
USES_CALIBRATION = {"wanda", "sparsegpt", "movement", "movement-0shot", "taylor", "wanda-authors",
                    "sparsegpt-authors", "score-example", "score-wanda", "ria", "owl"}

# Methods that are the score form's skeleton (prompts/score_skeleton.py): they keep int(round(in * s))
# weights' worth of zeros per row, as every score-form program does, so on narrow rows a level can fall
# short of the target by up to half a weight per row (the trusted check judges them as it judges those programs).
SKELETON = {"score-example", "score-wanda"}

# How the trusted check reads the level of a method whose published rounding misses it by design
# (harness.core.sparsity.meets_target): wanda-authors' int(in * s) a row falls short; the authors' <= threshold
# prunes every tie of it on top. Everything else is held to the level from both sides ("two-sided").
SPARSITY_RULE = {"wanda-authors": "floor-per-row", "magnitude-authors": "threshold-ties",
                 "sparsegpt-authors": "threshold-ties"}


def sparsity_rule(name: str) -> str:
    return SPARSITY_RULE.get(name, "two-sided")


def method_path(name: str) -> Path:
    """The candidate file of a reference method."""
    try:
        return HERE / METHODS[name][0]
    except KeyError:
        raise ValueError(f"unknown reference method {name!r}; known: {', '.join(METHODS)}") from None


def hyperparameters(name: str) -> dict:
    """What a method's module declares in ``HYPERPARAMETERS`` (recorded in each of its job rows), else {}."""
    import importlib

    module = importlib.import_module(f"reference_pruners.{METHODS[name][0].removesuffix('.py')}")
    return dict(getattr(module, "HYPERPARAMETERS", {}))
