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
    fingerprint       TEXT,               -- JSON of harness.fingerprint.EvalFingerprint
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
"""


@dataclass(frozen=True)
class JobKey:
    """What identifies a job. Two jobs with equal keys would produce the same number."""
    kind: str
    method: str
    model: str
    sparsity: float
    pattern: str
    setup: str = ""   # digest of calibration + evaluation settings (see harness.fingerprint)

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


@dataclass
class CandidateRecord:
    """One generated program (before it is run)."""
    id: str
    idea: str
    generator: str
    sample: int
    status: str
    detail: str = ""
    path: str | None = None
    round: int = 0
    parent: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_s: float | None = None
    extra: dict = field(default_factory=dict)


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

    def has_candidate(self, candidate_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM candidates WHERE id = ?", (candidate_id,)).fetchone() is not None

    def put_candidate(self, c: CandidateRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO candidates VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (c.id, c.idea, c.generator, c.sample, c.round, c.parent, str(c.status), c.detail, c.path,
             c.prompt_tokens, c.completion_tokens, c.cost_usd, c.latency_s, json.dumps(c.extra), time.time()))
        self._db.commit()

    def candidates(self, **where) -> list[dict]:
        sql = "SELECT * FROM candidates"
        if where:
            sql += " WHERE " + " AND ".join(f"{col} = ?" for col in where)
        out = []
        for row in self._db.execute(sql + " ORDER BY idea, generator, sample, round", tuple(where.values())):
            d = dict(row)
            d["extra"] = json.loads(d["extra"]) if d["extra"] else None
            out.append(d)
        return out

    def rows(self, **where) -> list[dict]:
        """Every job as a dict (JSON columns decoded), optionally filtered by column equality."""
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(f"{col} = ?" for col in where)
        out = []
        for row in self._db.execute(sql + " ORDER BY kind, method, pattern, sparsity", tuple(where.values())):
            d = dict(row)
            for col in ("fingerprint", "artefacts", "extra"):
                d[col] = json.loads(d[col]) if d[col] else None
            out.append(d)
        return out
