"""Report figures on tiny inputs, each checked against the number worked out by hand."""

from __future__ import annotations

import pytest

from matching.records import SkillRef
from matching.report import (
    SCORE_BINS,
    PairFacts,
    essential_coverage,
    fill,
    funnel,
    group_report,
    reached,
    reviewer_rates,
    score_histogram,
    training_needs,
)

WELD = SkillRef("http://esco/weld", "weld metal")
DRAW = SkillRef("http://esco/draw", "read engineering drawings")
CUT = SkillRef("http://esco/cut", "cut metal")


def test_funnel_lists_every_stage_in_order_and_closed_reasons() -> None:
    rows = [("shortlisted", None), ("interview", None), ("interview", None)]
    rows += [("closed", "declined"), ("closed", "withdrew"), ("closed", "declined")]
    result = funnel(rows, stages=("shortlisted", "interview", "offer", "closed"))
    assert result.total == 6
    assert [(s.stage, s.count) for s in result.stages] == [
        ("shortlisted", 1),
        ("interview", 2),
        ("offer", 0),
        ("closed", 3),
    ]
    assert [(r.reason, r.count) for r in result.closed_by_reason] == [
        ("declined", 2),
        ("withdrew", 1),
    ]


def test_funnel_refuses_an_unknown_stage() -> None:
    with pytest.raises(ValueError, match="hired"):
        funnel([("hired", None)], stages=("shortlisted",))


def test_reached_counts_every_stage_at_or_before_the_furthest() -> None:
    stages = ("shortlisted", "interview", "offer", "placed")
    result = reached(["shortlisted", "offer", "interview", "offer", "placed"], stages=stages)
    assert [(s.stage, s.count) for s in result] == [
        ("shortlisted", 5),
        ("interview", 4),
        ("offer", 3),
        ("placed", 1),
    ]
    assert [s.count for s in reached([], stages=stages)] == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="closed"):
        reached(["closed"], stages=stages)


def test_fill_rate() -> None:
    assert fill(places_total=8, places_filled=6).fill_rate == 0.75
    assert fill(places_total=0, places_filled=0).fill_rate is None


def test_score_histogram_edges() -> None:
    bins = score_histogram([0.0, 0.05, 0.1, 0.3, 0.1 * 3, 0.99, 1.0, 1.2])
    assert [b.lower for b in bins] == list(SCORE_BINS)
    assert [b.upper for b in bins] == [*SCORE_BINS[1:], None]
    # [0,.1): 0.0, 0.05 | [.1,.2): 0.1 | [.3,.4): 0.3, 0.30000000000000004 | [.9,1]: 0.99, 1.0
    assert [b.count for b in bins] == [2, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1]


def test_essential_coverage_and_training_needs() -> None:
    pairs = [
        PairFacts(0.8, matched_essential=3, missing_essential=(WELD,)),
        PairFacts(0.6, matched_essential=1, partial_essential=1, missing_essential=(WELD, DRAW)),
        PairFacts(0.7, matched_essential=2),
        PairFacts(0.5, explained=False),  # no explanation: left out of both figures
    ]
    # matched 3+1+2 = 6 over required (3+1) + (1+1+2) + 2 = 10
    assert essential_coverage(pairs) == pytest.approx(0.6)
    needs = training_needs(pairs)
    assert [(n.uri, n.label, n.count) for n in needs] == [
        (WELD.uri, WELD.label, 2),
        (DRAW.uri, DRAW.label, 1),
    ]
    assert [n.share for n in needs] == [pytest.approx(2 / 3), pytest.approx(1 / 3)]
    assert training_needs(pairs, top=1) == needs[:1]
    assert essential_coverage([PairFacts(0.5)]) is None


def test_group_report_suppresses_small_groups_and_ratios_the_rest() -> None:
    rows = [("female", i < 3) for i in range(10)]  # 3/10
    rows += [("male", i < 6) for i in range(12)]  # 6/12
    rows += [("other", True) for _ in range(2)]  # suppressed
    result = group_report("gender", rows)
    by_group = {g.group: g for g in result.groups}
    assert by_group["other"].suppressed and by_group["other"].rate is None
    assert (by_group["female"].candidates, by_group["female"].selected) == (10, 3)
    assert by_group["female"].impact_ratio == pytest.approx(0.3 / 0.5)
    assert by_group["male"].impact_ratio == 1.0
    assert (result.lowest_group, result.lowest_impact_ratio) == ("female", pytest.approx(0.6))


def test_group_report_without_reported_groups() -> None:
    result = group_report("origin", [("MA", True)])
    assert result.lowest_group is None and result.lowest_impact_ratio is None


def test_reviewer_rates() -> None:
    rows = [(7, "accept"), (7, "override"), (7, "reject"), (7, "override"), (3, "lock")]
    assert [
        (r.reviewer, r.decisions, r.overrides, r.override_rate) for r in reviewer_rates(rows)
    ] == [
        (3, 1, 0, 0.0),
        (7, 4, 2, 0.5),
    ]
