from __future__ import annotations

import numpy as np

from matching.features import Features
from matching.records import Policy, Weights
from matching.round import run_round
from matching.scoring import SkillModel
from matching.shortlist import build_shortlist
from skills_taxonomy.taxonomy import Taxonomy
from tests.matching.factories import candidate, opening


def _shortlist(taxonomy: Taxonomy, cands, opens, policy: Policy):  # type: ignore[no-untyped-def]
    f = Features.build(cands, opens)
    return f, build_shortlist(f, SkillModel.build(f, taxonomy, policy.weights), policy)


def test_keeps_the_k_best_with_ties_to_the_lower_id(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01", "s02", "s03"])
    opens = [
        opening("v4", ["s01"]),
        opening("v3", ["s01", "s02"]),
        opening("v2", ["s01", "s09"]),  # same score as v1
        opening("v1", ["s01", "s10"]),
    ]
    f, s = _shortlist(taxonomy, [c], opens, Policy(shortlist=2, weights=Weights(sibling=0.0)))
    kept = [f.openings[j].id for j in s.graph.opening]
    assert kept == ["v3", "v4"]
    f, s = _shortlist(taxonomy, [c], opens, Policy(shortlist=3, weights=Weights(sibling=0.0)))
    assert [f.openings[j].id for j in s.graph.opening] == ["v1", "v3", "v4"]


def test_locked_pair_kept_outside_the_top_k_and_despite_rules(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01"], languages={})
    opens = [
        opening("v1", ["s01"]),
        opening("v2", ["s01"]),
        opening("v3", ["s12"], min_languages={"de": "C1"}),  # ineligible, no skill overlap
    ]
    policy = Policy(shortlist=1, locks=(("c1", "v3"),))
    f, s = _shortlist(taxonomy, [c], opens, policy)
    pairs = [
        (f.candidates[i].id, f.openings[j].id)
        for i, j in zip(s.graph.cand, s.graph.opening, strict=True)
    ]
    assert pairs == [("c1", "v1"), ("c1", "v3")]
    assert s.graph.locked.tolist() == [False, True]
    result = run_round([c], opens, policy, taxonomy=taxonomy)
    (a,) = result.assignments
    assert (a.opening, a.explanation.locked) == ("v3", True)
    assert not next(r for r in a.explanation.rules if r.rule == "language_below_minimum").passed


def test_min_coverage_decides_edges(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01"])
    o = opening("v1", ["s01", "s03", "s07", "s12"])  # covers 1/4 directly
    _, s = _shortlist(taxonomy, [c], [o], Policy(weights=Weights(min_coverage=0.25)))
    assert s.graph.n_edges == 1
    _, s = _shortlist(taxonomy, [c], [o], Policy(weights=Weights(min_coverage=0.3)))
    assert s.graph.n_edges == 0
    assert s.no_skill.tolist() == [0]
    assert s.best_coverage[0] == 0.25


def test_opening_without_essential_skills_uses_optional_ones(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s09"])
    o = opening("v1", [], ["s09", "s12"])
    _, s = _shortlist(taxonomy, [c], [o], Policy())
    assert s.graph.n_edges == 1
    assert s.terms[0][0] == 0.0 and s.terms[1][0] == 0.15 * 0.5


def test_blocks_give_the_same_graph_as_one_block(taxonomy: Taxonomy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import matching.shortlist as shortlist

    rng = np.random.default_rng(3)
    names = [f"s{k:02d}" for k in range(1, 13)]
    cands = [candidate(f"c{i:02d}", list(rng.choice(names, 3, replace=False))) for i in range(30)]
    opens = [opening(f"v{j}", list(rng.choice(names, 2, replace=False))) for j in range(8)]
    policy = Policy(shortlist=3, locks=(("c07", "v1"),))
    _, one = _shortlist(taxonomy, cands, opens, policy)
    monkeypatch.setattr(shortlist, "BLOCK_ROWS", 7)
    _, many = _shortlist(taxonomy, cands, opens, policy)
    for name in ("cand", "opening", "score", "locked"):
        assert np.array_equal(getattr(one.graph, name), getattr(many.graph, name))
    assert np.array_equal(one.no_skill, many.no_skill)
