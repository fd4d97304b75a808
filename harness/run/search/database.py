"""The programs database: islands of scored programs, behavioural de-duplication, reset of the weakest.

As FunSearch's ``programs_database``: each island evolves on its own (the sampler shows the model the
best few programs of one island), so one lucky lineage cannot take over every prompt; every
``reset_every`` LLM calls the weaker half of the islands is emptied and re-seeded with the best program
of a surviving island. Unlike FunSearch, identity is by behaviour: two programs whose masks agree on the
probe model are one program (the shorter code is kept), so a restyled copy costs no fitness evaluation
and takes no place in a prompt. Pure: no I/O, no torch.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Program:
    """One scored program. ``fitness``: mean log-perplexity on the held-out windows (lower is better)."""
    id: str
    code: str                            # the model's code, tuned constants baked in
    fitness: float
    behaviour: str                       # digest of its masks on the probe model
    levels: tuple[tuple[float, float], ...] = ()   # (sparsity, held-out perplexity)
    tuned: tuple[tuple[str, float], ...] = ()      # constants the harness tuned, as baked in
    seed: bool = False                   # a human seed, not written by the model
    calls: int = 0                       # LLM calls the arm had spent when it was found

    @property
    def size(self) -> int:
        return len(self.code.strip())


@dataclass
class ProgramsDatabase:
    islands: int = 4
    capacity: int = 8                    # programs kept per island (best first)
    seed: int = 0
    _members: list[list[Program]] = field(init=False)
    _behaviours: dict[str, Program] = field(init=False, default_factory=dict)
    _rng: random.Random = field(init=False)
    resets: int = field(init=False, default=0)

    def __post_init__(self):
        if self.islands < 1 or self.capacity < 1:
            raise ValueError(f"need at least one island and one place: islands={self.islands}, capacity={self.capacity}")
        self._members = [[] for _ in range(self.islands)]
        self._rng = random.Random(self.seed)

    # ------------------------------------------------------------------------------------------ identity
    def same_behaviour(self, behaviour: str) -> Program | None:
        """The program already known to behave as ``behaviour`` (its masks on the probe model), if any."""
        return self._behaviours.get(behaviour)

    def add(self, program: Program, island: int | None = None) -> Program | None:
        """Insert ``program`` into ``island`` (every island when None, as seeds are).

        A program with a known behaviour is not inserted: the known one is returned (and, when the new
        code is shorter, the known program keeps its id, fitness and place but takes the shorter code).
        Returns None when the program was new.
        """
        known = self._behaviours.get(program.behaviour)
        if known is not None:
            if program.size < known.size:
                shorter = replace(known, code=program.code)
                self._behaviours[program.behaviour] = shorter
                self._members = [[shorter if p.id == known.id else p for p in isl] for isl in self._members]
            return self._behaviours[program.behaviour]
        self._behaviours[program.behaviour] = program
        for i in range(self.islands) if island is None else (island,):
            isl = self._members[i]
            isl.append(program)
            isl.sort(key=lambda p: (p.fitness, p.size))   # stable: ties keep the earlier first
            del isl[self.capacity:]
        return None

    # ------------------------------------------------------------------------------------------ reading
    def top(self, island: int, k: int) -> list[Program]:
        """The ``k`` best programs of ``island``, best first."""
        return list(self._members[island][:k])

    def best(self, island: int | None = None) -> Program | None:
        pool = self._members[island] if island is not None else [p for isl in self._members for p in isl]
        finite = sorted(pool, key=lambda p: (p.fitness, p.size))
        return finite[0] if finite else None

    def island_sizes(self) -> list[int]:
        return [len(isl) for isl in self._members]

    # ------------------------------------------------------------------------------------------ reset
    def reset_weakest(self) -> list[int]:
        """Empty the weaker half of the islands (by their best fitness; empty islands are weakest) and
        seed each with the best program of a surviving island drawn by the seeded RNG. Returns the reset
        islands' indices."""
        if self.islands < 2:
            return []

        def best_of(i: int) -> float:
            return self._members[i][0].fitness if self._members[i] else math.inf

        order = sorted(range(self.islands), key=lambda i: (best_of(i), i))
        keep, reset = order[: self.islands - self.islands // 2], sorted(order[self.islands - self.islands // 2:])
        for i in reset:
            donor = self._members[self._rng.choice(keep)]
            self._members[i] = [donor[0]] if donor else []
        self.resets += 1
        return reset
