"""Quality and fairness report figures, from plain rows (no database, no HTTP).

Each function takes what a report shows one figure of and returns a frozen record:

* ``funnel``: placements per pipeline stage (every stage listed, in order) and the closed ones
  per close reason;
* ``reached``: placements that reached each stage (whose furthest stage is it or a later one:
  the bars of a funnel picture);
* ``fill``: places filled over places offered;
* ``score_histogram``: scores in the fixed bins ``SCORE_BINS`` (width 0.1 over [0, 1]; a score
  of exactly 1.0 falls in the last bin; scores above 1.0 — possible with term weights summing
  to more than 1 — in an overflow bin with ``upper`` None);
* ``essential_coverage``: over a set of pairs, the share of the openings' essential skills the
  candidates hold (matched directly or through a past occupation; partial credits are not
  coverage), as ``round_metrics`` counts it;
* ``training_needs``: the essential skills most often missing, by ESCO URI and label;
* ``group_report``: per-group selection rates of one attribute with impact ratios, groups of
  fewer than ``MIN_GROUP`` suppressed (``matching.fairness``);
* ``reviewer_rates``: per reviewer, decisions made and the share of them that are overrides.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matching.fairness import MIN_GROUP, group_rates, impact_ratios
from matching.records import SkillRef

__all__ = [
    "SCORE_BINS",
    "Bin",
    "Fill",
    "Funnel",
    "GroupRate",
    "GroupReport",
    "PairFacts",
    "ReasonCount",
    "ReviewerRate",
    "SkillNeed",
    "StageCount",
    "essential_coverage",
    "fill",
    "funnel",
    "group_report",
    "reached",
    "reviewer_rates",
    "score_histogram",
    "training_needs",
]

#: Bin edges of the score distribution: [0, 0.1), [0.1, 0.2), …, [0.9, 1.0].
SCORE_BINS: tuple[float, ...] = tuple(round(i / 10, 1) for i in range(11))


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What a report needs of one (candidate, opening) pair: its score and, when its
    explanation is known, the essential skills matched, partially credited and missing."""

    score: float
    matched_essential: int = 0
    partial_essential: int = 0
    missing_essential: tuple[SkillRef, ...] = ()
    explained: bool = True


@dataclass(frozen=True, slots=True)
class StageCount:
    stage: str
    count: int


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class Funnel:
    total: int
    stages: tuple[StageCount, ...]
    closed_by_reason: tuple[ReasonCount, ...]


@dataclass(frozen=True, slots=True)
class Fill:
    places_total: int
    places_filled: int
    #: None when there is no place.
    fill_rate: float | None


@dataclass(frozen=True, slots=True)
class Bin:
    lower: float
    #: None for the overflow bin (scores above 1.0).
    upper: float | None
    count: int


@dataclass(frozen=True, slots=True)
class SkillNeed:
    uri: str
    label: str
    #: Pairs missing the skill, and their share of the explained pairs.
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class GroupRate:
    """One group: numbers, or ``suppressed`` (fewer than ``MIN_GROUP`` members) and none."""

    group: str
    suppressed: bool
    candidates: int | None
    selected: int | None
    rate: float | None
    impact_ratio: float | None


@dataclass(frozen=True, slots=True)
class GroupReport:
    dimension: str
    groups: tuple[GroupRate, ...]
    #: The reported group with the lowest impact ratio, and that ratio (None: none reported).
    lowest_group: str | None
    lowest_impact_ratio: float | None


@dataclass(frozen=True, slots=True)
class ReviewerRate:
    reviewer: int
    decisions: int
    overrides: int
    override_rate: float


def funnel(
    placements: Iterable[tuple[str, str | None]], *, stages: Sequence[str], close: str = "closed"
) -> Funnel:
    """Counts of ``(stage, close_reason)`` rows per stage of ``stages`` (in that order, zeros
    included), and of the ``close`` ones per reason (sorted; a missing reason is "unknown")."""
    per_stage: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for stage, reason in placements:
        per_stage[stage] += 1
        if stage == close:
            reasons[reason or "unknown"] += 1
    unknown = set(per_stage) - set(stages)
    if unknown:
        raise ValueError(f"unknown pipeline stages {sorted(unknown)}; expected one of {stages}")
    return Funnel(
        total=sum(per_stage.values()),
        stages=tuple(StageCount(s, per_stage[s]) for s in stages),
        closed_by_reason=tuple(ReasonCount(r, n) for r, n in sorted(reasons.items())),
    )


def reached(furthest: Iterable[str], *, stages: Sequence[str]) -> tuple[StageCount, ...]:
    """Per stage of ``stages`` (in pipeline order), how many of the ``furthest`` stages (one
    per placement) are it or a later one."""
    index = {stage: i for i, stage in enumerate(stages)}
    at: Counter[int] = Counter()
    for stage in furthest:
        if stage not in index:
            raise ValueError(f"unknown pipeline stage {stage!r}; expected one of {stages}")
        at[index[stage]] += 1
    counts = [0] * len(stages)
    running = 0
    for i in reversed(range(len(stages))):
        running += at[i]
        counts[i] = running
    return tuple(StageCount(stage, n) for stage, n in zip(stages, counts, strict=True))


def fill(*, places_total: int, places_filled: int) -> Fill:
    rate = places_filled / places_total if places_total > 0 else None
    return Fill(places_total=places_total, places_filled=places_filled, fill_rate=rate)


def score_histogram(scores: Iterable[float]) -> tuple[Bin, ...]:
    """Counts per ``SCORE_BINS`` bin, then the overflow bin (scores above 1.0)."""
    last = len(SCORE_BINS) - 2
    counts = [0] * (last + 2)
    for score in scores:
        if score > SCORE_BINS[-1]:
            counts[-1] += 1
        else:
            counts[min(max(bisect.bisect_right(SCORE_BINS, score) - 1, 0), last)] += 1
    bins = [Bin(SCORE_BINS[i], SCORE_BINS[i + 1], counts[i]) for i in range(last + 1)]
    return (*bins, Bin(SCORE_BINS[-1], None, counts[-1]))


def essential_coverage(pairs: Iterable[PairFacts]) -> float | None:
    """Matched essential skills over all essential skills of the explained pairs (None when
    they require none)."""
    covered = required = 0
    for pair in pairs:
        if pair.explained:
            covered += pair.matched_essential
            required += (
                pair.matched_essential + pair.partial_essential + len(pair.missing_essential)
            )
    return covered / required if required else None


def training_needs(pairs: Sequence[PairFacts], *, top: int = 20) -> tuple[SkillNeed, ...]:
    """The ``top`` essential skills missing from the most explained pairs (ties by URI)."""
    explained = sum(1 for p in pairs if p.explained)
    counts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for pair in pairs:
        for skill in {s.uri: s for s in pair.missing_essential}.values():
            counts[skill.uri] += 1
            labels.setdefault(skill.uri, skill.label)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return tuple(SkillNeed(uri, labels[uri], n, n / explained) for uri, n in ranked)


def group_report(
    dimension: str, members: Iterable[tuple[str, bool]], *, min_group: int = MIN_GROUP
) -> GroupReport:
    """Selection rates of ``(group, selected)`` rows by group, with impact ratios."""
    rates = group_rates(members, min_group=min_group)
    ratios = impact_ratios(rates)
    groups = []
    for group, figures in rates.items():
        if figures.get("suppressed"):
            groups.append(GroupRate(group, True, None, None, None, None))
            continue
        candidates, selected, rate = figures["candidates"], figures["placed"], figures["rate"]
        assert isinstance(candidates, int) and isinstance(selected, int)
        assert isinstance(rate, float)
        groups.append(GroupRate(group, False, candidates, selected, rate, ratios.get(group)))
    lowest = min(ratios.items(), key=lambda item: (item[1], item[0]), default=None)
    return GroupReport(
        dimension=dimension,
        groups=tuple(groups),
        lowest_group=lowest[0] if lowest else None,
        lowest_impact_ratio=lowest[1] if lowest else None,
    )


def reviewer_rates(
    decisions: Iterable[tuple[int, str]], *, override: str = "override"
) -> tuple[ReviewerRate, ...]:
    """Per reviewer (by id, sorted), from ``(reviewer, action)`` rows: every decision they
    recorded (history included) and the share that are ``override``."""
    made: Counter[int] = Counter()
    overrides: Counter[int] = Counter()
    for reviewer, action in decisions:
        made[reviewer] += 1
        overrides[reviewer] += action == override
    return tuple(
        ReviewerRate(r, made[r], overrides[r], overrides[r] / made[r]) for r in sorted(made)
    )
