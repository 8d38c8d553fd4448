"""Re-optimisation: lexicographic optimum (brute force), reasons, errors, order independence."""

from __future__ import annotations

import itertools
import random

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.changes import Changes, changes_from_dict
from matching.errors import InfeasibleError, InvalidRecordError
from matching.records import Policy
from matching.reoptimise import (
    PreviousRound,
    Reoptimisation,
    lexicographic_weights,
    reoptimise,
)
from matching.round import run_round
from tests.matching.factories import candidate, make_taxonomy, opening

TAXONOMY = make_taxonomy()


def _frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "candidate": [c for c, _, _ in rows],
            "opening": [o for _, o, _ in rows],
            "score": [s for _, _, s in rows],
        },
        schema={"candidate": pl.String, "opening": pl.String, "score": pl.Float64},
    )


def _previous(
    rows: list[tuple[str, str, float]],
    placed: list[tuple[str, str]],
    capacity: dict[str, int],
    *,
    candidates: tuple[str, ...] = (),
    locks: tuple[tuple[str, str], ...] = (),
) -> PreviousRound:
    score = {(c, o): s for c, o, s in rows}
    return PreviousRound(
        edges=_frame(rows),
        assignments=tuple((c, o, score[c, o]) for c, o in placed),
        candidates=tuple(sorted({c for c, _, _ in rows} | set(candidates))),
        capacity=capacity,
        locks=locks,
    )


def _pairs(result: Reoptimisation) -> set[tuple[str, str]]:
    return {(p.candidate, p.opening) for p in result.placements}


# --- the objective ---------------------------------------------------------------------------


def _brute_force(
    rows: list[tuple[str, str, float]],
    previous: set[tuple[str, str]],
    capacity: dict[str, int],
    locks: set[tuple[str, str]],
    bits_from: np.ndarray,
) -> tuple[int, int]:
    """Best (quantised total, kept) by enumeration, on the weights the solver is given."""
    by_cand: dict[str, list[int]] = {}
    for e, (c, _, _) in enumerate(rows):
        by_cand.setdefault(c, []).append(e)
    m = int(np.count_nonzero([(c, o) in previous and (c, o) not in locks for c, o, _ in rows]))
    best: tuple[int, int] | None = None
    options = []
    for c in sorted(by_cand):
        locked = [e for e in by_cand[c] if (rows[e][0], rows[e][1]) in locks]
        options.append(locked if locked else [-1, *by_cand[c]])
    for combo in itertools.product(*options):
        picked = [e for e in combo if e >= 0]
        used: dict[str, int] = {}
        for e in picked:
            used[rows[e][1]] = used.get(rows[e][1], 0) + 1
        if any(n > capacity[o] for o, n in used.items()):
            continue
        w = sum(int(bits_from[e]) for e in picked)
        key = (w // (m + 1), sum((rows[e][0], rows[e][1]) in previous for e in picked))
        best = key if best is None or key > best else best
    assert best is not None
    return best


Instance = tuple[
    list[tuple[str, str, float]], list[tuple[str, str]], dict[str, int], Changes, tuple[str, ...]
]


@st.composite
def instances(
    draw: st.DrawFn,
) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]], dict[str, int], Changes]:  # type: ignore[type-arg]
    n_c = draw(st.integers(1, 5))
    n_o = draw(st.integers(1, 3))
    cands = [f"c{i}" for i in range(n_c)]
    opens = [f"v{j}" for j in range(n_o)]
    score_values = st.sampled_from([0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0])
    rows = [
        (c, o, draw(score_values))
        for c in cands
        for o in opens
        if draw(st.booleans()) or (c, o) == ("c0", "v0")
    ]
    capacity = {o: draw(st.integers(0, 2)) for o in opens}
    # any feasible previous assignment (not necessarily optimal)
    placed: list[tuple[str, str]] = []
    used = dict.fromkeys(opens, 0)
    for c, o, _ in rows:
        if c not in {p for p, _ in placed} and used[o] < capacity[o] and draw(st.booleans()):
            placed.append((c, o))
            used[o] += 1
    dropouts = draw(st.lists(st.sampled_from(cands), max_size=2, unique=True))
    live_rows = [r for r in rows if r[0] not in dropouts]
    forbidden = draw(st.lists(st.sampled_from([(c, o) for c, o, _ in rows]), max_size=2))
    lockable = [(c, o) for c, o, _ in live_rows if (c, o) not in forbidden]
    locks = draw(st.lists(st.sampled_from(lockable), max_size=1)) if lockable else []
    new_cap = draw(st.dictionaries(st.sampled_from(opens), st.integers(0, 3), max_size=2))
    changes = Changes(
        dropouts=tuple(dropouts),
        capacity=tuple(sorted(new_cap.items())),
        locks=tuple(locks),
        forbidden=tuple(sorted(set(forbidden))),
    )
    return rows, placed, capacity, changes, tuple(cands)


@settings(max_examples=120, deadline=None)
@given(instances())
def test_lexicographic_optimum_matches_brute_force(instance) -> None:  # type: ignore[no-untyped-def]
    rows, placed, capacity, changes, cands = instance
    previous = _previous(rows, placed, capacity, candidates=cands)
    try:
        result = reoptimise(previous, changes)
    except InfeasibleError:
        cap = dict(capacity) | dict(changes.capacity)
        assert any(cap[o] == 0 for _, o in changes.locks)
        return
    dropped = set(changes.dropouts)
    forbidden = set(changes.forbidden)
    cap = dict(capacity) | dict(changes.capacity)
    live = [r for r in rows if r[0] not in dropped and (r[0], r[1]) not in forbidden]
    prev = set(placed)
    locks = set(changes.locks)
    bonus = np.array([(c, o) in prev and (c, o) not in locks for c, o, _ in live])
    weights, _ = lexicographic_weights(np.array([s for _, _, s in live]), bonus)
    best = _brute_force(live, prev, cap, locks, weights)
    got = _pairs(result)
    score = {(c, o): s for c, o, s in live}
    w = dict(zip([(c, o) for c, o, _ in live], weights.tolist(), strict=True))
    m = int(bonus.sum()) + 1
    assert (sum(w[p] for p in got) // m, len(got & prev)) == best
    assert result.kept == len(got & prev)
    assert locks <= got
    assert result.objective == pytest.approx(sum(score[p] for p in got))
    # capacities and one placement per candidate
    assert len({c for c, _ in got}) == len(got)
    for o in cap:
        assert sum(1 for _, x in got if x == o) <= cap[o]


def test_weights_order_total_first_then_kept() -> None:
    score = np.array([0.5, 0.5, 0.25, 0.75])
    bonus = np.array([False, True, True, False])
    w, bits = lexicographic_weights(score, bonus)
    assert w[1] == w[0] + 1  # equal score: the kept pair wins by one unit
    assert w[2] * 2 < w[3] * 2 - 2  # a better score beats every bonus
    assert bits == 38 - 2
    assert int(w.max()) < 2**39


# --- reasons ---------------------------------------------------------------------------------


ROWS = [
    ("a", "v1", 0.9),
    ("a", "v2", 0.6),
    ("b", "v1", 0.8),
    ("b", "v2", 0.7),
    ("c", "v2", 0.5),
    ("d", "v1", 0.4),
]


def test_no_changes_moves_nobody() -> None:
    previous = _previous(ROWS, [("a", "v1"), ("b", "v2")], {"v1": 1, "v2": 1})
    result = reoptimise(previous, Changes())
    assert _pairs(result) == {("a", "v1"), ("b", "v2")}
    assert result.moves == ()
    assert result.kept == 2
    assert {p.previous for p in result.placements} == {"v1", "v2"}


def test_equal_total_keeps_the_previous_placement() -> None:
    rows = [("a", "v1", 0.5), ("a", "v2", 0.5), ("b", "v1", 0.5), ("b", "v2", 0.5)]
    for placed in ([("a", "v1"), ("b", "v2")], [("a", "v2"), ("b", "v1")]):
        result = reoptimise(_previous(rows, placed, {"v1": 1, "v2": 1}), Changes())
        assert _pairs(result) == set(placed)


def test_dropout_frees_a_place_for_the_best_reserve() -> None:
    previous = _previous(ROWS, [("a", "v1"), ("b", "v2")], {"v1": 1, "v2": 1})
    result = reoptimise(previous, Changes(dropouts=("a",)))
    assert _pairs(result) == {("b", "v1"), ("c", "v2")}
    reasons = {m.candidate: m for m in result.moves}
    assert reasons["a"].reason == "dropped_out"
    assert (reasons["a"].before, reasons["a"].after) == ("v1", None)
    assert reasons["b"].reason == "better_total"
    assert (reasons["b"].before, reasons["b"].after) == ("v2", "v1")
    assert reasons["c"].reason == "newly_placed"


def test_lock_displaces_and_says_so() -> None:
    previous = _previous(ROWS, [("a", "v1"), ("b", "v2")], {"v1": 1, "v2": 1})
    result = reoptimise(previous, Changes(locks=(("d", "v1"),)))
    assert ("d", "v1") in _pairs(result)
    reasons = {m.candidate: m.reason for m in result.moves}
    assert reasons["d"] == "locked"
    assert reasons["a"] == "displaced_by_lock"
    assert [p.locked for p in result.placements if p.candidate == "d"] == [True]


def test_forbidden_and_capacity_reasons() -> None:
    previous = _previous(ROWS, [("a", "v1"), ("b", "v2")], {"v1": 1, "v2": 1})
    result = reoptimise(previous, Changes(forbidden=(("a", "v1"),)))
    assert {m.candidate: m.reason for m in result.moves}["a"] == "forbidden"
    assert ("a", "v1") in result.forbidden
    result = reoptimise(previous, Changes(capacity=(("v2", 0),)))
    assert {m.candidate: m.reason for m in result.moves}["b"] == "capacity_reduced"
    assert result.capacity["v2"] == 0


def test_accepted_placement_is_kept_and_previous_locks_hold() -> None:
    previous = _previous(ROWS, [("a", "v1"), ("b", "v2")], {"v1": 1, "v2": 2}, locks=(("a", "v1"),))
    result = reoptimise(previous, Changes(accepted=(("c", "v2"),), dropouts=("b",)))
    assert {("a", "v1"), ("c", "v2")} <= _pairs(result)
    assert set(result.locks) == {("a", "v1"), ("c", "v2")}


def test_new_forbidden_lifts_an_old_lock() -> None:
    previous = _previous(ROWS, [("a", "v1")], {"v1": 1, "v2": 1}, locks=(("a", "v1"),))
    result = reoptimise(previous, Changes(forbidden=(("a", "v1"),)))
    assert ("a", "v1") not in _pairs(result)
    assert result.locks == ()


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dropouts": ["a", "zz"]}, "dropouts[1]"),
        ({"capacity": {"v9": 2}}, "capacity[v9]"),
        ({"locks": [["a", "v9"]]}, "locks[0]"),
        ({"forbidden": [["zz", "v1"]]}, "forbidden[0]"),
        ({"accepted": [["b", "v1"], ["zz", "v1"]]}, "accepted[1]"),
        ({"locks": [["a", "v2"]], "forbidden": [["a", "v2"]]}, "locks[0]"),
        ({"locks": [["c", "v1"]]}, "locks[0]"),  # not a scored pair
        ({"dropouts": [3]}, "dropouts[0]"),
        ({"locks": [["a"]]}, "locks[0]"),
        ({"capacity": {"v1": -1}}, "capacity[v1]"),
        ({"surprise": []}, "surprise"),
    ],
)
def test_invalid_changes_name_the_entry(changes: dict[str, object], field: str) -> None:
    previous = _previous(ROWS, [("a", "v1")], {"v1": 1, "v2": 1})
    with pytest.raises(InvalidRecordError) as info:
        reoptimise(previous, changes_from_dict(changes))
    assert info.value.record == "changes"
    assert info.value.field == field


def test_conflicting_locks_are_infeasible() -> None:
    previous = _previous(ROWS, [], {"v1": 1, "v2": 1})
    with pytest.raises(InfeasibleError, match="v1"):
        reoptimise(previous, Changes(locks=(("a", "v1"), ("b", "v1"))))


# --- determinism -----------------------------------------------------------------------------


def test_input_order_does_not_matter() -> None:
    rng = random.Random(7)
    rows = [
        (f"c{i}", f"v{j}", rng.choice([0.2, 0.4, 0.6, 0.8])) for i in range(12) for j in range(4)
    ]
    placed = [(f"c{j}", f"v{j}") for j in range(4)]
    previous = _previous(rows, placed, {f"v{j}": 2 for j in range(4)})
    changes = Changes(dropouts=("c1",), locks=(("c9", "v0"),))
    base = reoptimise(previous, changes)
    for _ in range(3):
        shuffled = rows[:]
        rng.shuffle(shuffled)
        again = reoptimise(
            PreviousRound(
                edges=_frame(shuffled),
                assignments=tuple(reversed(previous.assignments)),
                candidates=tuple(reversed(previous.candidates)),
                capacity=dict(reversed(list(previous.capacity.items()))),
            ),
            changes,
        )
        assert again.placements == base.placements
        assert again.moves == base.moves
        assert again.edges.equals(base.edges)


# --- from a real round -----------------------------------------------------------------------


def test_from_a_round_result() -> None:
    cands = [
        candidate("c1", ["s01", "s02"]),
        candidate("c2", ["s01"]),
        candidate("c3", ["s01", "s03"]),
    ]
    opens = [opening("v1", ["s01", "s02"]), opening("v2", ["s01", "s03"])]
    policy = Policy()
    result = run_round(cands, opens, policy, taxonomy=TAXONOMY)
    previous = PreviousRound.from_result(result, candidates=cands, openings=opens, policy=policy)
    same = reoptimise(previous, Changes())
    assert _pairs(same) == {(a.candidate, a.opening) for a in result.assignments}
    assert same.objective == pytest.approx(result.manifest.objective)
    gone = result.assignments[0].candidate
    after = reoptimise(previous, Changes(dropouts=(gone,)))
    assert gone not in {p.candidate for p in after.placements}
    assert [m.reason for m in after.moves if m.candidate == gone] == ["dropped_out"]


def test_extra_edges_add_pairs_but_never_override_a_previous_score() -> None:
    previous = _previous(ROWS, [("a", "v1"), ("b", "v2")], {"v1": 1, "v2": 1})
    extra = pl.DataFrame(
        {"candidate": ["a", "c"], "opening": ["v1", "v1"], "score": [0.01, 0.95]},
    )
    result = reoptimise(previous, Changes(dropouts=("d",)), extra=extra)
    scores = {(c, o): s for c, o, s in result.edges.iter_rows()}
    assert scores[("a", "v1")] == 0.9  # the previous edge came first and wins
    assert scores[("c", "v1")] == 0.95  # a new pair joins the graph
    assert result.edges.select("candidate", "opening").rows() == sorted(scores)
    assert all(c != "d" for c, _ in scores)
    assert _pairs(result) == {("c", "v1"), ("b", "v2")}  # 0.95 + 0.7 beats 0.9 + 0.7
