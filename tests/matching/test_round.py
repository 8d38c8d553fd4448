from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching._canonical import dumps
from matching.errors import InfeasibleError, InvalidRecordError
from matching.features import Features
from matching.records import Candidate, Opening, Policy
from matching.round import resolve_solver, run_round
from matching.scoring import SkillModel
from matching.shortlist import build_shortlist
from skills_taxonomy.taxonomy import Taxonomy
from tests.matching.factories import brute_force_optimal, candidate, make_taxonomy, opening

NAMES = [f"s{k:02d}" for k in range(1, 13)]
TAXONOMY = make_taxonomy()


@st.composite
def programmes(
    draw: st.DrawFn, max_candidates: int = 7, max_openings: int = 7
) -> tuple[list[Candidate], list[Opening], Policy]:
    n_c = draw(st.integers(1, max_candidates))
    n_o = draw(st.integers(1, max_openings))
    skills = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)
    level = st.sampled_from(["A2", "B1", "B2", "C1"])
    cands = [
        candidate(
            f"c{i}",
            draw(skills),
            languages={"de": draw(level)},
            eqf=draw(st.integers(2, 7)),
            experience_years=draw(st.sampled_from([0.0, 2.0, 5.0])),
            destinations=draw(st.sampled_from([[], ["DE"], ["FR", "DE"], ["IT"]])),
            gender=draw(st.sampled_from(["f", "m"])),
        )
        for i in range(n_c)
    ]
    opens = [
        opening(
            f"v{j}",
            draw(skills),
            capacity=draw(st.integers(0, 3)),
            country=draw(st.sampled_from(["DE", "FR", "IT"])),
            min_languages=draw(st.sampled_from([{}, {"de": "B1"}])),
            min_eqf=draw(st.sampled_from([0, 4])),
        )
        for j in range(n_o)
    ]
    pairs = [(c.id, o.id) for c in cands for o in opens]
    forbidden = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    lockable = [p for p in pairs if p not in forbidden]
    locks: list[tuple[str, str]] = []
    want_lock: bool = draw(st.booleans())
    if lockable and want_lock:
        c, o = draw(st.sampled_from(lockable))
        if next(x for x in opens if x.id == o).capacity > 0:
            locks.append((c, o))
    return (
        cands,
        opens,
        Policy(shortlist=draw(st.integers(1, 4)), locks=tuple(locks), forbidden=tuple(forbidden)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes())
def test_invariants_and_optimality(
    programme: tuple[list[Candidate], list[Opening], Policy],
) -> None:
    cands, opens, policy = programme
    result = run_round(cands, opens, policy, taxonomy=TAXONOMY)
    by_id = {o.id: o for o in opens}
    placed = [a.candidate for a in result.assignments]
    assert len(placed) == len(set(placed))  # one placement per candidate
    for o in opens:  # capacity
        assert sum(a.opening == o.id for a in result.assignments) <= o.capacity
    chosen = {(a.candidate, a.opening) for a in result.assignments}
    assert set(policy.locks) <= chosen
    assert not set(policy.forbidden) & chosen
    f = Features.build(cands, opens)
    for a in result.assignments:
        if (a.candidate, a.opening) not in policy.locks:
            assert all(r.passed for r in a.explanation.rules), a
            assert by_id[a.opening].capacity > 0
        assert sum(v for _, v in a.explanation.terms) == a.score
    assert len(result.assignments) + len(result.unassigned) == len(cands)
    # the solver's total is the brute-force optimum on the same graph
    shortlist = build_shortlist(f, SkillModel.build(f, TAXONOMY, policy.weights), policy)
    best = brute_force_optimal(shortlist.graph)
    assert result.manifest.objective == pytest.approx(best.total, rel=1e-9, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(programmes(), st.randoms())
def test_shuffled_input_gives_identical_output(programme, rnd) -> None:  # type: ignore[no-untyped-def]
    cands, opens, policy = programme
    a = run_round(cands, opens, policy, taxonomy=TAXONOMY)
    c2, o2 = list(cands), list(opens)
    rnd.shuffle(c2)
    rnd.shuffle(o2)
    b = run_round(c2, o2, policy, taxonomy=TAXONOMY)
    assert dumps(a) == dumps(b)
    assert a.edges.equals(b.edges)


def test_same_inputs_give_byte_identical_output(taxonomy: Taxonomy) -> None:
    cands = [candidate(f"c{i}", ["s01", "s02"]) for i in range(5)]
    opens = [opening("v1", ["s01", "s02"], capacity=2), opening("v2", ["s01"], capacity=2)]
    first = dumps(run_round(cands, opens, Policy(seed=3), taxonomy=taxonomy))
    assert first == dumps(run_round(cands, opens, Policy(seed=3), taxonomy=taxonomy))


def test_manifest(taxonomy: Taxonomy) -> None:
    cands = [candidate("c1", ["s01"])]
    opens = [opening("v1", ["s01"])]
    r = run_round(cands, opens, Policy(), taxonomy=taxonomy)
    m = r.manifest
    assert m.taxonomy_version == "ESCO test 0.1"
    assert m.input_hash.startswith("sha256:") and m.output_hash.startswith("sha256:")
    assert m.policy["mode"] == "optimal" and m.edges == 1
    assert m.objective == r.assignments[0].score
    changed = run_round(
        [dataclasses.replace(cands[0], eqf=5)], opens, Policy(), taxonomy=taxonomy
    ).manifest
    assert changed.input_hash != m.input_hash


def test_outcompeted_candidate_is_told_the_margin(taxonomy: Taxonomy) -> None:
    cands = [candidate("c1", ["s01", "s02"]), candidate("c2", ["s01"])]
    result = run_round(cands, [opening("v1", ["s01", "s02"])], Policy(), taxonomy=taxonomy)
    (u,) = result.unassigned
    assert (u.candidate, u.reason) == ("c2", "outcompeted")
    openings = u.details["openings"]
    assert isinstance(openings, list)
    (at,) = openings
    assert at["opening"] == "v1"
    assert at["margin"] == at["lowest_assigned_score"] - at["score"] > 0


def test_explanation_lists_skills_with_labels(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01", "s05"], occupations=["nurse"])
    o = opening("v1", ["s01", "s04", "s03", "s09"], ["s12"])
    (a,) = run_round([c], [o], Policy(), taxonomy=taxonomy).assignments
    x = a.explanation
    assert [(m.label, m.via_occupation) for m in x.matched_essential] == [
        ("weld metal parts", False),
        ("administer medication", True),
    ]
    (credit,) = [p for p in x.partial_credits if p.label == "computer programming"]
    assert (credit.relation, credit.held_label, credit.requirement) == (
        "narrower",
        "Java (computer programming)",
        "essential",
    )
    assert [m.label for m in x.missing_essential] == []  # s03 sibling of s09 (group g2)
    assert {p.label for p in x.partial_credits} == {
        "computer programming",
        "read technical drawings",
    }


def test_locks_beyond_capacity_are_infeasible(taxonomy: Taxonomy) -> None:
    cands = [candidate("c1", ["s01"]), candidate("c2", ["s01"])]
    policy = Policy(locks=(("c1", "v1"), ("c2", "v1")))
    with pytest.raises(InfeasibleError, match="opening v1"):
        run_round(cands, [opening("v1", ["s01"])], policy, taxonomy=taxonomy)


@pytest.mark.parametrize(
    ("cands", "opens", "policy", "record", "field"),
    [
        ([candidate("c1"), candidate("c1")], [], Policy(), "candidate c1", "id"),
        ([], [opening("v1", capacity=-1)], Policy(), "opening v1", "capacity"),
        ([candidate("c1")], [], Policy(locks=(("c1", "v9"),)), "policy", "locks"),
        ([], [], Policy(mode="quota"), "policy", "mode"),  # type: ignore[arg-type]
        (
            [dataclasses.replace(candidate("c1"), occupations=("http://x/occupation/1",))],
            [],
            Policy(),
            "candidate c1",
            "occupations",
        ),
        (
            [],
            [dataclasses.replace(opening("v1"), essential_skills=("http://x/skill/1",))],
            Policy(),
            "opening v1",
            "essential_skills",
        ),
    ],
)
def test_invalid_inputs(taxonomy: Taxonomy, cands, opens, policy, record, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidRecordError) as info:
        run_round(cands, opens, policy, taxonomy=taxonomy)
    assert (info.value.record, info.value.field) == (record, field)


def test_unknown_mode_is_an_invalid_policy() -> None:
    with pytest.raises(InvalidRecordError):
        resolve_solver("nonsense")  # type: ignore[arg-type]


def test_stable_mode_dispatch(taxonomy: Taxonomy) -> None:
    cands = [
        dataclasses.replace(candidate("c1", ["s01"]), preferences=("v2", "v1")),
        candidate("c2", ["s01", "s02"]),
    ]
    opens = [opening("v1", ["s01", "s02"]), opening("v2", ["s01"])]
    result = run_round(cands, opens, Policy(mode="stable"), taxonomy=taxonomy)
    assert result.manifest.solver == "stable"
    assert {(a.candidate, a.opening) for a in result.assignments} == {("c1", "v2"), ("c2", "v1")}


def test_empty_round(taxonomy: Taxonomy) -> None:
    result = run_round([], [], Policy(), taxonomy=taxonomy)
    assert result.assignments == () and result.unassigned == ()
    assert result.metrics.mean_score is None
    assert np.isclose(result.manifest.objective, 0.0)


def test_input_hash_keys_cover_every_field() -> None:
    from matching.round import _candidate_key, _opening_key

    assert len(_candidate_key(candidate("c1"))) == len(dataclasses.fields(Candidate))
    assert len(_opening_key(opening("v1"))) == len(dataclasses.fields(Opening))
