"""Reserve lists: who qualifies, ranking, ties, size, order independence."""

from __future__ import annotations

import random

import polars as pl
import pytest

from matching.records import Policy
from matching.reserves import Reserve, reserve_lists
from matching.round import run_round
from tests.matching.factories import candidate, make_taxonomy, opening

EDGES = pl.DataFrame(
    {
        "candidate": ["a", "a", "b", "b", "c", "d", "e"],
        "opening": ["v1", "v2", "v1", "v2", "v1", "v1", "t1"],
        "score": [0.9, 0.5, 0.7, 0.8, 0.7, 0.2, 0.6],
    }
)
PLACED = [("a", "v1", 0.9), ("b", "v2", 0.8)]


def test_unassigned_and_lower_scored_candidates_are_reserves() -> None:
    lists = reserve_lists(EDGES, PLACED, jobs={"v1", "v2"}, size=5)
    assert [r.candidate for r in lists["v1"]] == ["c", "d"]  # b scores 0.7 < 0.8 where placed
    assert lists["v1"][0] == Reserve("c", 0.7, None, None)
    assert [r.candidate for r in lists["v2"]] == []  # a is placed better at v1
    assert list(lists) == ["v1", "v2"]


def test_placed_lower_elsewhere_is_a_reserve() -> None:
    placed = [("a", "v2", 0.5), ("b", "v2", 0.8)]
    lists = reserve_lists(EDGES, placed, jobs={"v1"}, size=5)
    assert lists["v1"][0] == Reserve("a", 0.9, "v2", 0.5)
    assert [r.candidate for r in lists["v1"]] == ["a", "c", "d"]


def test_ties_go_to_the_lower_id_and_size_cuts() -> None:
    lists = reserve_lists(EDGES, [], jobs={"v1"}, size=3)
    assert [(r.candidate, r.score) for r in lists["v1"]] == [("a", 0.9), ("b", 0.7), ("c", 0.7)]
    assert reserve_lists(EDGES, [], jobs={"v1"}, size=0)["v1"] == ()
    with pytest.raises(ValueError, match="size"):
        reserve_lists(EDGES, [], jobs={"v1"}, size=-1)


def test_openings_without_edges_get_an_empty_list() -> None:
    assert reserve_lists(EDGES, PLACED, jobs={"v9"})["v9"] == ()


def test_input_order_does_not_matter() -> None:
    base = reserve_lists(EDGES, PLACED, jobs={"v1", "v2"})
    rng = random.Random(1)
    for _ in range(3):
        rows = list(EDGES.iter_rows())
        rng.shuffle(rows)
        shuffled = pl.DataFrame(rows, schema=EDGES.schema, orient="row")
        assert reserve_lists(shuffled, PLACED[::-1], jobs=["v2", "v1"]) == base


def test_from_a_round() -> None:
    cands = [candidate(f"c{i}", ["s01", "s02"][: 1 + i % 2]) for i in range(5)]
    opens = [opening("v1", ["s01", "s02"]), opening("v2", ["s01"], capacity=2)]
    result = run_round(cands, opens, Policy(), taxonomy=make_taxonomy())
    placed = [(a.candidate, a.opening, a.score) for a in result.assignments]
    lists = reserve_lists(result.edges, placed, jobs={"v1", "v2"}, size=2)
    where = {c: (o, s) for c, o, s in placed}
    for job, reserves in lists.items():
        assert len(reserves) <= 2
        for r in reserves:
            assert where.get(r.candidate, (None, -1.0))[1] < r.score
            assert where.get(r.candidate, (None,))[0] != job
        assert [r.score for r in reserves] == sorted((r.score for r in reserves), reverse=True)
