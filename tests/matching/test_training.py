"""Train-to-hire: qualifying gaps, scores after training, exact solve (brute force), gaps named."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import InvalidRecordError
from matching.features import Features
from matching.records import Candidate, Opening, Policy, SkillRef, Weights
from matching.scoring import SkillModel
from matching.shortlist import build_shortlist
from matching.solvers.graph import AssignmentGraph
from matching.training import (
    CombinedEdges,
    TrainingSolution,
    combined_edges,
    explain_gaps,
    solve_with_training,
    training_paths,
)
from tests.matching.factories import S, candidate, make_taxonomy, opening

TAXONOMY = make_taxonomy()


def _solve(
    cands: Sequence[Candidate],
    opens: Sequence[Opening],
    teaches: dict[str, list[str]],
    feeds: dict[str, list[str]],
    *,
    discount: float = 0.8,
    policy: Policy | None = None,
) -> tuple[Features, AssignmentGraph, CombinedEdges, TrainingSolution]:
    policy = policy or Policy()
    features = Features.build(cands, opens)
    model = SkillModel.build(features, TAXONOMY, policy.weights)
    graph = build_shortlist(features, model, policy).graph
    paths = training_paths(
        features.openings,
        teaches={t: [S(s) for s in v] for t, v in teaches.items()},
        feeds=feeds,
    )
    combined = combined_edges(
        features,
        model,
        paths,
        weights=policy.weights,
        discount=discount,
        forbidden=frozenset(policy.forbidden),
    )
    earmarked = np.zeros(features.n_openings, dtype=np.bool_)
    for p in paths:
        earmarked[features.opening_row[p.training]] = True
    return features, graph, combined, solve_with_training(graph, combined, earmarked=earmarked)


def _placed(
    f: Features, g: AssignmentGraph, c: CombinedEdges, s: TrainingSolution
) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {
        f.candidates[int(g.cand[e])].id: (f.openings[int(g.opening[e])].id,)
        for e in s.direct.tolist()
    }
    for k in s.combined.tolist():
        out[f.candidates[int(c.cand[k])].id] = (
            f.openings[int(c.training[k])].id,
            f.openings[int(c.job[k])].id,
        )
    return out


JOB = opening("v1", ["s01", "s02", "s03"])
TRAINING = opening("t1", kind="training")


def test_candidate_with_a_taught_gap_goes_to_the_earmarked_training() -> None:
    cands = [candidate("c1", ["s01", "s02"])]
    f, g, c, s = _solve(cands, [JOB, TRAINING], {"t1": ["s03"]}, {"t1": ["v1"]})
    assert _placed(f, g, c, s) == {"c1": ("t1", "v1")}


def test_score_is_the_job_after_training_times_the_discount() -> None:
    gap = candidate("c1", ["s01", "s02"], experience_years=2.0)
    twin = candidate("c2", ["s01", "s02", "s03"], experience_years=2.0)
    f, g, c, _ = _solve([gap, twin], [JOB, TRAINING], {"t1": ["s03"]}, {"t1": ["v1"]}, discount=0.5)
    assert c.n_edges == 1
    direct = float(
        g.score[(g.cand == f.candidate_row["c2"]) & (g.opening == f.opening_row["v1"])][0]
    )
    assert float(c.job_score[0]) == direct
    assert float(c.score[0]) == 0.5 * direct
    assert sum(float(t[0]) for t in c.terms) == pytest.approx(direct)


def test_both_capacities_are_consumed() -> None:
    # v1 has one place: the trained candidate and the ready one cannot both have it
    cands = [candidate("c1", ["s01", "s02"]), candidate("c2", ["s01", "s02", "s03"])]
    f, g, c, s = _solve(cands, [JOB, TRAINING], {"t1": ["s03"]}, {"t1": ["v1"]})
    assert _placed(f, g, c, s) == {"c2": ("v1",)}
    # two job places but one training place: only one candidate trains
    job2 = opening("v1", ["s01", "s02", "s03"], capacity=2)
    cands = [candidate("c1", ["s01", "s02"]), candidate("c3", ["s01", "s02"])]
    f, g, c, s = _solve(cands, [job2, TRAINING], {"t1": ["s03"]}, {"t1": ["v1"]})
    assert len(s.combined) == 1 and len(s.direct) + len(s.combined) == 1 + len(s.direct)
    assert sum(1 for v in _placed(f, g, c, s).values() if v[0] == "t1") == 1


def test_only_taught_gaps_qualify() -> None:
    cands = [
        candidate("miss_untaught", ["s01", "s03"]),  # misses s02, which t1 does not teach
        candidate("no_gap", ["s01", "s02", "s03"]),
        candidate("nothing", ["s09"]),
    ]
    _, _, c, _ = _solve(cands, [JOB, TRAINING], {"t1": ["s03"]}, {"t1": ["v1"]})
    assert c.n_edges == 0


def test_rules_of_the_training_apply() -> None:
    strict = opening("t1", kind="training", min_languages={"de": "B2"})
    cands = [candidate("c1", ["s01", "s02"], languages={"de": "A2"})]
    _, _, c, _ = _solve(cands, [JOB, strict], {"t1": ["s03"]}, {"t1": ["v1"]})
    assert c.n_edges == 0
    cands = [candidate("c1", ["s01", "s02"], languages={"de": "C1"})]
    _, _, c, _ = _solve(cands, [JOB, strict], {"t1": ["s03"]}, {"t1": ["v1"]})
    assert c.n_edges == 1


def test_forbidden_pairs_block_the_path() -> None:
    cands = [candidate("c1", ["s01", "s02"])]
    for pair in (("c1", "v1"), ("c1", "t1")):
        policy = Policy(forbidden=(pair,))
        _, _, c, _ = _solve(cands, [JOB, TRAINING], {"t1": ["s03"]}, {"t1": ["v1"]}, policy=policy)
        assert c.n_edges == 0


def test_explanation_names_the_gap_closed() -> None:
    job = opening("v1", ["s01", "s07", "s12"], ["s06"])
    cands = [candidate("c1", ["s01"])]
    f, _, c, s = _solve(cands, [job, TRAINING], {"t1": ["s12", "s07", "s06"]}, {"t1": ["v1"]})
    model = SkillModel.build(f, TAXONOMY, Weights())
    paths = training_paths(
        f.openings, teaches={"t1": [S("s07"), S("s12"), S("s06")]}, feeds={"t1": ["v1"]}
    )
    (gap,) = explain_gaps(f, model, paths, c, s.combined, taxonomy=TAXONOMY)
    assert (gap.training, gap.job) == ("t1", "v1")
    assert gap.essential == (
        SkillRef(S("s07"), "operate forklift"),
        SkillRef(S("s12"), "drive a truck"),
    )
    assert gap.optional == (SkillRef(S("s06"), "use spreadsheets"),)
    assert gap.discount == 0.8


def test_training_without_linked_jobs_is_an_ordinary_opening() -> None:
    plain = opening("t2", ["s09"], kind="training")
    cands = [candidate("c1", ["s09", "s10"])]
    f, g, c, s = _solve(cands, [JOB, plain], {}, {})
    assert c.n_edges == 0
    assert _placed(f, g, c, s) == {"c1": ("t2",)}


def test_earmarked_training_takes_no_direct_edge() -> None:
    skilled_training = opening("t1", ["s01"], kind="training")
    cands = [candidate("c1", ["s01"])]
    f, g, c, s = _solve(cands, [JOB, skilled_training], {"t1": ["s02", "s03"]}, {"t1": []})
    assert _placed(f, g, c, s) == {"c1": ("t1",)}  # feeds nothing: ordinary
    f, g, c, s = _solve(
        [candidate("c1", ["s01", "s09"])],
        [opening("v2", ["s09", "s12"]), skilled_training],
        {"t1": ["s12"]},
        {"t1": ["v2"]},
    )
    assert _placed(f, g, c, s) == {"c1": ("t1", "v2")}
    f, g, c, s = _solve(
        [candidate("c1", ["s01", "s09"])],
        [opening("v2", ["s09", "s12"], capacity=0), skilled_training],
        {"t1": ["s12"]},
        {"t1": ["v2"]},
    )
    assert _placed(f, g, c, s) == {}  # t1 is earmarked for v2, which has no place


@pytest.mark.parametrize(
    ("teaches", "feeds", "field"),
    [
        ({"v1": ["s03"]}, {"v1": ["v1"]}, "feeds"),  # v1 is a job
        ({"t1": ["s03"]}, {"t1": ["t1"]}, "feeds"),  # feeds a training
        ({"t1": ["s03"]}, {"t1": ["v9"]}, "feeds"),  # unknown job
        ({"t9": ["s03"]}, {}, "teaches"),  # unknown training
    ],
)
def test_invalid_paths(
    teaches: dict[str, list[str]], feeds: dict[str, list[str]], field: str
) -> None:
    with pytest.raises(InvalidRecordError) as info:
        training_paths([JOB, TRAINING], teaches=teaches, feeds=feeds)
    assert info.value.field == field


def test_unknown_taught_skill() -> None:
    with pytest.raises(InvalidRecordError, match="unknown ESCO skill"):
        training_paths(
            [JOB, TRAINING], teaches={"t1": ["x"]}, feeds={"t1": ["v1"]}, skills=frozenset()
        )


# --- exactness -------------------------------------------------------------------------------


def _brute_force(g: AssignmentGraph, c: CombinedEdges, earmarked: np.ndarray) -> float:
    options: dict[int, list[tuple[str, int]]] = {}
    for e in range(g.n_edges):
        if not earmarked[g.opening[e]] or g.locked[e]:
            options.setdefault(int(g.cand[e]), []).append(("d", e))
    for k in range(c.n_edges):
        options.setdefault(int(c.cand[k]), []).append(("c", k))
    best = 0.0
    for combo in itertools.product(*[[("-", -1), *v] for v in options.values()]):
        used = np.zeros(g.n_openings, dtype=np.int64)
        total = 0.0
        for kind, i in combo:
            if kind == "d":
                used[g.opening[i]] += 1
                total += float(g.score[i])
            elif kind == "c":
                used[c.training[i]] += 1
                used[c.job[i]] += 1
                total += float(c.score[i])
        if np.all(used <= g.capacity):
            best = max(best, total)
    return best


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_exact_against_brute_force(data: st.DataObject) -> None:
    names = ["s01", "s02", "s03", "s09", "s10"]
    n_c = data.draw(st.integers(1, 4))
    cands = [
        candidate(
            f"c{i}",
            data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)),
        )
        for i in range(n_c)
    ]
    opens = [
        opening("v1", ["s01", "s02", "s03"], capacity=data.draw(st.integers(0, 2))),
        opening("v2", ["s09", "s10"], capacity=data.draw(st.integers(0, 2))),
        opening("t1", kind="training", capacity=data.draw(st.integers(0, 2))),
        opening("t2", kind="training", capacity=data.draw(st.integers(0, 1))),
    ]
    teaches = {"t1": ["s02", "s03", "s10"], "t2": ["s01", "s09"]}
    feeds = {"t1": ["v1", "v2"], "t2": data.draw(st.sampled_from([["v1"], ["v1", "v2"]]))}
    f, g, c, s = _solve(cands, opens, teaches, feeds)
    earmarked = np.array([o.id in feeds for o in f.openings])
    assert s.total == pytest.approx(_brute_force(g, c, earmarked), abs=1e-6)
    placed = _placed(f, g, c, s)
    used: dict[str, int] = {}
    for ids in placed.values():
        for o in ids:
            used[o] = used.get(o, 0) + 1
    assert all(used[o.id] <= o.capacity for o in f.openings if o.id in used)


def test_input_order_does_not_matter() -> None:
    rng = random.Random(3)
    cands = [candidate(f"c{i}", rng.sample(["s01", "s02", "s03", "s09"], 2)) for i in range(8)]
    opens = [JOB, opening("v3", ["s01", "s09"], capacity=2), TRAINING]
    base = _placed(*_solve(cands, opens, {"t1": ["s03", "s02"]}, {"t1": ["v1"]}))
    for _ in range(3):
        rng.shuffle(cands)
        rng.shuffle(opens)
        assert _placed(*_solve(cands, opens, {"t1": ["s02", "s03"]}, {"t1": ["v1"]})) == base


# --- in a round ------------------------------------------------------------------------------


def test_round_places_the_trainee_and_explains_the_gap() -> None:
    import dataclasses

    from matching.io import opening_from_dict, policy_from_dict
    from matching.round import run_round

    training = opening_from_dict(
        {"id": "t1", "kind": "training", "teaches": [S("s11")], "feeds": ["v1"], "capacity": 2}
    )
    job = dataclasses.replace(opening("v1", ["s01", "s03", "s11"]), capacity=2)
    cands = [candidate("c1", ["s01", "s03"]), candidate("c2", ["s01", "s03", "s11"])]
    policy = policy_from_dict({"training_discount": 0.9, "reserves": 3})
    result = run_round(cands, [job, training], policy, taxonomy=TAXONOMY)
    by_cand = {a.candidate: a for a in result.assignments}
    assert by_cand["c2"].opening == "v1" and by_cand["c2"].training is None
    trainee = by_cand["c1"]
    assert trainee.opening == "t1"
    assert trainee.training is not None and trainee.training.job == "v1"
    assert trainee.training.essential == (SkillRef(S("s11"), "speak German"),)
    assert trainee.explanation.missing_essential == (SkillRef(S("s11"), "speak German"),)
    assert sum(t for _, t in trainee.explanation.terms) == trainee.score
    assert trainee.score == 0.9 * trainee.training.job_score
    assert result.unassigned == ()
    assert result.manifest.objective == pytest.approx(sum(a.score for a in result.assignments))
    # one place of v1 left after c2 and the trainee: nobody else is waiting
    assert result.reserves["v1"] == ()
    assert "t1" not in result.reserves
    # v1 with one place: the ready candidate takes it, the trainee cannot
    full = run_round(
        cands, [dataclasses.replace(job, capacity=1), training], policy, taxonomy=TAXONOMY
    )
    assert {(a.candidate, a.opening) for a in full.assignments} == {("c2", "v1")}


def test_round_rejects_bad_links() -> None:
    from matching.io import opening_from_dict
    from matching.round import run_round

    bad = opening_from_dict({"id": "t1", "kind": "training", "feeds": ["v9"]})
    with pytest.raises(InvalidRecordError, match="feeds"):
        run_round([candidate("c1", ["s01"])], [JOB, bad], Policy(), taxonomy=TAXONOMY)
    with pytest.raises(InvalidRecordError, match="training_discount"):
        from matching.io import policy_from_dict

        policy_from_dict({"training_discount": 0})
