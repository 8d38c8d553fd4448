"""The pure matching core: scoring, eligibility, shortlists, solvers, explanations, metrics.

    from matching import Policy, run_round, read_candidates, read_openings
    result = run_round(read_candidates("c.jsonl"), read_openings("o.jsonl"), Policy(),
                       taxonomy=Taxonomy.load_bundled())

Records and the score model: ``matching.records``; file formats: ``matching.io``.
"""

from matching.errors import InfeasibleError, InvalidRecordError, MatchingError
from matching.io import (
    read_candidates,
    read_openings,
    read_policy,
    write_edges,
    write_result,
)
from matching.records import (
    Assignment,
    Candidate,
    Explanation,
    LanguageLevel,
    Manifest,
    Metrics,
    Mode,
    Opening,
    OpeningKind,
    PartialCredit,
    Policy,
    Quota,
    QuotaOutcome,
    QuotaReport,
    QuotaShortfall,
    RoundResult,
    RuleOutcome,
    SkillClaim,
    SkillMatch,
    SkillRef,
    Unassigned,
    UnassignedReason,
    Weights,
)
from matching.round import run_round
from matching.validation import validate

__all__ = [
    "Assignment",
    "Candidate",
    "Explanation",
    "InfeasibleError",
    "InvalidRecordError",
    "LanguageLevel",
    "Manifest",
    "MatchingError",
    "Metrics",
    "Mode",
    "Opening",
    "OpeningKind",
    "PartialCredit",
    "Policy",
    "Quota",
    "QuotaOutcome",
    "QuotaReport",
    "QuotaShortfall",
    "RoundResult",
    "RuleOutcome",
    "SkillClaim",
    "SkillMatch",
    "SkillRef",
    "Unassigned",
    "UnassignedReason",
    "Weights",
    "read_candidates",
    "read_openings",
    "read_policy",
    "run_round",
    "validate",
    "write_edges",
    "write_result",
]
