"""The report renderer, on a results store written by hand with every Status value in it."""

from __future__ import annotations

import argparse
import re
import struct
from dataclasses import replace

import pandas as pd
import pytest

from harness.core.interface import Status
from harness.report import build_report, collect_tables, job_cell, render, Data
from harness.cli.report import register
from harness.run.prompting import seed_path
from harness.run.store import CandidateRecord, JobKey, JobResult, JobRow, ResultsStore

MODEL = "smollm2-135m"
DIGEST = "c8a4dc46d794"
CALIB = {"source": "c4", "nsamples": 16, "seqlen": 512, "seed": 0}
NO_BIAS = ("not applicable: model has no bias: 210 of 210 prunable layers have none "
           "(e.g. model.layers.0.self_attn.q_proj)")
DENSE_PPL = 12.345


def fp(calib=None):
    return {"model_spec": MODEL, "weights_sha256": "ab" * 32, "tokenizer": "GPT2TokenizerFast(vocab=49152)",
            "tokenizer_sha256": "cd" * 32, "data": {"source": "wikitext2:test", "origin": "file"},
            "seqlen": 2048, "windows": 4, "dtype": "float32", "device": "cpu", "calibration": calib,
            "versions": {"torch": "2.13.0"}}


def put(store, kind, method, level, status, ppl=None, pattern="unstructured", detail="", cont=None, **ids):
    calib = CALIB if method in ("wanda", "sparsegpt", "movement") or kind == "candidate" else None
    ok = status == Status.OK
    store.put(JobResult(JobKey(kind, method, MODEL, float(level), pattern, "setup0"), str(status), detail,
                        achieved_sparsity=level if ok else None, perplexity=ppl,
                        prune_seconds=1.5, eval_seconds=2.0 if ok else None, fingerprint=fp(calib),
                        fingerprint_digest=DIGEST,
                        extra={"continuation": cont if cont is not None else
                               (f"University is {method} {level}" if ok else None), "prompt": "University is"},
                        **ids))


# (paper number, idea, generator, generation status, {level: (job status, ppl)}, cost, tokens)
O1, CLAUDE, QWEN = "openai:o1", "anthropic:claude-sonnet", "ollama:qwen2.5-coder"
CANDIDATES = [
    (2, "L1 Norm Pruning", O1, Status.OK,
     {0.1: (Status.OK, 6.5), 0.5: (Status.OK, 193740.406), 0.9: (Status.OK, 157028.844)}, 0.50, (1000, 2000)),
    (1, "Gradient Sensitive Pruning", O1, Status.NO_CODE, {}, 0.25, (1000, 500)),
    (4, "K-means Clustering Pruning", O1, Status.SYNTAX_ERROR, {}, 0.25, (1000, 800)),
    (6, "Random Pattern Pruning", CLAUDE, Status.OK,
     {0.1: (Status.SKIPPED, None), 0.5: (Status.OUTPUT_INVALID, None), 0.9: (Status.SKIPPED, None)}, 0.10, (900, 1100)),
    (3, "Structured Pruning", CLAUDE, Status.OK,
     {0.1: (Status.SKIPPED, None), 0.5: (Status.INTERFACE_MISMATCH, None)}, 0.10, (900, 1000)),
    (10, "Dynamic Pruning with Reinforcement Learning", CLAUDE, Status.OK,
     {0.1: (Status.OK, 7.0), 0.5: (Status.OK, 2.2e5), 0.9: (Status.IMPORT_ERROR, None)}, 0.20, (900, 1500)),
    (7, "Variational Dropout Pruning", QWEN, Status.GENERATION_ERROR, {}, None, (None, None)),
    (9, "Elastic Weight Consolidation Pruning", QWEN, Status.OK, {0.5: (Status.TAMPERED, None)}, None, (800, 700)),
]


EXAMPLE = seed_path("magnitude").read_text()   # the interface document's example, byte for byte


def cid(idea, gen, rnd=0):
    return f"{idea.lower().replace(' ', '-')}/{gen.split(':')[1]}/sample-0" + (f"-r{rnd}" if rnd else "")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "results.sqlite"
    with ResultsStore(path) as s:
        put(s, "dense", "dense", 0.0, Status.OK, DENSE_PPL, detail="dense model",
            cont="University is a great place to learn.")
        wanda = {0.1: 5.696, 0.5: 7.257, 0.9: 19676.668}
        sparsegpt = {0.1: 5.696, 0.5: 7.234, 0.7: 27.214, 0.9: 3198.101}
        magnitude = {0.1: 5.806, 0.5: 17.285, 0.7: 48414.551, 0.9: 2.2e5, 0.99: 3.5e6}
        for m, d in (("wanda", wanda), ("sparsegpt", sparsegpt), ("magnitude", magnitude)):
            for lvl, ppl in d.items():
                put(s, "reference", m, lvl, Status.OK, ppl)
        for lvl, st in ((0.1, Status.RUNTIME_ERROR), (0.5, Status.TIMEOUT), (0.7, Status.OUT_OF_MEMORY),
                        (0.9, Status.KILLED)):
            put(s, "reference", "movement", lvl, st, detail=f"{st} happened")
        put(s, "reference", "random", 0.5, Status.OK, 9876.5)
        # worse than a uniform guess over the tiny vocabulary: scored, stored, not a result
        put(s, "reference", "random", 0.99, Status.COLLAPSED, 5.0e6, detail="perplexity above the vocabulary size")
        put(s, "reference", "wanda", 0.5, Status.OK, 11.111, pattern="2:4")
        put(s, "reference", "sparsegpt", 0.5, Status.OK, 10.5, pattern="2:4")
        put(s, "reference", "magnitude", 0.5, Status.SPARSITY_NOT_MET, pattern="2:4", detail="0.4 < 0.5")
        put(s, "reference", "-weights", 0.1, Status.OK, 24377.635)
        put(s, "reference", "-weights", 0.5, Status.NON_FINITE, detail="loss is nan")
        for m in ("bias", "-bias"):
            for lvl in (0.1, 0.5, 0.9):
                put(s, "reference", m, lvl, Status.NOT_APPLICABLE, detail=NO_BIAS)
        for num, idea, gen, gstatus, jobs, cost, (pt, ct) in CANDIDATES:
            c = cid(idea, gen)
            code = None
            if idea == "L1 Norm Pruning":   # the interface's example again, with a header and renamed locals
                code = path.parent / "l1.py"
                code.write_text("# prunegen candidate: machine-written\n# idea: l1\n\n" + EXAMPLE.replace("score", "s"))
            elif idea == "Dynamic Pruning with Reinforcement Learning":
                code = path.parent / "rl.py"
                code.write_text(EXAMPLE.replace("w.abs()", "w.abs() * 2"))
            s.put_candidate(CandidateRecord(c, idea, gen, 0, str(gstatus), detail=f"{gstatus} detail",
                                            path=str(code) if code else None,
                                            prompt_tokens=pt, completion_tokens=ct, cost_usd=cost, latency_s=30.0,
                                            extra={"paper_number": num}))
            for lvl, (st, ppl) in jobs.items():
                put(s, "candidate", c, lvl, st, ppl, detail=f"{st} at {lvl}", idea=idea, generator=gen, sample=0)
        # a repair of the Random Pattern Pruning program that then ran ok
        parent = cid("Random Pattern Pruning", CLAUDE)
        rep = cid("Random Pattern Pruning", CLAUDE, 1)
        s.put_candidate(CandidateRecord(rep, "Random Pattern Pruning", CLAUDE, 0, "ok", round=1, parent=parent,
                                        prompt_tokens=100, completion_tokens=100, cost_usd=0.05, latency_s=10.0))
        put(s, "candidate", rep, 0.5, Status.OK, 294350.188, idea="Random Pattern Pruning", generator=CLAUDE, sample=0)
        # a candidate not in the idea list of the paper
        new = cid("Hessian Diagonal Pruning", O1)
        s.put_candidate(CandidateRecord(new, "Hessian Diagonal Pruning", O1, 0, "ok", cost_usd=0.3,
                                        prompt_tokens=1000, completion_tokens=900, latency_s=20.0))
        put(s, "candidate", new, 0.5, Status.OK, 50.25, idea="Hessian Diagonal Pruning", generator=O1, sample=0)
    return path


@pytest.fixture(scope="module")
def report(store_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rep = render(store_path, out)
    return rep


def csv(report, key) -> pd.DataFrame:
    return pd.read_csv(report.out_dir / f"{key}.csv", dtype=str, keep_default_na=False)


def cell(df, level, col):
    rows = df[df["Pruned Level"] == level]
    assert len(rows) == 1, f"level {level} not exactly once in {df['Pruned Level'].tolist()}"
    return rows.iloc[0][col]


def section(md: str, title_start: str) -> str:
    """The Markdown from the heading starting with ``title_start`` to the next heading."""
    m = re.search(rf"^## {re.escape(title_start)}.*?(?=^## |\Z)", md, re.S | re.M)
    assert m, f"no section {title_start!r}"
    return m.group(0)


def test_fixture_has_every_status(store_path):
    with ResultsStore(store_path) as s:
        seen = {r.status for r in s.rows()} | {c.status for c in s.candidates()}
    assert {st.value for st in Status} <= seen


def test_table1_cells(report):
    t = csv(report, "table1")
    assert list(t.columns) == ["Pruned Level", "Wanda", "SparseGPT", "Magnitude", "Movement", "random"]
    assert t["Pruned Level"].tolist() == ["0.00", "0.10", "0.50", "0.70", "0.90", "0.99"]
    assert cell(t, "0.50", "Wanda") == "7.257"
    assert cell(t, "0.50", "SparseGPT") == "7.234"
    assert cell(t, "0.70", "Magnitude") == "48414.551"
    assert cell(t, "0.90", "Magnitude") == "220000.000"
    assert cell(t, "0.99", "Magnitude") == "3.500e+06"
    assert cell(t, "0.70", "Wanda") == "not run"
    assert cell(t, "0.10", "random") == "not run"
    assert [cell(t, lvl, "Movement") for lvl in ("0.10", "0.50", "0.70", "0.90", "0.99")] == \
        ["runtime-error", "timeout", "out-of-memory", "killed", "not run"]
    assert t[t["Pruned Level"] == "0.00"].iloc[0, 1:].tolist() == ["12.345"] * 5
    # ablations are not Table 1 methods
    assert not {"weights", "-weights", "bias", "-bias"} & set(t.columns)
    md = (report.out_dir / "report.md").read_text()
    sec = section(md, "Table 1: ")
    assert sec.count("fingerprint c8a4dc46d794: smollm2-135m, wikitext2:test, seqlen 2048, 4 windows, float32, cpu, "
                     "calibration") == 1
    assert "c4 16x512 seed 0" in sec


def test_table1_semi_structured(report):
    t = csv(report, "table1-2_4")
    assert t["Pruned Level"].tolist() == ["0.00", "0.50"]
    assert cell(t, "0.50", "Wanda") == "11.111"
    assert cell(t, "0.50", "Magnitude") == "sparsity-not-met"
    assert cell(t, "0.50", "Movement") == "not run"


def test_table2_falls_back_to_magnitude(report):
    t = csv(report, "table2")
    assert list(t.columns) == ["Pruned Level", "Prune by Weights", "Prune by -Weights"]
    assert cell(t, "0.50", "Prune by Weights") == "17.285"
    assert cell(t, "0.10", "Prune by -Weights") == "24377.635"
    assert cell(t, "0.50", "Prune by -Weights") == "non-finite"
    assert cell(t, "0.90", "Prune by -Weights") == "not run"
    assert not (report.out_dir / "table2-2_4.csv").exists()   # magnitude's 2:4 job makes no Table 2 of its own
    assert "'weights' is the same pruner as magnitude" in section((report.out_dir / "report.md").read_text(), "Table 2")


def test_table3_not_applicable(report):
    t = csv(report, "table3")
    assert t["Pruned Level"].tolist() == ["0.10", "0.50", "0.90"]
    assert set(t["Prune by Bias"]) | set(t["Prune by -Bias"]) == {"not applicable: model has no bias"}
    assert "210 of 210 prunable layers" in section((report.out_dir / "report.md").read_text(), "Table 3")


def test_table4_generation_and_run(report):
    t = csv(report, "table4").set_index("Core Idea")
    assert list(t.index[:3]) == ["Gradient Sensitive Pruning", "L1 Norm Pruning", "Structured Pruning"]
    assert t.loc["L1 Norm Pruning", "Number"] == "02"
    assert t.loc["Hessian Diagonal Pruning", "Number"] == "11*"
    assert t.loc["Gradient Sensitive Pruning", ["Generation", "Run", "Status"]].tolist() == \
        ["no-code", "not run (no program)", "Error"]
    assert t.loc["K-means Clustering Pruning", "Generation"] == "syntax-error"
    assert t.loc["Variational Dropout Pruning", "Generation"] == "generation-error"
    assert t.loc["L1 Norm Pruning", ["Generation", "Run", "Levels ok", "Status"]].tolist() == ["ok", "ok", "3/3", "OK"]
    # the first real failure names the run status, not the 'skipped' levels around it
    assert t.loc["Random Pattern Pruning", "Run"] == "output-invalid"
    assert t.loc["Random Pattern Pruning", "After repair"] == "ok (round 1)"
    assert t.loc["Structured Pruning", "Run"] == "interface-mismatch"
    assert t.loc["Dynamic Pruning with Reinforcement Learning", ["Run", "Levels ok"]].tolist() == ["import-error", "2/3"]
    assert t.loc["Elastic Weight Consolidation Pruning", "Run"] == "tampered"
    assert "at 0.50" in t.loc["Random Pattern Pruning", "Detail"]
    assert len(t) == 9   # one-pass programs only: the repair is not a row


def test_table4b_breakdown(report):
    t = csv(report, "table4b").set_index("Outcome")
    assert list(t.columns) == [CLAUDE, QWEN, O1, "All"]
    assert t.loc["ok", O1] == "2" and t.loc["no-code", O1] == "1" and t.loc["syntax-error", O1] == "1"
    assert t.loc["output-invalid", CLAUDE] == "1" and t.loc["import-error", CLAUDE] == "1"
    assert t.loc["generation-error", QWEN] == "1" and t.loc["tampered", QWEN] == "1"
    assert t.loc["total"].tolist() == ["3", "2", "4", "9"]
    assert t.loc["timeout", "All"] == "0"


def test_table5_machine_vs_best_human(report):
    t = csv(report, "table5")
    l1 = "02 L1 Norm Pruning [openai:o1]"
    rl = "10 Dynamic Pruning with Reinforcement Learning [anthropic:claude-sonnet]"
    rep = "06 Random Pattern Pruning [anthropic:claude-sonnet] r1"
    assert list(t.columns)[0] == "Pruned Level" and {l1, rl, rep} <= set(t.columns)
    assert "09 Elastic Weight Consolidation Pruning [ollama:qwen2.5-coder]" not in t.columns
    assert cell(t, "0.50", l1) == "193740.406"
    assert cell(t, "0.50", rl) == "220000.000"
    assert cell(t, "0.90", rl) == "import-error"
    assert cell(t, "0.10", rep) == "not run"
    assert cell(t, "0.50", "Best human method") == "sparsegpt"
    assert cell(t, "0.50", "Best human perplexity") == "7.234"
    assert cell(t, "0.90", "Best human perplexity") == "3198.101"


def test_table6_continuations(report, store_path, tmp_path):
    t = csv(report, "table6")
    assert list(t.columns) == ["Pruned Level", "Perplexity", "University is"]
    assert "sparsegpt" in report.tables[[x.key for x in report.tables].index("table6")].title
    assert t.iloc[0].tolist() == ["0.00", "12.345", "University is a great place to learn."]
    assert cell(t, "0.50", "Perplexity") == "7.234"
    assert cell(t, "0.50", "University is") == "University is sparsegpt 0.5"
    # configurable, and a failed job shows its status in both cells
    other = render(store_path, tmp_path, table6_method="movement")
    t = pd.read_csv(other.out_dir / "table6.csv", dtype=str, keep_default_na=False)
    assert cell(t, "0.50", "Perplexity") == "timeout" and cell(t, "0.50", "University is") == "timeout"


def test_extra_tables(report):
    s = csv(report, "table7").set_index("Quantity")["Value"]
    assert s["dense perplexity"] == "12.345"
    jobs = csv(report, "table8")
    row = jobs[(jobs["Method"] == "wanda") & (jobs["Level"] == "0.50") & (jobs["Pattern"] == "unstructured")].iloc[0]
    assert row[["Status", "Achieved sparsity", "Perplexity", "Prune s", "Eval s", "Wall s"]].tolist() == \
        ["ok", "0.5000", "7.257", "1.5", "2.0", "3.5"]
    row = jobs[(jobs["Method"] == "movement") & (jobs["Level"] == "0.50")].iloc[0]
    assert row[["Status", "Achieved sparsity", "Eval s", "Wall s"]].tolist() == ["timeout", "not measured",
                                                                                 "not measured", "1.5"]
    cost = csv(report, "table9").set_index("Generator")
    assert cost.loc[O1, ["Programs", "Working", "Cost USD", "USD per working"]].tolist() == ["4", "2", "1.3000", "0.6500"]
    assert cost.loc[O1, "Total tokens"] == str(3000 + 1500 + 1800 + 1900)
    assert cost.loc[CLAUDE, ["Programs", "Working", "Cost USD"]].tolist() == ["4", "2", "0.4500"]
    assert cost.loc[QWEN, ["Working", "Cost USD", "USD per working", "Total tokens"]].tolist() == \
        ["0", "unknown", "no working candidate", "1500 + unknown (1 of 2 unrecorded)"]


def test_programs_that_are_the_interface_example_again_are_marked(report):
    t4 = {(r["Core Idea"], r["Generator"]): r for r in csv(report, "table4").to_dict("records")}
    assert t4[("L1 Norm Pruning", O1)]["Example copy"] == "yes"           # same AST up to comments and local names
    assert t4[("Dynamic Pruning with Reinforcement Learning", CLAUDE)]["Example copy"] == "no"   # one edit: original
    assert t4[("Gradient Sensitive Pruning", O1)]["Example copy"] == "no"                     # no file at all
    assert any("1 of 9 one-pass programs are" in n for n in next(t for t in report.tables if t.key == "table4").notes)
    assert any("(not original: copy of interface-example)" in n and "l1-norm-pruning/o1" in n
               for n in next(t for t in report.tables if t.key == "table5").notes)


def test_the_program_closest_to_wanda_per_level(report):
    t = csv(report, "table5b").set_index("Pruned Level")
    assert t.loc["0.10", "Closest program"].startswith("02 L1 Norm Pruning")
    assert t.loc["0.10", "Closest program: x wanda"] == f"{6.5 / 5.696:.3f}"
    assert t.loc["0.10", "Closest original program"].startswith("10 Dynamic Pruning")     # the copy does not count
    assert t.loc["0.10", "Closest original program: x wanda"] == f"{7.0 / 5.696:.3f}"
    assert t.loc["0.50", "Closest program"].startswith("11* Hessian Diagonal Pruning")
    assert t.loc["0.50", "Closest program: x wanda"] == f"{50.25 / 7.257:.3f}"


def test_table4b_per_idea_counts_each_program_once(report):
    t = csv(report, "table4b_idea")
    assert t["Programs"].astype(int).sum() == len(CANDIDATES) + 1     # Hessian: the one outside the paper's list
    row = t[t["Idea"] == "04 K-means Clustering Pruning"].iloc[0]
    assert row["syntax-error"] == "1" and row["ok"] == "0"


def test_no_empty_or_na_cell_anywhere(report):
    assert sorted(p.stem for p in report.out_dir.glob("table*.csv")) == sorted(t.key for t in report.tables) == \
        ["table1", "table1-2_4", "table2", "table3", "table4", "table4b", "table4b_idea", "table4c", "table5",
         "table5b", "table6", "table7", "table8", "table9"]
    for p in report.out_dir.glob("table*.csv"):
        raw = pd.read_csv(p)   # pandas' own NA detection: 'NA', 'nan', '' all become NaN
        assert not raw.isna().any().any(), f"{p.name} has an empty/NA cell"
        strs = pd.read_csv(p, dtype=str, keep_default_na=False)
        for v in strs.to_numpy().ravel():
            assert v.strip() and v.strip().lower() not in {"na", "nan", "none", "n/a"}, (p.name, v)


def test_markdown_matches_csv(report):
    md = (report.out_dir / "report.md").read_text()
    for t in report.tables:
        df = pd.read_csv(report.out_dir / f"{t.key}.csv", dtype=str, keep_default_na=False)
        assert df.equals(t.frame.reset_index(drop=True)), t.key
        sec = section(md, t.title)
        assert sec.count("fingerprint ") >= 1
        for row in df.itertuples(index=False):
            line = "| " + " | ".join(v.replace("|", "\\|") for v in row) + " |"
            assert line in sec, (t.key, line)


def test_figures_are_pngs(report):
    names = sorted(f.path.name for f in report.figures)
    assert names == ["figure1.png", "figure2.png", "figure3.png", "figure4.png"]   # 3 generators -> figure 4
    for f in report.figures:
        data = f.path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        w, h = struct.unpack(">II", data[16:24])
        assert w > 200 and h > 200
        assert "absent" in f.caption or f.key == "figure4"


def test_html_self_contained(report):
    page = (report.out_dir / "report.html").read_text()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page, re.I)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), [r[:40] for r in refs if not r.startswith(("data:", "#"))]
    assert page.count("data:image/png;base64,") == len(report.figures)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<table>") == len(report.tables)
    import html as h
    for t in report.tables:
        assert h.escape(t.title) in page
    assert '<td class="num">7.257</td>' in page
    assert '<td class="na">not applicable: model has no bias</td>' in page
    assert '<td class="notrun">not run</td>' in page


def test_single_generator_has_no_figure4(tmp_path):
    with ResultsStore(tmp_path / "results.sqlite") as s:
        put(s, "dense", "dense", 0.0, Status.OK, DENSE_PPL)
        put(s, "reference", "wanda", 0.5, Status.OK, 7.257)
        s.put_candidate(CandidateRecord("a/o1/sample-0", "A", O1, 0, "ok"))
        put(s, "candidate", "a/o1/sample-0", 0.5, Status.OK, 8.0, idea="A", generator=O1, sample=0)
        rep = render(s, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["figure1.png", "figure2.png", "figure3.png"]
    t = pd.read_csv(tmp_path / "out" / "table3.csv", dtype=str, keep_default_na=False)
    assert t.iloc[0].tolist() == ["0.50", "not run", "not run"]
    assert "A" in pd.read_csv(tmp_path / "out" / "table4.csv")["Core Idea"].tolist()
    assert rep.out_dir == tmp_path / "out"


def test_empty_store_still_renders(tmp_path):
    ResultsStore(tmp_path / "results.sqlite").close()
    out = build_report(tmp_path, tmp_path / "out", title="empty")
    assert (out / "report.html").is_file() and "# empty" in (out / "report.md").read_text()
    for p in out.glob("table*.csv"):
        assert not pd.read_csv(p).isna().any().any(), p.name


def job_row(status="ok", **fields) -> JobRow:
    """A stored job as the report reads it, the columns a test does not name filled in."""
    return JobRow(**{"key": "k", "kind": "reference", "method": "m", "model": MODEL, "sparsity": 0.5,
                     "pattern": "unstructured", "status": status, "finished_at": 0.0, **fields})


def test_job_cell_rules():
    assert job_cell(None) == "not run"
    assert job_cell(job_row("ok", perplexity=1234567.0)) == "1.235e+06"
    assert job_cell(job_row("ok", perplexity=float("inf"))) == "inf"
    assert job_cell(job_row("runtime-error", perplexity=None)) == "runtime-error"
    assert job_cell(job_row("not-applicable", detail="")) == "not applicable"


def test_guard_rejects_blank_cells(store_path, monkeypatch):
    import harness.report.levels as tables_1_to_3
    with ResultsStore(store_path) as s:
        d = Data(s.rows(), s.candidates(), None)
    monkeypatch.setattr(tables_1_to_3, "job_cell", lambda job: "" if job is None else "x")
    with pytest.raises(AssertionError, match="empty or NA"):
        collect_tables(d)


def test_cli(store_path, capsys):
    parser = argparse.ArgumentParser(prog="prunegen")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(store_path.parent)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out.split()
    out = store_path.parent / "report"
    assert str(out / "report.html") in printed and str(out / "table1.csv") in printed
    assert all((out / p).exists() for p in printed)
    args = parser.parse_args(["report", str(store_path.parent / "missing.sqlite"), "--out", str(out / "x")])
    assert args.func(args) == 2


def test_table4c_pass_and_fix_rates(report):
    """pass@1 and fix@1 recomputed by hand from the fixture's one-pass programs and their repairs."""
    t = csv(report, "table4c").set_index("Generator")
    assert set(t.columns) >= {"Ideas", "Programs", "pass@1", "fix@1"}
    for gen, row in t.iterrows():
        assert 0.0 <= float(row["pass@1"]) <= float(row["fix@1"]) <= 1.0, gen
    # Per idea too: each generator's first row is the mean of its idea rows.
    t = csv(report, "table4c")
    for gen, rows in t.groupby("Generator", sort=False):
        assert rows.iloc[0]["Idea"] == "all (mean over ideas)"
        ideas = rows.iloc[1:]
        assert len(ideas) == int(rows.iloc[0]["Ideas"]) and (ideas["Ideas"] == "1").all()
        assert ideas["Programs"].astype(int).sum() == int(rows.iloc[0]["Programs"])
        for col in ("pass@1", "fix@1"):
            assert ideas[col].astype(float).mean() == pytest.approx(float(rows.iloc[0][col]), abs=1e-3), (gen, col)


def test_a_program_with_a_copys_exact_numbers_is_the_example_in_effect(tmp_path):
    """Renamed enough to escape the AST check, but every ok level has a copy's exact perplexity: not original."""
    path = tmp_path / "results.sqlite"
    gen = "local:coder"
    with ResultsStore(path) as s:
        put(s, "dense", "dense", 0.0, Status.OK, DENSE_PPL)
        for lvl, ppl in ((0.5, 35.0), (0.7, 900.0)):
            put(s, "reference", "wanda", lvl, Status.OK, ppl)
        programs = {"copy": (EXAMPLE, {0.5: 296.0, 0.7: 40253.0}),
                    "near": (EXAMPLE.replace("w.abs()", "torch.abs(w)"), {0.5: 296.0, 0.7: 40253.0}),
                    "own": (EXAMPLE.replace("w.abs()", "w.abs() + 1e-3"), {0.5: 400.0, 0.7: 40253.0})}
        for i, (idea, (code, ppls)) in enumerate(programs.items()):
            f = tmp_path / f"{idea}.py"
            f.write_text(code)
            c = f"{idea}/coder/sample-0"
            s.put_candidate(CandidateRecord(c, idea, gen, 0, "ok", path=str(f)))
            for lvl, ppl in ppls.items():
                put(s, "candidate", c, lvl, Status.OK, ppl, idea=idea, generator=gen, sample=0)
    rep = render(path, tmp_path / "out")
    t4 = {r["Core Idea"]: r["Example copy"] for r in csv(rep, "table4").to_dict("records")}
    assert t4 == {"copy": "yes", "near": "in effect: interface-example", "own": "no"}   # "own" matches at 0.7 only
    t5b = csv(rep, "table5b").set_index("Pruned Level")
    assert "own" in t5b.loc["0.50", "Closest original program"]
    assert t5b.loc["0.50", "Closest original program: x wanda"] == f"{400 / 35:.3f}"
    assert any("near/coder/sample-0 (not original: interface-example in effect)" in n
               for n in next(t for t in rep.tables if t.key == "table5").notes)


def test_a_huge_ratio_to_wanda_is_written_like_a_perplexity(tmp_path):
    path = tmp_path / "results.sqlite"
    with ResultsStore(path) as s:
        put(s, "dense", "dense", 0.0, Status.OK, DENSE_PPL)
        put(s, "reference", "wanda", 0.5, Status.OK, 35.0)
        s.put_candidate(CandidateRecord("zero/coder/sample-0", "zero", "local:coder", 0, "ok"))
        put(s, "candidate", "zero/coder/sample-0", 0.5, Status.OK, 1.39e45, idea="zero", generator="local:coder", sample=0)
    t5b = csv(render(path, tmp_path / "out"), "table5b").set_index("Pruned Level")
    assert t5b.loc["0.50", "Closest program: x wanda"] == f"{1.39e45 / 35:.3e}"


# ------------------------------------------------------------------ what counts as the machine's own program

def put_level(s, kind, method, level, ppl, digests=None, status=Status.OK, **ids):
    """One scored job with the digests harness.run.sweep stores (``digests``: (mask, kept)) or none (older stores)."""
    extra = {"mask_sha256": digests[0], "kept_sha256": digests[1]} if digests else {}
    s.put(JobResult(JobKey(kind, method, MODEL, float(level), "unstructured", "setup0"), str(status), "",
                    achieved_sparsity=level, perplexity=ppl, fingerprint=fp(CALIB), fingerprint_digest=DIGEST,
                    extra=extra, **ids))


def test_a_program_is_the_method_whose_model_it_returns_with_no_copy_in_the_run(tmp_path):
    """No AST copy of the example in the run (the issue's case), yet programs that return the interface
    example's model (same digests) or magnitude-row's numbers bit for bit (no digests) are those methods."""
    path, gen = tmp_path / "results.sqlite", "local:coder"
    with ResultsStore(path) as s:
        put_level(s, "dense", "dense", 0.0, DENSE_PPL)
        for lvl, ppl in ((0.5, 35.0), (0.7, 900.0)):
            put_level(s, "reference", "wanda", lvl, ppl, (f"w{lvl}", f"wk{lvl}"))
        example = {0.5: (295.975, ("m5", "k5")), 0.7: (40253.0, ("m7", "k7"))}
        for lvl, (ppl, dig) in example.items():
            put_level(s, "reference", "interface-example", lvl, ppl, dig)
            put_level(s, "reference", "magnitude-row", lvl, ppl / 1.1, (f"r{lvl}", f"rk{lvl}"))
        programs = {"renamed": {lvl: (ppl, dig) for lvl, (ppl, dig) in example.items()},
                    # the example's numbers, other masks: the digests decide, so its own program
                    "lookalike": {lvl: (ppl, (f"x{lvl}", f"xk{lvl}")) for lvl, (ppl, _) in example.items()},
                    # an older row without digests: magnitude-row's perplexity bit for bit at every level
                    "rowwise": {lvl: (ppl / 1.1, None) for lvl, (ppl, _) in example.items()},
                    "own": {0.5: (400.0, ("o5", "ok5")), 0.7: (40253.0, None)}}
        for idea, levels in programs.items():
            c = f"{idea}/coder/sample-0"
            f = tmp_path / f"{idea}.py"
            f.write_text(f"def prune(model, sparsity, calib, *, pattern='unstructured', device='cpu', layers=None):\n"
                         f"    return '{idea}'\n")
            s.put_candidate(CandidateRecord(c, idea, gen, 0, "ok", path=str(f)))
            for lvl, (ppl, dig) in levels.items():
                put_level(s, "candidate", c, lvl, ppl, dig, idea=idea, generator=gen, sample=0)
    rep = render(path, tmp_path / "out")
    t4 = {r["Core Idea"]: r["Example copy"] for r in csv(rep, "table4").to_dict("records")}
    assert t4 == {"renamed": "in effect: interface-example", "lookalike": "no", "rowwise": "in effect: magnitude-row",
                  "own": "no"}
    t5b = csv(rep, "table5b").set_index("Pruned Level")
    assert " rowwise" in t5b.loc["0.50", "Closest program"]
    assert " lookalike" in t5b.loc["0.50", "Closest original program"]
    # The prompt's example is no human method: not in Table 1, never the best human.
    assert "interface-example" not in csv(rep, "table1").columns
    assert set(csv(rep, "table5")["Best human method"]) == {"wanda"}


def test_pass_and_fix_rates_count_valid_original_programs_beside_the_raw_rate(tmp_path):
    """Three samples of one idea: the example in effect, a collapsed one (perplexity above the vocabulary
    size at 0.5) whose repair is genuine, and a genuine one. Raw: all three work at once."""
    path, gen, idea = tmp_path / "results.sqlite", "local:coder", "l1-norm"
    with ResultsStore(path) as s:
        put_level(s, "dense", "dense", 0.0, DENSE_PPL)
        for lvl, ppl in ((0.5, 295.975), (0.7, 40253.0)):
            put_level(s, "reference", "interface-example", lvl, ppl, (f"m{lvl}", f"k{lvl}"))
            put_level(s, "reference", "wanda", lvl, ppl / 8)
        samples = {0: {0.5: (295.975, ("m0.5", "k0.5")), 0.7: (40253.0, ("m0.7", "k0.7"))},
                   1: {0.5: (6.3e4, None), 0.7: (1.4e45, None)},      # 63,000 > 49,152: collapsed at 0.5
                   2: {0.5: (400.0, None), 0.7: (50000.0, None)}}     # collapsed at 0.7 only: valid
        for k, levels in samples.items():
            c = f"{idea}/coder/sample-{k}"
            s.put_candidate(CandidateRecord(c, idea, gen, k, "ok"))
            for lvl, (ppl, dig) in levels.items():
                put_level(s, "candidate", c, lvl, ppl, dig, idea=idea, generator=gen, sample=k)
        rep_id = f"{idea}/coder/sample-1-r1"
        s.put_candidate(CandidateRecord(rep_id, idea, gen, 1, "ok", round=1, parent=f"{idea}/coder/sample-1"))
        put_level(s, "candidate", rep_id, 0.5, 500.0, idea=idea, generator=gen, sample=1)
    t = csv(render(path, tmp_path / "out"), "table4c").set_index("Idea").loc["all (mean over ideas)"]
    assert [c for c in t.index if c.startswith(("pass", "fix"))] == [
        "pass@1", "pass@1 raw", "pass@3 (k = samples per idea)", "pass@3 raw (k = samples per idea)", "fix@1", "fix@1 raw"]
    assert (t["pass@1"], t["pass@1 raw"]) == ("0.333", "1.000")
    assert (t["pass@3 (k = samples per idea)"], t["pass@3 raw (k = samples per idea)"]) == ("1.000", "1.000")
    assert (t["fix@1"], t["fix@1 raw"]) == ("0.667", "1.000")


def test_collapse_is_read_from_the_status_or_from_perplexity_against_the_vocabulary():
    from harness.report.programs import is_collapsed_job

    dense = job_row("ok", kind="dense", method="dense", perplexity=DENSE_PPL)
    job = job_row("ok", perplexity=5e4, fingerprint=fp(), extra={})
    assert is_collapsed_job(job, dense)                                   # 50,000 > vocab=49152
    assert not is_collapsed_job(replace(job, perplexity=4.9e4), dense)
    assert is_collapsed_job(replace(job, perplexity=float("inf")), dense)
    assert not is_collapsed_job(job, replace(dense, perplexity=6e4))      # a dense model no better: nothing to lose
    assert is_collapsed_job(job_row("collapsed", perplexity=10.0, extra={}), dense)
    assert is_collapsed_job(replace(job, perplexity=2000.0, extra={"collapsed": {"bound": 1000}}), dense)
    assert not is_collapsed_job(replace(job, status="runtime-error"), dense)


def test_table5_holds_machine_written_programs_and_compares_each_form_with_its_own_baselines(tmp_path):
    from harness.run.store import SEED

    path = tmp_path / "results.sqlite"
    with ResultsStore(path) as s:
        put_level(s, "dense", "dense", 0.0, DENSE_PPL)
        for m, ppl in (("wanda", 35.2), ("magnitude", 297.2), ("magnitude-row", 269.4), ("score-wanda", 36.0)):
            put_level(s, "reference", m, 0.5, ppl)
        s.put_candidate(CandidateRecord("seed:magnitude", SEED, "human", 0, "ok", extra={"mode": SEED}))
        put_level(s, "candidate", "seed:magnitude", 0.5, 30.0, idea=SEED, generator="human", sample=0)
        for gen, idea, ppl in (("local:coder", "prog", 300.0), ("local:coder+score", "sc", 280.0)):
            c = f"{idea}/coder/sample-0"
            s.put_candidate(CandidateRecord(c, idea, gen, 0, "ok"))
            put_level(s, "candidate", c, 0.5, ppl, idea=idea, generator=gen, sample=0)
    rep = render(path, tmp_path / "out")
    keys = [t.key for t in rep.tables]
    assert {"table5", "table5b", "table5-score", "table5b-score"} <= set(keys)
    program, score = csv(rep, "table5"), csv(rep, "table5-score")
    assert not any("seed" in c for c in [*program.columns, *score.columns])
    assert [c for c in program.columns if c.startswith("Baseline")] == ["Baseline magnitude"]
    assert [c for c in score.columns if c.startswith("Baseline")] == ["Baseline magnitude-row", "Baseline score-wanda"]
    assert cell(score, "0.50", "Baseline magnitude-row") == "269.400"
    assert any(re.search(r"\bprog\b", c) for c in program.columns)
    assert not any(re.search(r"\bsc\b", c) for c in program.columns)
    b = csv(rep, "table5b-score").set_index("Pruned Level")
    assert re.search(r"\bsc\b", b.loc["0.50", "Closest program"])       # not the human seed's 30.0
    assert b.loc["0.50", "Closest original program: x magnitude-row"] == f"{280 / 269.4:.3f}"
    assert b.loc["0.50", "Closest original program: x score-wanda"] == f"{280 / 36.0:.3f}"
    assert re.search(r"\bprog\b", csv(rep, "table5b").set_index("Pruned Level").loc["0.50", "Closest program"])


def test_the_evolution_verdict_compares_children_with_samples_not_the_pools_one_pass_best(tmp_path):
    """Evolution's pool best is a generation-0 one-pass sample; its best child is worse than best-of-N's best
    sample, so evolution is not better, whatever the pools say."""
    from harness.run.store import BEST_OF_N, EVOLVE

    path, gen, idea = tmp_path / "results.sqlite", "local:coder", "l1-norm"

    def program(cid, mode, rnd, fitness, dup=None):
        return CandidateRecord(cid, idea, gen, 0, "ok", round=rnd, extra={
            "mode": mode, "model": MODEL, "fitness_setup": "fit0", "fitness": fitness, "duplicate_of": dup})

    def view(cid, g, fitness):
        return {"id": cid, "generation": g, "ast_hash": "h", "path": None, "seed": False, "fitness": fitness,
                "status": "ok", "levels": []}
    with ResultsStore(path) as s:
        put_level(s, "dense", "dense", 0.0, DENSE_PPL)
        put_level(s, "reference", "wanda", 0.5, 35.0)
        g0, child, copy, sample = "l1/evolve/g0-c0", "l1/evolve/g1-c0", "l1/evolve/g1-c1", "l1/bon/sample-100"
        s.put_candidate(program(g0, EVOLVE, 0, 5.0))
        s.put_candidate(program(child, EVOLVE, 1, 6.0))
        s.put_candidate(program(copy, EVOLVE, 1, 5.0, dup=g0))           # a shown program handed back
        s.put_candidate(program(sample, BEST_OF_N, 0, 5.5))
        # the lowest fitness of all, but its held-out model is worse than a uniform guess: not a result
        collapsed = program("l1/evolve/g1-c2", EVOLVE, 1, 4.0)
        collapsed.extra["heldout"] = [{"level": 0.5, "status": "ok", "perplexity": 1.2e7}]
        s.put_candidate(collapsed)
        arm = {"calls": 3, "programs": 2, "duplicates": 1, "seeds": [], "history": [5.0, 5.0]}
        s.put_evolution(idea, MODEL, gen, "fit0", {
            "levels": [0.5], "heldout": {}, "generations": 1, "seeds": [], "population": 4, "top_k": 2,
            "children_per_generation": 2, "humans": {},
            "evolution": {**arm, "best": view(g0, 0, 5.0), "best_generated": view(g0, 0, 5.0)},
            "best_of_n": {**arm, "best": view(sample, 0, 5.5), "best_generated": view(sample, 0, 5.5)}})
    v = csv(render(path, tmp_path / "out"), "table10b").iloc[0]
    assert v["Verdict"] == ("evolution not better than best-of-N at equal LLM calls (3): held-out fitness "
                            "(not both on the test windows) 6.0000 vs 5.5000")
    assert v["Best evolved child"].endswith("evolved g1.0") and "best-of-N" in v["Best best-of-N sample"]
    assert v["Pools' best (seeds and generation 0 included)"].startswith("evolution better than best-of-N")
