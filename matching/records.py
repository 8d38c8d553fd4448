"""The typed records that cross the boundary of the matching core.

Inputs: ``Candidate``, ``Opening`` and ``Policy`` (with its ``Weights``). Output: ``RoundResult``
(``Assignment``s with their ``Explanation``, ``Unassigned`` candidates with the reason,
``Metrics`` and a ``Manifest``). Every record is a frozen dataclass with slots; sequences are
tuples, dates are ``datetime.date``, CEFR levels are the strings ``"A1"`` … ``"C2"`` and
``"native"`` (ranked above C2), EQF levels are integers 0–8 (0: no recognised qualification).

Records do not validate themselves: ``matching.validation.validate`` checks a whole round once
at the entry (``run_round`` calls it; ``matching.io`` also checks types while parsing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import polars as pl

__all__ = [
    "Assignment",
    "Candidate",
    "Explanation",
    "GapClosed",
    "LanguageLevel",
    "Manifest",
    "Metrics",
    "Mode",
    "Opening",
    "OpeningKind",
    "PartialCredit",
    "Policy",
    "Quota",
    "QuotaGroup",
    "QuotaOutcome",
    "QuotaReport",
    "QuotaScope",
    "QuotaShortfall",
    "Reserve",
    "RoundResult",
    "RuleOutcome",
    "SkillClaim",
    "SkillMatch",
    "SkillRef",
    "Stability",
    "Unassigned",
    "UnassignedReason",
    "UnreachableQuotas",
    "Weights",
]

#: Solver modes. "optimal": maximum total score under capacities (exact). "stable": deferred
#: acceptance (provided by ``matching.solvers.stable`` when installed).
Mode = Literal["optimal", "stable"]
OpeningKind = Literal["job", "training"]
UnassignedReason = Literal["no_eligible_opening", "no_skill_match", "outcompeted"]
#: Candidate attributes a quota can bound, and the units whose placements it counts.
QuotaGroup = Literal["gender", "origin"]
QuotaScope = Literal["programme", "employer", "opening"]
#: What a round does when locked pairs make a quota unreachable: "relax" it to the best share
#: reachable (diagnosed in ``QuotaReport``) or "fail" (``InfeasibleError``).
UnreachableQuotas = Literal["relax", "fail"]


class SkillClaim(NamedTuple):
    """A skill a candidate holds: an ESCO skill URI and a proficiency/confidence in (0, 1].

    A NamedTuple (immutable, typed) rather than a dataclass: a programme holds millions of
    these and a tuple is built several times faster.
    """

    uri: str
    level: float = 1.0


class LanguageLevel(NamedTuple):
    """An ISO 639-1 language code and a CEFR level ("A1".."C2" or "native")."""

    language: str
    level: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person who may be placed. ``gender`` and ``origin`` are kept for fairness metrics only:
    they never enter a score or a rule.

    ``destinations``: ISO 3166 country codes the candidate accepts, most wanted first (empty:
    any country). ``available_from``: earliest start date (None: available now).
    ``preferences``: optional ranking of opening ids (used by the stable mode).
    """

    id: str
    skills: tuple[SkillClaim, ...] = ()
    occupations: tuple[str, ...] = ()
    languages: tuple[LanguageLevel, ...] = ()
    eqf: int = 0
    experience_years: float = 0.0
    gender: str | None = None
    origin: str | None = None
    destinations: tuple[str, ...] = ()
    available_from: dt.date | None = None
    preferences: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Opening:
    """A vacancy (``kind="job"``) or a training place (``kind="training"``) with ``capacity``
    places. ``min_languages``: every listed language must be held at least at that level.
    ``start``: the date the candidate must be available by (None: no constraint).
    ``ranking``: optional ranking of candidate ids by the employer (used by the stable mode).
    ``teaches`` / ``feeds`` (training openings only): skill URIs the training teaches and ids of
    the job openings it feeds; a training that feeds jobs is earmarked for them
    (train-to-hire, see ``matching.training``).
    """

    id: str
    kind: OpeningKind = "job"
    employer: str = ""
    country: str = ""
    occupation: str | None = None
    essential_skills: tuple[str, ...] = ()
    optional_skills: tuple[str, ...] = ()
    min_languages: tuple[LanguageLevel, ...] = ()
    min_eqf: int = 0
    capacity: int = 1
    start: dt.date | None = None
    ranking: tuple[str, ...] = ()
    teaches: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Weights:
    """Every tunable of the score, with its documented default.

    The score of an eligible pair is the sum of six bounded terms (so at most the sum of the
    six term weights, 1.0 by default):

    * ``essential`` × coverage of the opening's essential skills (each essential skill weighs
      1/n; a skill counts with the candidate's effective level in [0, 1], see below);
    * ``optional`` × coverage of the optional skills, the same way;
    * ``language`` × min(smallest margin in CEFR steps above the required levels,
      ``language_margin_cap``) / ``language_margin_cap`` (0 when no language is required);
    * ``eqf`` × min(EQF above the minimum, ``eqf_margin_cap``) / ``eqf_margin_cap``;
    * ``experience`` × (1 − exp(−years / ``experience_scale``)) (saturating);
    * ``destination`` × 1/r when the opening's country is the r-th of the candidate's listed
      destinations (0 when the candidate listed none).

    ``min_coverage``: a pair is an edge of the solver graph only if the candidate covers at
    least this share of the opening's essential skills (of its optional skills when it lists
    no essential ones), counting effective levels; 0.25 by default.

    Effective skill level: the maximum of the level held directly, ``occupation_confidence``
    for an essential skill of a past occupation, and the partial credits through the ESCO
    hierarchy and relations: the held level times ``narrower`` (the held skill is narrower
    than the required one), ``broader`` (held skill broader), ``sibling`` (both share a direct
    broader concept with at most ``sibling_group_max`` narrower skills), ``related_essential``
    / ``related_optional`` (an ESCO skill→skill relation, either direction).
    """

    min_coverage: float = 0.25
    essential: float = 0.6
    optional: float = 0.15
    language: float = 0.1
    eqf: float = 0.05
    experience: float = 0.05
    destination: float = 0.05
    occupation_confidence: float = 0.6
    narrower: float = 0.8
    broader: float = 0.5
    sibling: float = 0.4
    related_essential: float = 0.5
    related_optional: float = 0.3
    sibling_group_max: int = 30
    language_margin_cap: int = 2
    eqf_margin_cap: int = 2
    experience_scale: float = 3.0


@dataclass(frozen=True, slots=True)
class Quota:
    """A fairness quota: in each unit of ``scope`` (the programme, each employer, each
    opening) at least ``min_share`` and/or at most ``max_share`` of the placements made go to
    candidates whose ``group`` attribute (``Candidate.gender`` or ``Candidate.origin``) equals
    ``value`` exactly (e.g. ``Quota("gender", "f", min_share=0.3)``). Shares are in [0, 1],
    read as the nearest fraction with denominator <= 10**6 (0.3 is exactly 3/10); a unit with
    no placement meets every quota. Candidates with no value are in no group. Checked by
    ``matching.validation.validate`` (``matching.solvers.quota_spec.check_quota``).
    """

    group: QuotaGroup
    value: str
    scope: QuotaScope = "programme"
    min_share: float | None = None
    max_share: float | None = None

    def __str__(self) -> str:
        bounds = []
        if self.min_share is not None:
            bounds.append(f"at least {self.min_share:.0%}")
        if self.max_share is not None:
            bounds.append(f"at most {self.max_share:.0%}")
        unit = "in the programme" if self.scope == "programme" else f"per {self.scope}"
        return f"{self.group}={self.value}: {' and '.join(bounds)} of placements {unit}"


@dataclass(frozen=True, slots=True)
class Policy:
    """How a round is run. ``shortlist``: openings kept per candidate (top-k) for the solver.
    ``locks``: (candidate id, opening id) pairs staff decided; they are always assigned and
    override the eligibility rules (the explanation lists any rule they override).
    ``forbidden``: pairs that never appear. ``seed``: recorded in the manifest and handed to
    solvers that break ties at random (the optimal mode is deterministic without it).
    ``training_discount`` in (0, 1]: a train-to-hire pair scores the job after training times
    this factor (``matching.training``). ``reserves``: length of each job opening's reserve
    list (``matching.reserves``).
    ``quotas``: fairness quotas, solved exactly in the optimal mode (not available in the stable
    mode; train-to-hire paths are then not formed: training openings are ordinary openings);
    ``unreachable_quotas`` says what happens when locked pairs make one unreachable (see
    ``QuotaReport``).
    """

    mode: Mode = "optimal"
    shortlist: int = 50
    locks: tuple[tuple[str, str], ...] = ()
    forbidden: tuple[tuple[str, str], ...] = ()
    seed: int = 0
    weights: Weights = field(default_factory=Weights)
    training_discount: float = 0.8
    reserves: int = 5
    quotas: tuple[Quota, ...] = ()
    unreachable_quotas: UnreachableQuotas = "relax"


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A required skill the candidate covers directly (or through a past occupation)."""

    uri: str
    label: str
    level: float
    via_occupation: bool


@dataclass(frozen=True, slots=True)
class SkillRef:
    """A skill named by URI and English preferred label."""

    uri: str
    label: str


@dataclass(frozen=True, slots=True)
class PartialCredit:
    """A required skill credited through a related skill the candidate holds.

    ``relation`` says how the held skill relates to the required one: "narrower", "broader",
    "sibling", "related_essential" or "related_optional".
    """

    uri: str
    label: str
    requirement: Literal["essential", "optional"]
    credit: float
    relation: str
    held_uri: str
    held_label: str


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One eligibility rule for one pair: passed or not, with what was required and held."""

    rule: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a pair scores what it scores. ``terms`` sum (in order, float64) to the score."""

    terms: tuple[tuple[str, float], ...]
    matched_essential: tuple[SkillMatch, ...]
    matched_optional: tuple[SkillMatch, ...]
    partial_credits: tuple[PartialCredit, ...]
    missing_essential: tuple[SkillRef, ...]
    rules: tuple[RuleOutcome, ...]
    locked: bool


@dataclass(frozen=True, slots=True)
class GapClosed:
    """A train-to-hire placement: the candidate takes a place of ``training`` earmarked for
    ``job`` (and one of ``job``); the missing skills of the job the training teaches (counted
    as held), the job's score after training and the discount applied to it."""

    training: str
    job: str
    essential: tuple[SkillRef, ...]
    optional: tuple[SkillRef, ...]
    job_score: float
    discount: float


@dataclass(frozen=True, slots=True)
class Assignment:
    """``training``: set for a train-to-hire pair (``opening`` is then the training)."""

    candidate: str
    opening: str
    score: float
    explanation: Explanation
    training: GapClosed | None = None


@dataclass(frozen=True, slots=True)
class Reserve:
    """A reserve candidate of one opening: its score there, and where it is placed now
    (``assigned_to``/``assigned_score`` both None when unassigned)."""

    candidate: str
    score: float
    assigned_to: str | None
    assigned_score: float | None


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A candidate left without a placement, with the reason and its details (JSON-ready)."""

    candidate: str
    reason: UnassignedReason
    details: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Stability:
    """Whatever the mode: ``blocking_pairs`` of the result under both sides' preferences
    (listed first, then score order), and the total score of the stable and of the optimal
    matching of the same shortlist graph (same locks); ``score_given_up`` = optimal − stable."""

    blocking_pairs: int
    stable_total: float
    optimal_total: float
    score_given_up: float


@dataclass(frozen=True, slots=True)
class Metrics:
    """Round figures. ``by_gender`` / ``by_origin``: group → {"candidates", "placed", "rate"},
    or {"suppressed": True} for groups of fewer than 10 candidates."""

    candidates: int
    candidates_placed: int
    places_total: int
    places_filled: int
    mean_score: float | None
    median_score: float | None
    essential_coverage: float | None
    by_gender: Mapping[str, Mapping[str, object]]
    by_origin: Mapping[str, Mapping[str, object]]
    #: Blocking pairs of the result and the price of stability (``matching.stability``).
    stability: Stability | None = None


@dataclass(frozen=True, slots=True)
class QuotaShortfall:
    """Why one bound of a quota cannot be met with the locked pairs: its worst ``unit`` (an
    employer or opening id; None for the programme, or when the quota is unreachable only
    together with the others), the best share reachable there (``reached_in_group /
    reached_total``; None: only together), the locked placements, the unlocked candidates able
    to move the share the right way (``eligible``), the free places, and the reason in words.
    """

    bound: Literal["min_share", "max_share"]
    unit: str | None
    best_share: float | None
    reached_in_group: int
    reached_total: int
    locked: int
    locked_in_group: int
    eligible: int
    free_places: int
    reason: str


@dataclass(frozen=True, slots=True)
class QuotaOutcome:
    """How one quota of the policy came out. ``applied``: the quota the round solved with
    (the policy's own when reachable, relaxed to the best share reachable otherwise, None when
    dropped); shares are over the units with a placement (None: no placement);
    ``placements`` in its scope with the quotas and ``placements_without`` them;
    ``emptied_units``: units placed in without the quotas, empty with them."""

    quota: Quota
    applied: Quota | None
    lowest_share: float | None
    highest_share: float | None
    placements: int
    placements_without: int
    emptied_units: int
    shortfalls: tuple[QuotaShortfall, ...]


@dataclass(frozen=True, slots=True)
class QuotaReport:
    """The quotas of a round and their price. ``status``: "met" (every quota as asked) or
    "relaxed" (some unreachable: see the outcomes' ``shortfalls`` and ``applied``).
    ``price_of_fairness`` = ``unconstrained_total`` (the optimum without quotas, same edges and
    locks) − ``total`` (with the applied quotas), never negative. ``optimal``: proven exact."""

    status: Literal["met", "relaxed"]
    total: float
    unconstrained_total: float
    price_of_fairness: float
    optimal: bool
    outcomes: tuple[QuotaOutcome, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    """What is needed to reproduce and audit a round (no clock time: outputs stay identical).
    ``quotas``: the quota report (price of fairness, shares, diagnoses) when the policy has
    quotas, else None."""

    engine: str
    input_hash: str
    taxonomy_version: str
    policy: Mapping[str, object]
    solver: str
    objective: float
    edges: int
    output_hash: str
    quotas: QuotaReport | None = None


@dataclass(frozen=True, slots=True)
class RoundResult:
    """``edges``: every pair the solver considered, a polars frame with columns
    candidate (str), opening (str), score (float64), sorted by candidate then opening.
    ``reserves``: per job opening id, its ranked reserve list (``matching.reserves``)."""

    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    metrics: Metrics
    manifest: Manifest
    edges: pl.DataFrame
    reserves: Mapping[str, tuple[Reserve, ...]] = field(default_factory=dict)
