"""Numeric tuning beside the LLM: a program's named constants, tuned on the fitness split.

A search-form ``score`` declares constants as keyword parameters with a float default
(``def score(weight, act_norm, *, power=0.5)``). A small LLM is poor at picking exponents and mixing
weights; a seeded coordinate search is good at it and cheap. The harness tunes them on the held-out
objective before the program is ranked and bakes the tuned values into the code's defaults, so the
program that is ranked, shown in prompts and scored on test is one self-contained file. Pure: the
objective is the caller's.
"""

from __future__ import annotations

import ast
import math
import random
from dataclasses import dataclass
from typing import Callable

STATISTICS = ("weight", "act_norm", "act_mean", "grad", "fisher", "hinv_diag")   # prompts/search_skeleton.py
ALLOCATE_INPUTS = STATISTICS + ("importance", "sparsity", "block", "n_blocks")    # the optional allocate()
UPDATE_INPUTS = STATISTICS + ("mask", "hessian", "sparsity")                      # the optional update()
# The functions whose constants are tuned, and the prefix of their names in a tuned dict: score's
# constants go by their own names (as they always have), allocate's as "allocate.<name>", update's as
# "update.<name>".
_TUNED_FUNCTIONS = {"score": ("", STATISTICS), "allocate": ("allocate.", ALLOCATE_INPUTS),
                    "update": ("update.", UPDATE_INPUTS)}


def top_function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _literal(node: ast.expr) -> float | None:
    """A float literal default (``0.5``, ``-1.0``, ``2e-3``); ints are counts, not tuned."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        return node.value
    return None


def _defaults(fn: ast.FunctionDef) -> list[tuple[str, ast.expr]]:
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    pairs = list(zip([p.arg for p in positional[len(positional) - len(a.defaults):]], a.defaults))
    pairs += [(p.arg, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
    return pairs


def constants(code: str) -> dict[str, float]:
    """The tunable constants of ``code``'s ``score`` and optional ``allocate`` and ``update``: parameters
    with a float literal default that are not inputs, in signature order (the optional functions'
    prefixed with their name and a dot). {} when
    there are none or the code does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    return {name: v for name, (_, v) in _constant_nodes(tree).items()}


def _constant_nodes(tree: ast.Module) -> dict[str, tuple[ast.expr, float]]:
    out = {}
    for fname, (prefix, inputs) in _TUNED_FUNCTIONS.items():
        fn = top_function(tree, fname)
        for name, node in _defaults(fn) if fn is not None else ():
            v = _literal(node)
            if name not in inputs and v is not None and math.isfinite(v):
                out[prefix + name] = (node, v)
    return out


def bake(code: str, values: dict[str, float]) -> str:
    """``code`` with the defaults of the constants in ``values`` (names as :func:`constants` gives them)
    replaced by those values."""
    if not values:
        return code
    nodes = {name: node for name, (node, _) in _constant_nodes(ast.parse(code)).items() if name in values}
    missing = set(values) - set(nodes)
    if missing:
        raise ValueError(f"score() / allocate() / update() have no constant(s) {sorted(missing)}")
    lines = code.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    raw = code.encode()
    # Replace from the end, so earlier offsets stay valid (ast offsets are UTF-8 byte columns).
    for name, node in sorted(nodes.items(), key=lambda kv: (kv[1].lineno, kv[1].col_offset), reverse=True):
        a = starts[node.lineno - 1] + node.col_offset
        b = starts[node.end_lineno - 1] + node.end_col_offset
        raw = raw[:a] + repr(float(values[name])).encode() + raw[b:]
    return raw.decode()


@dataclass(frozen=True)
class Tuned:
    values: dict[str, float]
    objective: float
    trials: tuple[tuple[tuple[tuple[str, float], ...], float], ...]   # every point tried, in order


def tune(objective: Callable[[dict[str, float]], float], start: dict[str, float], budget: int, seed: int = 0) -> Tuned:
    """Seeded coordinate search minimising ``objective`` from ``start`` in at most ``budget`` evaluations
    (the start included).

    Each round visits the constants in a seeded order and tries moving one by its step, both ways:
    multiplicative (x2, /2) for a non-zero value, additive (+-1) for zero; a move that lowers the
    objective is kept, and when a full round keeps none every step is halved (factor 2 -> sqrt 2 ...).
    Non-finite objective values count as failures, never as improvements.
    """
    rng = random.Random(seed)
    names = list(start)
    best = dict(start)
    trials: list = []

    def evaluate(point: dict[str, float]) -> float:
        v = objective(dict(point))
        v = v if math.isfinite(v) else math.inf
        trials.append((tuple(sorted(point.items())), v))
        return v

    best_f = evaluate(best)
    if not names:
        return Tuned(best, best_f, tuple(trials))
    factor = {n: 2.0 for n in names}
    delta = {n: 1.0 for n in names}
    while len(trials) < budget:
        order = names[:]
        rng.shuffle(order)
        improved = False
        for n in order:
            v = best[n]
            moves = [v * factor[n], v / factor[n]] if v != 0 else [v + delta[n], v - delta[n]]
            for m in moves:
                if len(trials) >= budget:
                    break
                point = {**best, n: m}
                f = evaluate(point)
                if f < best_f:
                    best, best_f, improved = point, f, True
                    break
        if not improved:
            factor = {n: math.sqrt(f) for n, f in factor.items()}
            delta = {n: d / 2 for n, d in delta.items()}
            if all(f < 1.0001 for f in factor.values()):
                break
    return Tuned(best, best_f, tuple(trials))
