"""A matching round: a pure function of candidates, openings, policy and taxonomy.

``run_round`` validates the inputs once, indexes them by sorted id, scores and shortlists in
candidate blocks, solves on the sparse graph with the solver of ``Policy.mode``, explains every
assignment and every unassigned candidate, and computes the metrics and the manifest (input
hash, taxonomy version, policy, solver, objective, output hash). Same inputs → identical
result, whatever the input order.

Train-to-hire (``matching.training``): in the optimal mode, training openings that feed jobs
add combined edges and the round is solved over direct and combined edges; a train-to-hire
placement is an ``Assignment`` at the training with ``training`` set (the job's place is
consumed too; ``Metrics`` count the training place only). Other modes treat training openings
as ordinary openings. Every job opening gets a reserve list (``matching.reserves``).

Quotas (``Policy.quotas``, optimal mode only: ``validate`` refuses them in the stable mode):
the round is solved exactly under the quotas (``matching.solvers.quota_round``; train-to-hire
paths are not formed, training openings are ordinary openings), ``Manifest.solver`` is
"quotas" and ``Manifest.quotas`` reports the price of fairness (the unconstrained optimum of
the same graph minus the total with the quotas), the shares reached and, when locked pairs
make a quota unreachable, its diagnosis and the relaxed quota applied (or an
``InfeasibleError`` when ``Policy.unreachable_quotas`` is "fail").
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from importlib import import_module, metadata

import numpy as np
import numpy.typing as npt
import polars as pl

from matching._canonical import digest, dumps, jsonable
from matching.errors import InfeasibleError, InvalidRecordError, MatchingError
from matching.explain import explain_pairs, explain_unassigned
from matching.features import Features
from matching.metrics import round_metrics
from matching.records import (
    Assignment,
    Candidate,
    Manifest,
    Mode,
    Opening,
    Policy,
    QuotaReport,
    RoundResult,
)
from matching.reserves import reserve_lists
from matching.scoring import SkillModel
from matching.shortlist import build_shortlist
from matching.solvers.graph import AssignmentGraph, Solution
from matching.stability import preference_keys, stability_of
from matching.training import (
    TrainingPath,
    combined_edges,
    explain_gaps,
    solve_with_training,
    training_assignments,
    training_paths,
)
from matching.validation import validate
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["STAGES", "Solver", "resolve_solver", "run_round"]

Solver = Callable[..., Solution]
#: Stage names reported to ``run_round``'s ``observer``, in order.
STAGES: tuple[str, ...] = (
    "validate",
    "index",
    "score",
    "shortlist",
    "solve",
    "explain",
    "stability",
    "report",
)

#: mode → (module, function) of its solver; imported only when a round uses it.
_SOLVERS: dict[str, tuple[str, str]] = {
    "optimal": ("matching.solvers.optimal", "solve_optimal"),
    "stable": ("matching.solvers.stable", "solve_stable"),
}


def resolve_solver(mode: Mode) -> Solver:
    """The solver function of ``mode``; ``InvalidRecordError`` when it is unknown or absent."""
    target = _SOLVERS.get(mode)
    if target is None:
        raise InvalidRecordError("policy", "mode", f"unknown mode {mode!r}")
    try:
        solver: Solver = getattr(import_module(target[0]), target[1])
    except (ImportError, AttributeError):
        raise InvalidRecordError(
            "policy", "mode", f"mode {mode!r} is not available in this installation"
        ) from None
    return solver


def run_round(
    candidates: Sequence[Candidate],
    openings: Sequence[Opening],
    policy: Policy,
    *,
    taxonomy: Taxonomy,
    observer: Callable[[str], None] | None = None,
) -> RoundResult:
    """Run one round. ``observer(stage)`` is called after each stage of ``STAGES`` (timing)."""
    done = observer or (lambda stage: None)
    validate(candidates, openings, policy, taxonomy=taxonomy)
    solver = resolve_solver(policy.mode)
    paths = _training_paths(openings, taxonomy) if policy.mode == "optimal" else ()
    if policy.quotas:
        paths = ()  # checked all the same; with quotas training openings are ordinary openings
    done("validate")
    features = Features.build(candidates, openings)
    _check_locks(features, policy)
    done("index")
    model = SkillModel.build(features, taxonomy, policy.weights)
    done("score")
    shortlist = build_shortlist(features, model, policy)
    graph = shortlist.graph
    done("shortlist")
    forbidden = frozenset(policy.forbidden)
    quota_report: QuotaReport | None = None
    if policy.quotas:
        from matching.solvers.quota_round import solve_round_quotas  # scipy MILP: when used

        solution, quota_report = solve_round_quotas(
            graph,
            features.candidates,
            features.openings,
            quotas=policy.quotas,
            unreachable=policy.unreachable_quotas,
        )
    elif paths:
        combined = combined_edges(
            features,
            model,
            paths,
            weights=policy.weights,
            discount=policy.training_discount,
            shortlist=policy.shortlist,
            forbidden=forbidden,
        )
        earmarked = np.zeros(features.n_openings, dtype=np.bool_)
        earmarked[[features.opening_row[p.training] for p in paths]] = True
        trained = solve_with_training(graph, combined, earmarked=earmarked)
        solution = Solution(edges=trained.direct, total=trained.total, solver=trained.solver)
    else:
        solution = _solve(policy.mode, solver, graph, features)
    chosen = np.asarray(solution.edges, dtype=np.int64)
    _check_solution(graph, chosen)
    done("solve")
    explanations = explain_pairs(
        features, model, shortlist, chosen, taxonomy=taxonomy, forbidden=forbidden
    )
    assignments = tuple(
        Assignment(
            candidate=features.candidates[c].id,
            opening=features.openings[o].id,
            score=score,
            explanation=x,
        )
        for c, o, score, x in zip(
            graph.cand[chosen].tolist(),
            graph.opening[chosen].tolist(),
            graph.score[chosen].tolist(),
            explanations,
            strict=True,
        )
    )
    if paths:
        gaps = explain_gaps(features, model, paths, combined, trained.combined, taxonomy=taxonomy)
        via_training = training_assignments(
            features, combined, trained.combined, gaps, forbidden=forbidden
        )
        assignments = tuple(sorted((*assignments, *via_training), key=lambda a: a.candidate))
    trainees = {a.candidate for a in assignments if a.training is not None}
    unassigned = tuple(
        u
        for u in explain_unassigned(
            features,
            shortlist,
            chosen,
            min_coverage=policy.weights.min_coverage,
            forbidden=forbidden,
        )
        if u.candidate not in trainees
    )
    done("explain")
    metrics = round_metrics(features.candidates, features.openings, assignments)
    plain = not policy.quotas and not paths  # the mode's solver alone gave the result
    stability = stability_of(
        graph,
        chosen,
        features=features,
        stable=solution if plain and policy.mode == "stable" else None,
        optimal=solution if plain and policy.mode == "optimal" else None,
    )
    metrics = dataclasses.replace(metrics, stability=stability)
    done("stability")
    objective = float(graph.score[chosen].sum()) if len(chosen) else 0.0
    if paths:
        objective += float(combined.score[trained.combined].sum())
    # ids gathered by row inside polars: no Python string per edge
    cand_ids = pl.Series([c.id for c in features.candidates], dtype=pl.String)
    open_ids = pl.Series([o.id for o in features.openings], dtype=pl.String)
    edges = pl.DataFrame(
        {
            "candidate": cand_ids.gather(graph.cand),
            "opening": open_ids.gather(graph.opening),
            "score": pl.Series(graph.score, dtype=pl.Float64),
        }
    )
    reserves = reserve_lists(
        edges,
        [(a.candidate, a.opening, a.score) for a in assignments],
        jobs=[o.id for o in features.openings if o.kind == "job"],
        size=policy.reserves,
    )
    manifest = Manifest(
        engine=_engine(),
        input_hash=_input_hash(features, policy),
        taxonomy_version=taxonomy.version,
        policy=_policy_json(policy),
        solver=solution.solver,
        objective=objective,
        edges=graph.n_edges,
        output_hash=digest(
            {
                "assignments": assignments,
                "unassigned": unassigned,
                "metrics": metrics,
                "reserves": reserves,
            }
        ),
        quotas=quota_report,
    )
    done("report")
    return RoundResult(
        assignments=assignments,
        unassigned=unassigned,
        metrics=metrics,
        manifest=manifest,
        edges=edges,
        reserves=reserves,
    )


def _solve(mode: Mode, solver: Solver, graph: AssignmentGraph, features: Features) -> Solution:
    if mode == "stable":
        candidate_keys, opening_keys = preference_keys(features, graph)
        return solver(graph, candidate_prefs=candidate_keys, opening_prefs=opening_keys)
    return solver(graph)


def _check_locks(features: Features, policy: Policy) -> None:
    counts: dict[str, int] = {}
    for _, opening in policy.locks:
        counts[opening] = counts.get(opening, 0) + 1
    for opening, n in sorted(counts.items()):
        capacity = features.openings[features.opening_row[opening]].capacity
        if n > capacity:
            raise InfeasibleError(
                f"opening {opening}: {n} locked candidate(s) but capacity {capacity}"
            )


def _check_solution(graph: AssignmentGraph, chosen: npt.NDArray[np.int64]) -> None:
    """A solver's answer must respect the graph: else it is a bug, never a silent result."""
    if len(chosen) and (chosen.min() < 0 or chosen.max() >= graph.n_edges):
        raise MatchingError("solver returned an edge index out of range")
    if np.any(np.diff(chosen) <= 0):
        raise MatchingError("solver returned unsorted or repeated edges")
    if len(np.unique(graph.cand[chosen])) != len(chosen):
        raise MatchingError("solver placed a candidate twice")
    used = np.bincount(graph.opening[chosen], minlength=graph.n_openings)
    if np.any(used > graph.capacity):
        raise MatchingError("solver exceeded an opening's capacity")
    if not np.all(np.isin(np.flatnonzero(graph.locked), chosen)):
        raise MatchingError("solver dropped a locked pair")


def _engine() -> str:
    try:
        return f"mobility-match {metadata.version('mobility-match')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - source checkout without install
        return "mobility-match (unknown version)"


def _policy_json(policy: Policy) -> dict[str, object]:
    value = jsonable(policy)
    assert isinstance(value, dict)
    return value


def _input_hash(features: Features, policy: Policy) -> str:
    """sha256 over the records (sorted by id) and the policy, each as the ``repr`` of a tuple
    of its field values in declaration order (nested records as tuples too): canonical and
    cheap (the C ``repr`` of tuples of strings, numbers and dates)."""
    h = hashlib.sha256()
    for c in features.candidates:
        h.update(repr(_candidate_key(c)).encode("utf-8"))
    for o in features.openings:
        h.update(repr(_opening_key(o)).encode("utf-8"))
    h.update(dumps(policy).encode("utf-8"))
    return "sha256:" + h.hexdigest()


def _candidate_key(c: Candidate) -> tuple[object, ...]:
    return (  # NamedTuples as plain tuples (their repr differs)
        c.id,
        tuple(map(tuple, c.skills)),
        c.occupations,
        tuple(map(tuple, c.languages)),
        c.eqf,
        c.experience_years,
        c.gender,
        c.origin,
        c.destinations,
        c.available_from,
        c.preferences,
    )


def _opening_key(o: Opening) -> tuple[object, ...]:
    return (
        o.id,
        o.kind,
        o.employer,
        o.country,
        o.occupation,
        o.essential_skills,
        o.optional_skills,
        tuple(map(tuple, o.min_languages)),
        o.min_eqf,
        o.capacity,
        o.start,
        o.ranking,
        o.teaches,
        o.feeds,
    )


def _training_paths(openings: Sequence[Opening], taxonomy: Taxonomy) -> tuple[TrainingPath, ...]:
    """The train-to-hire paths of the openings (checked: ids, kinds, taught skills)."""
    linked = [o for o in openings if o.teaches or o.feeds]
    if not linked:
        return ()
    return training_paths(
        openings,
        teaches={o.id: o.teaches for o in linked},
        feeds={o.id: o.feeds for o in linked},
        skills=frozenset(taxonomy.uris("skill")),
    )
