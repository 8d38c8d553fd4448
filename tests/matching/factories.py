"""Factories for matching tests: a small taxonomy built from polars frames, records, a solver.

Skills ``s01``..``s12`` sit under skill groups; ``s05`` is narrower than ``s04``; ``s01`` and
``s02`` share group ``g1`` (siblings); ``s07`` → ``s08`` is an ESCO "essential" skill relation.
Occupations ``welder`` (essential s01, s02, s03) and ``nurse`` (essential s09, s10).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import numpy as np
import polars as pl

from matching.records import Candidate, LanguageLevel, Opening, SkillClaim
from matching.solvers.graph import AssignmentGraph, Solution
from skills_taxonomy.taxonomy import Taxonomy

ESCO = "http://data.europa.eu/esco"
SKILLS = {f"s{k:02d}": f"{ESCO}/skill/s{k:02d}" for k in range(1, 13)}
GROUPS = {g: f"{ESCO}/skill/{g}" for g in ("g1", "g2", "g3", "g4")}
OCCUPATIONS = {o: f"{ESCO}/occupation/{o}" for o in ("welder", "nurse")}
LABELS = {
    "s01": "weld metal parts",
    "s02": "use welding equipment",
    "s03": "read technical drawings",
    "s04": "computer programming",
    "s05": "Java (computer programming)",
    "s06": "use spreadsheets",
    "s07": "operate forklift",
    "s08": "store goods",
    "s09": "administer medication",
    "s10": "monitor patients",
    "s11": "speak German",
    "s12": "drive a truck",
}


def S(name: str) -> str:
    """URI of test skill ``name`` (e.g. ``S("s01")``)."""
    return SKILLS[name]


def make_taxonomy(*, version: str = "ESCO test 0.1") -> Taxonomy:
    """The small taxonomy described in the module docstring."""
    rows = [(uri, "skill") for uri in SKILLS.values()]
    rows += [(uri, "skill_group") for uri in GROUPS.values()]
    rows += [(uri, "occupation") for uri in OCCUPATIONS.values()]
    concepts = pl.DataFrame(
        {
            "uri": [u for u, _ in rows],
            "kind": [k for _, k in rows],
            "code": [None] * len(rows),
            "isco_group": [None] * len(rows),
            "skill_type": [None] * len(rows),
            "reuse_level": [None] * len(rows),
        },
        schema={
            c: pl.String for c in ("uri", "kind", "code", "isco_group", "skill_type", "reuse_level")
        },
    )
    label_rows = [(SKILLS[k], v) for k, v in LABELS.items()]
    label_rows += [(u, u.rsplit("/", 1)[1]) for u in (*GROUPS.values(), *OCCUPATIONS.values())]
    labels = pl.DataFrame(
        {
            "uri": [u for u, _ in label_rows],
            "lang": ["en"] * len(label_rows),
            "label_type": ["preferred"] * len(label_rows),
            "text": [t for _, t in label_rows],
        }
    )
    member = {
        "s01": "g1", "s02": "g1", "s03": "g2", "s04": "g3", "s06": "g2", "s07": "g4",
        "s08": "g4", "s09": "g2", "s10": "g2", "s11": "g3", "s12": "g4",
    }  # fmt: skip
    broader = [(SKILLS[s], GROUPS[g]) for s, g in member.items()] + [(SKILLS["s05"], SKILLS["s04"])]
    return Taxonomy(
        version=version,
        concepts=concepts,
        labels=labels,
        descriptions=pl.DataFrame(schema={"uri": pl.String, "lang": pl.String, "text": pl.String}),
        broader=pl.DataFrame(
            {"uri": [a for a, _ in broader], "broader_uri": [b for _, b in broader]}
        ),
        occupation_skills=pl.DataFrame(
            {
                "occupation_uri": [OCCUPATIONS["welder"]] * 3 + [OCCUPATIONS["nurse"]] * 2,
                "skill_uri": [S("s01"), S("s02"), S("s03"), S("s09"), S("s10")],
                "relation": ["essential"] * 5,
            }
        ),
        skill_relations=pl.DataFrame(
            {"skill_uri": [S("s07")], "related_uri": [S("s08")], "relation": ["essential"]}
        ),
    )


def candidate(
    id: str,
    skills: Sequence[str | tuple[str, float]] = (),
    *,
    occupations: Sequence[str] = (),
    languages: dict[str, str] | None = None,
    eqf: int = 4,
    experience_years: float = 0.0,
    gender: str | None = "f",
    origin: str | None = "MA",
    destinations: Sequence[str] = (),
    available_from: dt.date | None = None,
    preferences: Sequence[str] = (),
) -> Candidate:
    """A candidate; skills by short name (``"s01"`` or ``("s01", 0.5)``)."""
    claims = tuple(
        SkillClaim(S(s)) if isinstance(s, str) else SkillClaim(S(s[0]), s[1]) for s in skills
    )
    return Candidate(
        id=id,
        skills=claims,
        occupations=tuple(OCCUPATIONS[o] for o in occupations),
        languages=tuple(LanguageLevel(k, v) for k, v in sorted((languages or {}).items())),
        eqf=eqf,
        experience_years=experience_years,
        gender=gender,
        origin=origin,
        destinations=tuple(destinations),
        available_from=available_from,
        preferences=tuple(preferences),
    )


def opening(
    id: str,
    essential: Sequence[str] = (),
    optional: Sequence[str] = (),
    *,
    capacity: int = 1,
    country: str = "DE",
    min_languages: dict[str, str] | None = None,
    min_eqf: int = 0,
    start: dt.date | None = None,
    kind: str = "job",
) -> Opening:
    """An opening; skills by short name."""
    assert kind in ("job", "training")
    return Opening(
        id=id,
        kind="job" if kind == "job" else "training",
        employer="e1",
        country=country,
        essential_skills=tuple(S(s) for s in essential),
        optional_skills=tuple(S(s) for s in optional),
        min_languages=tuple(LanguageLevel(k, v) for k, v in sorted((min_languages or {}).items())),
        min_eqf=min_eqf,
        capacity=capacity,
        start=start,
    )


def brute_force_optimal(graph: AssignmentGraph) -> Solution:
    """Exact maximum-score assignment by enumeration (tiny graphs only), locks kept."""
    best: tuple[float, tuple[int, ...]] = (-np.inf, ())
    by_cand: dict[int, list[int]] = {}
    for e in range(graph.n_edges):
        by_cand.setdefault(int(graph.cand[e]), []).append(e)
    choices = []
    for c in sorted(by_cand):
        locked = [e for e in by_cand[c] if graph.locked[e]]
        choices.append(locked if locked else [-1, *by_cand[c]])
    for combo in itertools.product(*choices):
        picked = tuple(sorted(e for e in combo if e >= 0))
        used = np.bincount(graph.opening[list(picked)], minlength=graph.n_openings)
        if np.any(used > graph.capacity):
            continue
        total = float(graph.score[list(picked)].sum()) if picked else 0.0
        if total > best[0] + 1e-12:
            best = (total, picked)
    return Solution(edges=np.array(best[1], dtype=np.int64), total=best[0], solver="brute-force")


def milp_optimal(graph: AssignmentGraph) -> Solution:
    """Exact maximum-score assignment with scipy's HiGHS MILP (test placeholder solver)."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = graph.n_edges
    if n == 0:
        return Solution(edges=np.zeros(0, dtype=np.int64), total=0.0, solver="milp")
    cols = np.arange(n)
    a_cand = sp.csr_matrix((np.ones(n), (graph.cand, cols)), shape=(graph.n_candidates, n))
    a_open = sp.csr_matrix((np.ones(n), (graph.opening, cols)), shape=(graph.n_openings, n))
    lower = np.where(graph.locked, 1.0, 0.0)
    result = milp(
        c=-graph.score,
        constraints=[
            LinearConstraint(a_cand, 0, 1),
            LinearConstraint(a_open, 0, graph.capacity.astype(float)),
        ],
        integrality=np.ones(n),
        bounds=Bounds(lower, np.ones(n)),
    )
    assert result.status == 0, result.message
    edges = np.flatnonzero(result.x > 0.5).astype(np.int64)
    return Solution(edges=edges, total=float(graph.score[edges].sum()), solver="milp")
