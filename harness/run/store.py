"""The results store: one SQLite row per job, written the moment the job finishes.

A job is one (pruner, model, sparsity, pattern, calibration, evaluation) combination. Its key is a
hash of exactly those fields, so a rerun after a crash or a kill finds every finished job and
redoes none of them. SQLite's WAL mode lets parallel workers write while a report reads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    key               TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,      -- dense | reference | candidate
    method            TEXT NOT NULL,      -- reference method name or candidate id
    idea              TEXT,
    generator         TEXT,
    sample            INTEGER,
    model             TEXT NOT NULL,
    sparsity          REAL NOT NULL,
    pattern           TEXT NOT NULL,
    status            TEXT NOT NULL,
    detail            TEXT,
    achieved_sparsity REAL,
    perplexity        REAL,
    prune_seconds     REAL,
    eval_seconds      REAL,
    peak_memory_bytes INTEGER,
    fingerprint       TEXT,               -- JSON of harness.core.fingerprint.EvalFingerprint
    fingerprint_digest TEXT,
    artefacts         TEXT,               -- JSON: paths of candidate file, logs, weights
    extra             TEXT,               -- JSON: anything else (generation text, per-layer sparsity)
    finished_at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_method ON jobs (kind, method, sparsity);
CREATE TABLE IF NOT EXISTS candidates (
    id                TEXT PRIMARY KEY,   -- idea/generator-slug/sample-K[-rR]: also jobs.method of its jobs
    idea              TEXT NOT NULL,
    generator         TEXT NOT NULL,      -- provider:model
    sample            INTEGER NOT NULL,
    round             INTEGER NOT NULL DEFAULT 0,   -- repair round; 0 = one-pass generation
    parent            TEXT,               -- candidate id this one repairs
    status            TEXT NOT NULL,      -- generation status (ok | no-code | syntax-error | generation-error)
    detail            TEXT,
    path              TEXT,               -- the candidate .py file
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cost_usd          REAL,
    latency_s         REAL,
    extra             TEXT,
    finished_at       REAL NOT NULL
);
-- Evolution (harness/run/evolve.py): a program's held-out fitness, never a reported number.
CREATE TABLE IF NOT EXISTS fitness (
    program           TEXT NOT NULL,      -- candidate id, or reference:<method>
    setup             TEXT NOT NULL,      -- digest of model + evaluation setup + held-out windows + levels
    ast_hash          TEXT,               -- harness.run.evolve.normalised_ast_hash of its code
    fitness           REAL,               -- mean log-perplexity over the levels; NULL when a level failed
    status            TEXT NOT NULL,      -- ok, or the first failing level's status
    levels            TEXT,               -- JSON: [{level, status, perplexity, detail}]
    finished_at       REAL NOT NULL,
    PRIMARY KEY (program, setup)
);
CREATE TABLE IF NOT EXISTS evolution (
    idea              TEXT NOT NULL,
    model             TEXT NOT NULL,
    generator         TEXT NOT NULL,
    setup             TEXT NOT NULL,
    summary           TEXT NOT NULL,      -- JSON: see harness.run.evolve.EvolutionSummary
    finished_at       REAL NOT NULL,
    PRIMARY KEY (idea, model, generator, setup)
);
-- What the run itself says about how it went (a generator that fell back to another engine, ...):
-- the report prints these at its top. One row per topic; a rerun replaces it.
CREATE TABLE IF NOT EXISTS notes (
    topic             TEXT PRIMARY KEY,
    text              TEXT NOT NULL,
    finished_at       REAL NOT NULL
);
"""

# candidates.extra["mode"] of the programs evolution writes (harness/run/evolve.py); one-pass and repair
# programs have none. Here, not in harness.run.evolve, because the report reads them too.
EVOLVE, BEST_OF_N, SEED = "evolve", "best-of-n", "seed"
# The discovery engine's programs (harness/run/search/): kept out of the one-pass tables as evolution's are.
SEARCH, SEARCH_BEST_OF_N, SEARCH_SEED = "search", "search-best-of-n", "search-seed"
EVOLUTION_MODES = (EVOLVE, BEST_OF_N, SEED, SEARCH, SEARCH_BEST_OF_N, SEARCH_SEED)


@dataclass(frozen=True)
class JobKey:
    """What identifies a job. Two jobs with equal keys would produce the same number."""
    kind: str
    method: str
    model: str
    sparsity: float
    pattern: str
    setup: str = ""   # digest of calibration + evaluation settings (see harness.core.fingerprint)

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:24]


@dataclass
class JobResult:
    key: JobKey
    status: str
    detail: str = ""
    idea: str | None = None
    generator: str | None = None
    sample: int | None = None
    achieved_sparsity: float | None = None
    perplexity: float | None = None
    prune_seconds: float | None = None
    eval_seconds: float | None = None
    peak_memory_bytes: int | None = None
    fingerprint: dict | None = None
    fingerprint_digest: str | None = None
    artefacts: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CandidateRecord:
    """One generated program: what the generator writes with :meth:`ResultsStore.put_candidate` and what
    :meth:`ResultsStore.candidates` reads back (then with ``finished_at``)."""
    id: str                            # idea/generator-slug/sample-K[-rR]; also jobs.method of its jobs
    idea: str
    generator: str                     # provider:model (a form's suffix included: "+score", "+search")
    sample: int
    status: str                        # generation status: ok | no-code | syntax-error | generation-error
    detail: str = ""
    path: str | None = None            # the candidate .py file; None when the reply held no code
    round: int = 0                     # repair round (evolution: generation); 0 = one-pass
    parent: str | None = None          # the candidate id this one repairs (or was prompted from)
    prompt_tokens: int | None = None   # None: the provider reported none
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_s: float | None = None
    extra: dict = field(default_factory=dict)   # mode (EVOLUTION_MODES), paper_number, raw_path, fitness, ...
    finished_at: float | None = None   # when it was stored; None on a record not yet written


@dataclass(frozen=True, kw_only=True)
class JobRow:
    """One finished job as :meth:`ResultsStore.rows` reads it: every column of ``jobs``, JSON decoded."""
    key: str                                   # JobKey.digest
    kind: str                                  # dense | reference | candidate
    method: str                                # reference method name or candidate id
    idea: str | None = None                    # a candidate's, else None
    generator: str | None = None
    sample: int | None = None
    model: str
    sparsity: float                            # the level asked for
    pattern: str                               # unstructured | N:M
    status: str                                # harness.core.interface.Status value
    detail: str = ""
    achieved_sparsity: float | None = None     # zeros / prunable weights after validation; None if not validated
    perplexity: float | None = None            # on the reported test windows
    prune_seconds: float | None = None
    eval_seconds: float | None = None
    peak_memory_bytes: int | None = None
    fingerprint: dict | None = None            # harness.core.fingerprint.EvalFingerprint; None when recorded none
    fingerprint_digest: str | None = None
    artefacts: dict = field(default_factory=dict)   # paths: pruner file (and its sha256), logs, weights
    extra: dict = field(default_factory=dict)       # continuation, prompt, mask digests, zero_shot, ...
    finished_at: float


@dataclass(frozen=True)
class FitnessRow:
    """A program's held-out fitness under one setup (evolution, the search's cascade): never a reported number."""
    program: str                 # candidate id, reference:<method>, or <stage>:<ast hash> for the cascade
    setup: str                   # digest of model + evaluation setup + held-out windows + levels (+ stage)
    ast_hash: str | None         # harness.core.program_identity.normalised_ast_hash of its code
    fitness: float | None        # mean log-perplexity over the levels; None when a level failed
    status: str                  # ok, or the first failing level's status
    levels: list                 # [{level, status, perplexity, detail}] (the cascade's probe: behaviour too)
    finished_at: float


def _json(text: str | None, empty):
    """A JSON column decoded; ``empty`` where it is NULL or JSON null (rows the readers always took as empty)."""
    value = json.loads(text) if text else None
    return empty if value is None else value


class ResultsStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._db.row_factory = sqlite3.Row

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def has(self, key: JobKey) -> bool:
        return self._db.execute("SELECT 1 FROM jobs WHERE key = ?", (key.digest,)).fetchone() is not None

    def put(self, r: JobResult) -> None:
        """Insert or replace one finished job, committed at once so a kill loses nothing finished."""
        k = r.key
        self._db.execute(
            "INSERT OR REPLACE INTO jobs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (k.digest, k.kind, k.method, r.idea, r.generator, r.sample, k.model, k.sparsity, k.pattern,
             str(r.status), r.detail, r.achieved_sparsity, r.perplexity, r.prune_seconds, r.eval_seconds,
             r.peak_memory_bytes, json.dumps(r.fingerprint) if r.fingerprint else None, r.fingerprint_digest,
             json.dumps(r.artefacts), json.dumps(r.extra), time.time()))
        self._db.commit()

    def forget(self, statuses: set[str]) -> tuple[int, int]:
        """Delete the jobs and held-out fitness rows with one of ``statuses``, so a rerun runs them again.

        The ``skipped`` levels of a sweep that lost a job go too (they were skipped because of it).
        Returns (jobs, fitness rows) deleted. For failures of the machine, not of the program: a timeout
        under a load that is gone, a killed worker.
        """
        marks = ",".join("?" * len(statuses))
        args = tuple(statuses)
        with self._db:
            sweeps = self._db.execute(f"SELECT DISTINCT kind, method, model, pattern FROM jobs WHERE status IN ({marks})",
                                      args).fetchall()
            jobs = self._db.execute(f"DELETE FROM jobs WHERE status IN ({marks})", args).rowcount
            for kind, method, model, pattern in sweeps:
                jobs += self._db.execute("DELETE FROM jobs WHERE status = 'skipped' AND kind = ? AND method = ? "
                                         "AND model = ? AND pattern = ?", (kind, method, model, pattern)).rowcount
            fit = self._db.execute(f"DELETE FROM fitness WHERE status IN ({marks})", args).rowcount
        return jobs, fit

    def has_candidate(self, candidate_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM candidates WHERE id = ?", (candidate_id,)).fetchone() is not None

    def put_candidate(self, c: CandidateRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO candidates VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (c.id, c.idea, c.generator, c.sample, c.round, c.parent, str(c.status), c.detail, c.path,
             c.prompt_tokens, c.completion_tokens, c.cost_usd, c.latency_s, json.dumps(c.extra), time.time()))
        self._db.commit()

    def candidates(self, **where) -> list[CandidateRecord]:
        """Every generated program, optionally filtered by column equality, in idea, generator, sample, round order."""
        sql = "SELECT * FROM candidates"
        if where:
            sql += " WHERE " + " AND ".join(f"{col} = ?" for col in where)
        rows = self._db.execute(sql + " ORDER BY idea, generator, sample, round", tuple(where.values()))
        return [CandidateRecord(**{**dict(row), "detail": row["detail"] or "", "extra": _json(row["extra"], {})})
                for row in rows]

    def put_fitness(self, program: str, setup: str, ast_hash: str | None, fitness: float | None, status: str,
                    levels: list[dict]) -> None:
        self._db.execute("INSERT OR REPLACE INTO fitness VALUES (?,?,?,?,?,?,?)",
                         (program, setup, ast_hash, fitness, status, json.dumps(levels), time.time()))
        self._db.commit()

    def fitness(self, setup: str, *, program: str | None = None, ast_hash: str | None = None) -> FitnessRow | None:
        """The held-out fitness of ``program`` (or of any program with ``ast_hash``) under ``setup``, or None."""
        col, value = ("program", program) if program is not None else ("ast_hash", ast_hash)
        row = self._db.execute(f"SELECT * FROM fitness WHERE setup = ? AND {col} = ? ORDER BY finished_at LIMIT 1",
                               (setup, value)).fetchone()
        return None if row is None else FitnessRow(**{**dict(row), "levels": _json(row["levels"], [])})

    def put_evolution(self, idea: str, model: str, generator: str, setup: str, summary: dict) -> None:
        self._db.execute("INSERT OR REPLACE INTO evolution VALUES (?,?,?,?,?,?)",
                         (idea, model, generator, setup, json.dumps(summary), time.time()))
        self._db.commit()

    def evolution(self) -> list[dict]:
        """Every evolution summary (a dict each, with idea, model, generator, setup and finished_at added)."""
        out = []
        for row in self._db.execute("SELECT * FROM evolution ORDER BY idea, model, generator, finished_at"):
            d = dict(row)
            out.append({**json.loads(d.pop("summary")), **d})
        return out

    def put_note(self, topic: str, text: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO notes VALUES (?,?,?)", (topic, text, time.time()))
        self._db.commit()

    def forget_note(self, topic: str) -> None:
        self._db.execute("DELETE FROM notes WHERE topic = ?", (topic,))
        self._db.commit()

    def notes(self) -> dict[str, str]:
        """topic -> text, in topic order."""
        return dict(self._db.execute("SELECT topic, text FROM notes ORDER BY topic").fetchall())

    def rows(self, **where) -> list[JobRow]:
        """Every job, optionally filtered by column equality, in kind, method, pattern, sparsity order."""
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(f"{col} = ?" for col in where)
        rows = self._db.execute(sql + " ORDER BY kind, method, pattern, sparsity", tuple(where.values()))
        return [JobRow(**{**dict(row), "detail": row["detail"] or "", "fingerprint": _json(row["fingerprint"], None),
                          "artefacts": _json(row["artefacts"], {}), "extra": _json(row["extra"], {})})
                for row in rows]
