"""The optimal solver: brute force on tiny graphs, an independent solver (HiGHS) on medium ones,
clones and ties, invariants, edge cases."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import LinearConstraint, milp

from matching.errors import InfeasibleError
from matching.solvers._bmatching import max_weight_bmatching
from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.locks import LockConflictError as LocksLockConflictError
from matching.solvers.optimal import LockConflictError, quantise_scores, solve_optimal


def make_graph(
    n_candidates: int,
    capacity: list[int],
    edges: dict[tuple[int, int], float],
    locked: set[tuple[int, int]] = frozenset(),  # type: ignore[assignment]
) -> AssignmentGraph:
    pairs = sorted(edges)
    return AssignmentGraph(
        n_candidates=n_candidates,
        capacity=np.asarray(capacity, dtype=np.int64),
        cand=np.asarray([c for c, _ in pairs], dtype=np.int32),
        opening=np.asarray([o for _, o in pairs], dtype=np.int32),
        score=np.asarray([edges[p] for p in pairs], dtype=np.float64),
        locked=np.asarray([p in locked for p in pairs], dtype=np.bool_),
    )


def check_feasible(graph: AssignmentGraph, solution: Solution) -> None:
    edges = solution.edges
    assert edges.dtype == np.int64
    assert np.all(np.diff(edges) > 0), "edges ascending, no duplicates"
    assert np.all(np.bincount(graph.cand[edges], minlength=graph.n_candidates) <= 1)
    assert np.all(np.bincount(graph.opening[edges], minlength=graph.n_openings) <= graph.capacity)
    assert set(np.flatnonzero(graph.locked)) <= set(edges.tolist()), "every lock kept"
    unlocked = edges[~graph.locked[edges]]
    assert np.all(graph.score[unlocked] > 0), "non-positive edges only when locked"
    assert solution.total == math.fsum(graph.score[edges].tolist())


def brute_force_total(graph: AssignmentGraph) -> float | None:
    """Best total over every feasible assignment (None if the locks cannot hold).

    Enumerates the product of each candidate's options (its locked edge, or "none" and each of
    its edges) as one numpy array, then drops the combinations that exceed a capacity.
    """
    options: list[list[int]] = []
    for c in range(graph.n_candidates):
        mine = np.flatnonzero(graph.cand == c)
        locks = [int(e) for e in mine if graph.locked[e]]
        if len(locks) > 1:
            return None
        options.append(locks if locks else [-1, *(int(e) for e in mine)])
    if not options:
        return 0.0
    grids = np.meshgrid(*[np.asarray(o, dtype=np.int16) for o in options], indexing="ij")
    choice = np.stack([g.ravel() for g in grids], axis=1)  # one row per assignment
    none = graph.n_edges  # the "unassigned" option points past the real edges
    choice = np.where(choice < 0, none, choice)
    score = np.append(graph.score, 0.0)[choice]
    opening = np.append(graph.opening, -1)[choice]
    feasible = np.ones(choice.shape[0], dtype=np.bool_)
    for o in range(graph.n_openings):
        feasible &= (opening == o).sum(axis=1) <= graph.capacity[o]
    if not feasible.any():
        return None
    return float(score[feasible].sum(axis=1).max())


@st.composite
def small_graphs(draw: st.DrawFn) -> AssignmentGraph:
    n_c = draw(st.integers(0, 7))
    n_o = draw(st.integers(0, 7))
    capacity = draw(st.lists(st.integers(0, 3), min_size=n_o, max_size=n_o))
    score_values = st.one_of(
        st.sampled_from([-1.0, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0]),  # ties and non-positive
        st.floats(-1.0, 1.0, allow_nan=False, allow_subnormal=False),
    )
    edges: dict[tuple[int, int], float] = {}
    locked: set[tuple[int, int]] = set()
    for c in range(n_c):
        for o in range(n_o):
            if draw(st.booleans()):
                edges[(c, o)] = draw(score_values)
                if draw(st.integers(0, 9)) == 0:
                    locked.add((c, o))
    return make_graph(n_c, capacity, edges, locked)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_graphs())
def test_brute_force_agrees(graph: AssignmentGraph) -> None:
    check_brute_force(graph)


def check_brute_force(graph: AssignmentGraph) -> None:
    expected = brute_force_total(graph)
    locked = graph.locked
    if expected is None:  # the locks cannot all hold: the error names the first conflict
        per_cand = np.bincount(graph.cand[locked], minlength=graph.n_candidates)
        per_opening = np.bincount(graph.opening[locked], minlength=graph.n_openings)
        if np.any(per_cand > 1):
            side, index = "candidate", int(np.flatnonzero(per_cand > 1)[0])
        else:
            side, index = "opening", int(np.flatnonzero(per_opening > graph.capacity)[0])
        with pytest.raises(LockConflictError) as info:
            solve_optimal(graph)
        assert (info.value.side, info.value.index) == (side, index)
        return
    solution = solve_optimal(graph)
    check_feasible(graph, solution)
    assert solution.total == pytest.approx(expected, abs=1e-7)


def random_graph(rng: np.random.Generator, n_c: int, n_o: int, density: float) -> AssignmentGraph:
    mask = rng.random((n_c, n_o)) < density
    cand, opening = np.nonzero(mask)
    score = np.round(rng.random(cand.size), 3) - 0.05  # ties and a few non-positive
    return AssignmentGraph(
        n_candidates=n_c,
        capacity=rng.integers(0, 6, n_o).astype(np.int64),
        cand=cand.astype(np.int32),
        opening=opening.astype(np.int32),
        score=score,
        locked=np.zeros(cand.size, dtype=np.bool_),
    )


def highs_quantised_total(graph: AssignmentGraph) -> int:
    """Independent reference: HiGHS MILP (scipy) on the same quantised scores, positive edges
    only, no locks. Its optimum is integral; the objective is compared exactly."""
    q = quantise_scores(graph.score)
    keep = np.flatnonzero(q > 0)
    if keep.size == 0:
        return 0
    m = keep.size
    a = sp.csr_array(
        (
            np.ones(2 * m),
            (
                np.concatenate([graph.cand[keep], graph.n_candidates + graph.opening[keep]]),
                np.concatenate([np.arange(m)] * 2),
            ),
        ),
        shape=(graph.n_candidates + graph.n_openings, m),
    )
    upper = np.concatenate([np.ones(graph.n_candidates), graph.capacity.astype(np.float64)])
    result = milp(
        -q[keep].astype(np.float64),
        constraints=LinearConstraint(a, -np.inf, upper),
        integrality=np.ones(m),
        bounds=(0, 1),
        options={"presolve": False, "mip_rel_gap": 0.0},
    )
    assert result.status == 0, result.message
    chosen = keep[np.asarray(result.x) > 0.5]
    return int(q[chosen].sum())


@pytest.mark.parametrize("seed", range(6))
def test_highs_agrees_on_medium_graphs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_c, n_o = int(rng.integers(100, 400)), int(rng.integers(10, 40))
    graph = random_graph(rng, n_c, n_o, density=float(rng.uniform(0.05, 0.5)))
    solution = solve_optimal(graph)
    check_feasible(graph, solution)
    q = quantise_scores(graph.score)
    assert int(q[solution.edges].sum()) == highs_quantised_total(graph)


def test_deterministic_byte_identical() -> None:
    graph = random_graph(np.random.default_rng(7), 300, 30, density=0.3)
    first, second = solve_optimal(graph), solve_optimal(graph)
    assert first.edges.tobytes() == second.edges.tobytes()
    assert first.total.hex() == second.total.hex()
    assert first.solver == second.solver == "optimal"


def test_empty_graph() -> None:
    solution = solve_optimal(make_graph(0, [], {}))
    assert solution.edges.size == 0
    assert solution.total == 0.0


def test_candidates_without_edges_stay_unassigned() -> None:
    solution = solve_optimal(make_graph(5, [2], {(3, 0): 0.5}))
    assert solution.edges.tolist() == [0]
    assert solution.total == 0.5


def test_zero_capacity_opening() -> None:
    graph = make_graph(2, [0, 1], {(0, 0): 0.9, (1, 0): 0.8, (1, 1): 0.1})
    solution = solve_optimal(graph)
    assert solution.edges.tolist() == [2]  # only (1, 1)
    assert solution.total == 0.1


def test_all_edges_non_positive_leaves_everyone_unassigned() -> None:
    graph = make_graph(2, [1, 1], {(0, 0): 0.0, (1, 1): -0.5})
    assert solve_optimal(graph).edges.size == 0


def test_locked_negative_edge_is_kept_and_consumes_capacity() -> None:
    graph = make_graph(2, [1], {(0, 0): -0.5, (1, 0): 0.9}, locked={(0, 0)})
    solution = solve_optimal(graph)
    assert solution.edges.tolist() == [0]
    assert solution.total == -0.5


def test_all_locked_graph() -> None:
    edges = {(0, 0): 0.1, (1, 1): 0.2, (2, 1): 0.3}
    solution = solve_optimal(make_graph(3, [1, 2], edges, locked=set(edges)))
    assert solution.edges.tolist() == [0, 1, 2]
    assert solution.total == pytest.approx(0.6)


def test_two_locks_one_candidate_infeasible() -> None:
    graph = make_graph(3, [1, 1], {(2, 0): 0.5, (2, 1): 0.5}, locked={(2, 0), (2, 1)})
    with pytest.raises(InfeasibleError) as info:
        solve_optimal(graph)
    assert isinstance(info.value, LockConflictError)
    assert (info.value.side, info.value.index) == ("candidate", 2)
    assert "candidate #2" in str(info.value)


def test_locks_beyond_capacity_infeasible() -> None:
    edges = {(0, 1): 0.5, (1, 1): 0.5, (2, 1): 0.5}
    graph = make_graph(3, [3, 2], edges, locked=set(edges))
    with pytest.raises(LockConflictError) as info:
        solve_optimal(graph)
    assert (info.value.side, info.value.index) == ("opening", 1)


def test_lock_on_zero_capacity_opening_infeasible() -> None:
    graph = make_graph(1, [0], {(0, 0): 0.5}, locked={(0, 0)})
    with pytest.raises(LockConflictError) as info:
        solve_optimal(graph)
    assert (info.value.side, info.value.index) == ("opening", 0)


def test_greedy_trap_needs_the_exact_optimum() -> None:
    # greedy takes (0, 0)=1.0 and leaves 1 with nothing; optimum is 0.9 + 0.9
    graph = make_graph(2, [1, 1], {(0, 0): 1.0, (0, 1): 0.9, (1, 0): 0.9})
    solution = solve_optimal(graph)
    assert solution.edges.tolist() == [1, 2]
    assert solution.total == pytest.approx(1.8)


def test_quantisation_keeps_thirty_bits_and_is_scale_free() -> None:
    scores: npt.NDArray[np.float64] = np.array([0.0, 1e-12, 0.5, -1.0, 1.0])
    q = quantise_scores(scores)
    assert np.all(np.abs(q) < 2**30)
    assert q.tolist() == quantise_scores(scores * 2**10).tolist()
    assert q[1] == 0 and q[2] * 2 == q[4] == -q[3]


def test_lock_conflict_error_is_the_one_from_locks() -> None:
    assert LockConflictError is LocksLockConflictError


def identical_candidates_graph(
    n_candidates: int, n_openings: int, capacity: int
) -> AssignmentGraph:
    """Every candidate has the same score 0.5 on every opening; few places for many."""
    n_edges = n_candidates * n_openings
    return AssignmentGraph(
        n_candidates=n_candidates,
        capacity=np.full(n_openings, capacity, dtype=np.int64),
        cand=np.repeat(np.arange(n_candidates), n_openings).astype(np.int32),
        opening=np.tile(np.arange(n_openings), n_candidates).astype(np.int32),
        score=np.full(n_edges, 0.5),
        locked=np.zeros(n_edges, dtype=np.bool_),
    )


def test_identical_candidates_fill_every_place() -> None:
    """Regression (the former auction): identical candidates used to out-bid each other one
    price unit at a time; any exact solver must simply fill every place."""
    graph = identical_candidates_graph(50, 3, 2)
    solution = solve_optimal(graph)
    check_feasible(graph, solution)
    assert solution.edges.size == 6
    assert solution.total == 3.0


def test_bmatching_refuses_weights_outside_its_range() -> None:
    row = np.array([0, 1], dtype=np.int64)
    col = np.array([0, 0], dtype=np.int64)
    cap = np.array([1], dtype=np.int64)
    for bad in ([0, 1], [1, 1 << 40]):
        with pytest.raises(ValueError, match="weights"):
            max_weight_bmatching(
                n_rows=2, cap=cap, row=row, col=col, weight=np.array(bad, dtype=np.int64)
            )


@st.composite
def tie_heavy_graphs(draw: st.DrawFn) -> AssignmentGraph:
    """Few candidate profiles, each cloned several times, scored from a handful of values:
    identical candidates, identical openings and exact ties everywhere (price-war territory)."""
    n_profiles = draw(st.integers(1, 5))
    copies = draw(st.lists(st.integers(1, 15), min_size=n_profiles, max_size=n_profiles))
    n_o = draw(st.integers(1, 8))
    capacity = draw(st.lists(st.integers(0, 6), min_size=n_o, max_size=n_o))
    values = st.sampled_from([0.25, 0.5, 0.5, 0.75, 1.0])
    edges: dict[tuple[int, int], float] = {}
    c = 0
    for k in range(n_profiles):
        row = {o: draw(values) for o in range(n_o) if draw(st.integers(0, 3)) > 0}
        for _ in range(copies[k]):
            edges.update({(c, o): s for o, s in row.items()})
            c += 1
    return make_graph(c, capacity, edges)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tie_heavy_graphs())
def test_highs_agrees_on_tie_heavy_graphs(graph: AssignmentGraph) -> None:
    """Exact on clones and ties (identical candidates, identical openings, exact ties)."""
    solution = solve_optimal(graph)
    check_feasible(graph, solution)
    q = quantise_scores(graph.score)
    assert int(q[solution.edges].sum()) == highs_quantised_total(graph)


@pytest.mark.parametrize(
    ("n_candidates", "n_openings", "capacity"),
    [(50, 3, 2), (500, 30, 2), (2000, 5, 3), (40, 30, 2), (5000, 100, 3)],
)
def test_identical_candidates_graphs_fill_every_place(
    n_candidates: int, n_openings: int, capacity: int
) -> None:
    graph = identical_candidates_graph(n_candidates, n_openings, capacity)
    solution = solve_optimal(graph)
    check_feasible(graph, solution)
    assert solution.edges.size == min(n_candidates, n_openings * capacity)


def tight_market_with_clones(seed: int) -> AssignmentGraph:
    """Places ~ candidates, zero-capacity openings, heavy-tailed popularity, each candidate
    profile cloned 4 times, two-decimal scores."""
    rng = np.random.default_rng(seed)
    n_profiles, copies, n_o = 150, 4, 60
    popularity = rng.pareto(1.5, n_o) + 1.0
    picks = rng.choice(n_o, size=(n_profiles, 12), p=popularity / popularity.sum())
    edges: dict[tuple[int, int], float] = {}
    for k in range(n_profiles):
        row = {int(o): float(np.round(rng.random(), 2)) for o in picks[k]}
        for j in range(copies):
            edges.update({(k * copies + j, o): s for o, s in row.items()})
    capacity = rng.integers(0, 20, n_o).tolist()
    return make_graph(n_profiles * copies, capacity, edges)


def test_tight_market_with_clones_is_exact() -> None:
    graph = tight_market_with_clones(11)
    solution = solve_optimal(graph)
    check_feasible(graph, solution)
    q = quantise_scores(graph.score)
    assert int(q[solution.edges].sum()) == highs_quantised_total(graph)


def test_integer_weights_replace_the_scores_but_not_the_total() -> None:
    # scores say (0, 0); the weights say (0, 1): the weights decide, the total stays in scores
    graph = make_graph(1, [1, 1], {(0, 0): 0.9, (0, 1): 0.1})
    solution = solve_optimal(graph, weight=np.array([1, 2**39], dtype=np.int64))
    assert solution.edges.tolist() == [1]
    assert solution.total == 0.1
    with pytest.raises(ValueError, match="below 2"):
        solve_optimal(graph, weight=np.array([1, 2**40], dtype=np.int64))
    with pytest.raises(ValueError, match="one value per edge"):
        solve_optimal(graph, weight=np.array([1], dtype=np.int64))
