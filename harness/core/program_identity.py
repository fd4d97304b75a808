"""When are two programs the same program: a hash that ignores form (comments, docstrings, local names).

Evolution uses it to drop duplicates; the report uses it to say when a "machine-written" pruner is
the interface document's own magnitude example again (every prompt shows it).
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path


def _strip_docstring(node) -> None:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]


def _rename_locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """Rename the names a function assigns to ``_v0, _v1, ...`` in order of first appearance.

    Parameters (of the function and any nested function or lambda) keep their names, because callers
    pass them by keyword; so do names declared ``global`` / ``nonlocal`` and everything only read
    (module globals such as ``torch``). Attribute names are not names and never change.
    """
    keep = {a.arg for n in ast.walk(fn) if isinstance(n, ast.arguments)
            for a in (*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg) if a is not None}
    keep |= {name for n in ast.walk(fn) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
    names = sorted((n for n in ast.walk(fn) if isinstance(n, ast.Name)), key=lambda n: (n.lineno, n.col_offset))
    mapping: dict[str, str] = {}
    for n in names:
        if isinstance(n.ctx, (ast.Store, ast.Del)) and n.id not in keep and n.id not in mapping:
            mapping[n.id] = f"_v{len(mapping)}"
    for n in names:
        n.id = mapping.get(n.id, n.id)


def normalised_ast_hash(code: str) -> str:
    """A hash that two programs share when they differ only in form, not in what they do.

    Normalised away: comments and whitespace (the AST has neither), docstrings of the module, classes
    and functions, the provenance header, and the names of a function's local variables (consistently
    renamed, see :func:`_rename_locals`). Kept: everything else, including parameter and global names,
    constants, and the order of statements. Code that does not parse hashes its whitespace-collapsed text.
    Returns 16 hex digits.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return hashlib.sha256(("raw:" + " ".join(code.split())).encode()).hexdigest()[:16]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            _strip_docstring(node)
    # Top-level functions and methods; a nested function is renamed with (and as part of) its parent.
    outer = [*tree.body, *(m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body)]
    for node in outer:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _rename_locals(node)
    dump = ast.dump(tree, annotate_fields=False, include_attributes=False)
    return hashlib.sha256(dump.encode()).hexdigest()[:16]


def program_code(text: str) -> str:
    """A candidate file's code without the provenance header that harness.run.generate puts on top."""
    if text.startswith("# prunegen candidate"):
        head, sep, rest = text.partition("\n\n")
        if sep and all(line.startswith("#") for line in head.splitlines()):
            return rest
    return text


@lru_cache(maxsize=1)
def interface_example_hash() -> str:
    """The hash of the magnitude example every generation prompt shows (prompts/seeds/magnitude.py is it,
    byte for byte; a test keeps the two identical)."""
    import prompts
    return normalised_ast_hash((Path(prompts.__file__).parent / "seeds" / "magnitude.py").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------ behaviour: what a program did

MASK_DIGEST, KEPT_DIGEST = "mask_sha256", "kept_sha256"   # the job row's extra keys (harness.run.sweep writes them)


def tensor_digests(tensors: dict) -> dict[str, str]:
    """What one level of a pruner did, as two digests of the prunable tensors it returned.

    ``mask_sha256``: which weights are zero (sha256 over each tensor's name, shape and packed ``== 0``
    bits, names in sorted order); ``kept_sha256``: the values of the other weights, in the same order.
    Two pruners with equal digests at a level returned the same model there, whatever their code: a
    program equal to a prompt example or a reference method at every level is that method in effect.
    Only the kept values are hashed, so ``w * mask`` (which writes -0.0) and ``w[mask] = 0`` agree.
    """
    import numpy as np
    import torch

    masks, kept = hashlib.sha256(), hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach()
        zero = t == 0
        head = f"{name}:{tuple(t.shape)};".encode()
        masks.update(head)
        masks.update(np.packbits(zero.cpu().numpy().reshape(-1)).tobytes())
        kept.update(head)
        values = t[~zero].contiguous().cpu()
        kept.update(values.view(torch.uint8).numpy().tobytes() if values.numel() else b"")
    return {MASK_DIGEST: masks.hexdigest(), KEPT_DIGEST: kept.hexdigest()}
