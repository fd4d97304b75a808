"""What a generator is asked to write: a whole pruning program, or only a score inside a fixed loop.

* ``program`` (the paper's setup): the model writes the whole ``prune`` of prompts/interface.md.
* ``score`` (FunSearch's skeleton; Pruner-Zero's search space of metrics over W, X and G): the model
  writes ``score(weight, act_norm, grad) -> [out, in]`` and prunegen's fixed skeleton
  (prompts/score_skeleton.py: calibration statistics, per-row lowest-score selection, N:M) turns it
  into a ``prune`` of the same interface. The candidate file is the model's code followed by the
  skeleton, so it runs in the same sandbox and is judged by the same trusted checks.

A score-form generator is its own generator in every table: ``provider:model+score``. The skeleton
runs one forward and backward pass per calibration sequence and keeps a float32 gradient per prunable
weight (4 bytes a weight: about 28 GB for a 7B model), once per level, inside the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from harness.core.program_identity import interface_example_hash, normalised_ast_hash, program_code

FORM_NAMES = ("program", "score", "search")


@dataclass(frozen=True)
class Form:
    name: str
    entry: str         # the function the model's code must define
    system: str        # system-message template (prompts/<system>.j2)
    user: str          # user-message template
    repair: str        # the repair turn's template
    suffix: str        # appended to the generator's name ("+score") and folder slug ("-score")
    # The reference method that is this form's prompt example run as it is shown (a program that does the
    # same is that example in effect, not an invention), and the baselines its programs are compared with
    # besides the human methods: what the form gives for free (the score form's per-row selection).
    example: str = ""
    baselines: tuple[str, ...] = ()
    skeleton: str = "score_skeleton.py"   # the fixed loop (prompts/<skeleton>) a score-like form's code runs in

    def generator_name(self, provider: str, model: str) -> str:
        return f"{provider}:{model}{self.suffix and '+' + self.suffix}"

    def slug(self, model_slug: str) -> str:
        return f"{model_slug}{self.suffix and '-' + self.suffix}"

    def assemble(self, code: str) -> str:
        """The candidate file from the code extracted from a reply."""
        return code if self.name == "program" else code.rstrip() + "\n" + skeleton(self.skeleton)


FORMS = {"program": Form("program", "prune", "system", "user", "repair", "",
                          example="interface-example", baselines=("magnitude",)),
         "score": Form("score", "score", "score_system", "score", "score_repair", "score",
                       example="score-example", baselines=("magnitude-row", "score-wanda")),
         # The discovery engine's form (harness/run/search/): score(**statistics it names, **constants) in a
         # skeleton that computes richer statistics; its prompts never name a human formula.
         "search": Form("search", "score", "search_system", "search_user", "score_repair", "search",
                        example="score-example", baselines=("magnitude-row", "score-wanda"),
                        skeleton="search_skeleton.py")}

# The score form's example (prompts/score_system.j2 shows it): the model's code of a copy.
SCORE_EXAMPLE = "import torch\n\n\ndef score(weight, act_norm, grad):\n    return weight.abs()\n"
# The skeleton's own Wanda: the |W| * ||X||_2 its act_norm makes a one-liner (reference method score-wanda).
SCORE_WANDA = "import torch\n\n\ndef score(weight, act_norm, grad):\n    return weight.abs() * act_norm[None, :]\n"


def form_references(generators) -> list[str]:
    """The reference methods the programs of ``generators`` (stored generator names) are judged by: each
    present form's prompt example and baselines, in form order, once each."""
    forms = {form_of_generator(g).name for g in generators}
    return list(dict.fromkeys(m for f in FORM_NAMES if f in forms for m in (FORMS[f].example, *FORMS[f].baselines)))


@cache
def skeleton(name: str = "score_skeleton.py") -> str:
    return files("prompts").joinpath(name).read_text(encoding="utf-8")


def form_of_generator(generator: str) -> Form:
    """The form of a stored candidate's generator name (``provider:model``, ``provider:model+score`` or
    ``provider:model+search``)."""
    for form in FORMS.values():
        if form.suffix and generator.endswith("+" + form.suffix):
            return form
    return FORMS["program"]


@cache
def score_example_hash() -> str:
    """The hash of a score-form program whose score is the score prompt's example (magnitude) again."""
    return normalised_ast_hash(FORMS["score"].assemble(SCORE_EXAMPLE))


def is_interface_example(code: str) -> bool:
    """True when ``code`` (a candidate file, header or not) is the example its prompt showed, up to form:
    the interface's magnitude program, or for a score-form program the magnitude score."""
    return normalised_ast_hash(program_code(code)) in (interface_example_hash(), score_example_hash())
