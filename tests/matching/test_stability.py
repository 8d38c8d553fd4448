"""Every round reports its blocking pairs and the price of stability (``matching.stability``),
checked against a brute force written from the definitions on small random programmes."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.records import Candidate, Opening, Policy, RoundResult
from matching.round import run_round
from tests.matching.factories import candidate, make_taxonomy, opening

NAMES = [f"s{k:02d}" for k in range(1, 9)]
TAXONOMY = make_taxonomy()


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[Candidate], list[Opening], Policy]:
    n_c, n_o = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    skills = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)
    o_ids = [f"v{j}" for j in range(n_o)]
    c_ids = [f"c{i}" for i in range(n_c)]
    cands = [
        candidate(c, draw(skills), preferences=draw(st.lists(st.sampled_from(o_ids), unique=True)))
        for c in c_ids
    ]
    opens = [
        dataclasses.replace(
            opening(o, draw(skills), capacity=draw(st.integers(0, 2))),
            ranking=tuple(draw(st.lists(st.sampled_from(c_ids), unique=True))),
        )
        for o in o_ids
    ]
    return cands, opens, Policy(shortlist=draw(st.integers(1, 4)))


def _rank(listed: tuple[str, ...], score: float, other: str) -> tuple[int, float, str]:
    """Lower is preferred: listed first (in order), then higher score, then lower id."""
    position = listed.index(other) if other in listed else len(listed) + 10**6
    return (position, -score, other)


def _brute_force(
    result: RoundResult, cands: list[Candidate], opens: list[Opening]
) -> tuple[int, float]:
    """(blocking pairs of the result, best total over every feasible set of edges)."""
    edges = [(r["candidate"], r["opening"], r["score"]) for r in result.edges.iter_rows(named=True)]
    score = {(c, o): s for c, o, s in edges}
    prefs = {c.id: c.preferences for c in cands}
    ranking = {o.id: o.ranking for o in opens}
    capacity = {o.id: o.capacity for o in opens}
    placed = {a.candidate: a.opening for a in result.assignments}
    at: dict[str, list[str]] = {}
    for c, o in placed.items():
        at.setdefault(o, []).append(c)
    blocking = 0
    for c, o, s in edges:
        if placed.get(c) == o:
            continue
        current = placed.get(c)
        if current is not None and _rank(prefs[c], score[(c, current)], current) <= _rank(
            prefs[c], s, o
        ):
            continue
        holders = at.get(o, [])
        if len(holders) < capacity[o]:
            blocking += 1
        elif holders:
            worst = max(holders, key=lambda h: _rank(ranking[o], score[(h, o)], h))
            blocking += _rank(ranking[o], s, c) < _rank(ranking[o], score[(worst, o)], worst)
    best = 0.0
    for size in range(len(edges) + 1):
        for subset in itertools.combinations(edges, size):
            people = [c for c, _, _ in subset]
            loads = [o for _, o, _ in subset]
            if len(set(people)) == len(people) and all(
                loads.count(o) <= capacity[o] for o in set(loads)
            ):
                best = max(best, sum(s for _, _, s in subset))
    return blocking, best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets())
def test_blocking_pairs_and_price_of_stability_match_the_definitions(
    market: tuple[list[Candidate], list[Opening], Policy],
) -> None:
    cands, opens, policy = market
    optimal = run_round(cands, opens, policy, taxonomy=TAXONOMY)
    stable = run_round(cands, opens, dataclasses.replace(policy, mode="stable"), taxonomy=TAXONOMY)
    for result in (optimal, stable):
        figures = result.metrics.stability
        assert figures is not None
        blocking, best = _brute_force(result, cands, opens)
        assert figures.blocking_pairs == blocking
        assert abs(figures.optimal_total - best) < 1e-6
        assert figures.score_given_up >= 0.0
    assert stable.metrics.stability is not None and optimal.metrics.stability is not None
    assert stable.metrics.stability.blocking_pairs == 0
    stable_total = sum(a.score for a in stable.assignments)
    assert abs(optimal.metrics.stability.stable_total - stable_total) < 1e-9
    same_graph = optimal.metrics.stability, stable.metrics.stability
    assert abs(same_graph[0].stable_total - same_graph[1].stable_total) < 1e-9
    assert abs(same_graph[0].optimal_total - same_graph[1].optimal_total) < 1e-9


def test_optimal_result_can_be_unstable_and_says_what_stability_costs() -> None:
    """Two welders, two places: c1 is better everywhere, but wants v2 and v2 wants c1; the
    optimum still gives c1 the place where c1 scores most, and v2/c1 block it."""
    cands = [
        candidate("c1", ["s01", "s02", "s03"], preferences=["v2", "v1"]),
        candidate("c2", ["s01"], preferences=["v1", "v2"]),
    ]
    opens = [
        dataclasses.replace(opening("v1", ["s01", "s02", "s03"]), ranking=("c1", "c2")),
        dataclasses.replace(opening("v2", ["s01", "s04"]), ranking=("c1", "c2")),
    ]
    optimal = run_round(cands, opens, Policy(), taxonomy=TAXONOMY)
    stable = run_round(cands, opens, Policy(mode="stable"), taxonomy=TAXONOMY)
    assert {(a.candidate, a.opening) for a in optimal.assignments} == {("c1", "v1"), ("c2", "v2")}
    assert {(a.candidate, a.opening) for a in stable.assignments} == {("c1", "v2"), ("c2", "v1")}
    figures = optimal.metrics.stability
    assert figures is not None and figures.blocking_pairs == 1
    assert figures.score_given_up > 0
    assert figures.score_given_up == figures.optimal_total - figures.stable_total
