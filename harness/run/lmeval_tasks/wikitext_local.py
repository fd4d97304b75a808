"""The documents of lm-eval's ``wikitext`` task, from the local WikiText-2 copy (see wikitext.yaml here).

``EleutherAI/wikitext_document_level`` (what lm-eval's own task loads from the hub) reads the raw
``wiki.*.raw`` files and cuts them into articles: a line that is a level-1 heading (`` = Title = ``,
once ``= = =`` and ``= =`` runs are folded) starts a new document; a document is its lines joined with
``"\\n"``, and blank documents are dropped. :func:`pages` does the same to the local file. The
detokenizer and the metrics are lm-eval's own, imported, not copied.
"""

from __future__ import annotations

from lm_eval.tasks.wikitext.preprocess_wikitext import process_results, wikitext_detokenizer  # noqa: F401

SPLITS = {"test": "wiki.test.raw", "validation": "wiki.valid.raw"}


def pages(text: str) -> list[str]:
    """Articles of a raw WikiText file, as the document-level dataset yields them."""
    out, lines = [], []
    for line in text.split("\n"):
        folded = line.replace("= = =", "===").replace("= =", "==").strip()
        if folded.startswith("= ") and folded.endswith(" ="):
            page = "\n".join(lines)
            if page.strip():
                out.append(page)
            lines = []
        lines.append(line)
    page = "\n".join(lines)
    if page.strip():
        out.append(page)
    return out


def load(**_metadata):
    """A DatasetDict {test, validation} of {"page": article} rows from PRUNEGEN_DATA_DIR's WikiText-2 copy."""
    import datasets

    from harness.core.data import DataError, data_dir, wikitext_rows

    root = data_dir()
    if root is None:
        raise DataError("the local wikitext task needs PRUNEGEN_DATA_DIR (a folder holding wikitext-2-raw/)")
    out = {}
    for split, name in SPLITS.items():
        path = root / "wikitext-2-raw" / name
        wikitext_rows(path)                    # raises on a missing, truncated or modified copy (canonical sha256)
        out[split] = datasets.Dataset.from_list([{"page": p} for p in pages(path.read_text(encoding="utf-8"))])
    return datasets.DatasetDict(out)
