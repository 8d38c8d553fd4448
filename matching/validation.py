"""One check of a whole round's inputs, at the entry (``run_round`` calls it first).

Raises ``InvalidRecordError(record, field, problem)`` for the first problem found, with the
record named "candidate <id>", "opening <id>" or "policy".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import fields
from typing import get_args

from matching._cefr import cefr_rank
from matching.errors import InvalidRecordError
from matching.records import (
    Candidate,
    LanguageLevel,
    Mode,
    Opening,
    Policy,
    UnreachableQuotas,
    Weights,
)
from matching.solvers.quota_spec import check_quota
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["validate"]


def validate(
    candidates: Sequence[Candidate],
    openings: Sequence[Opening],
    policy: Policy,
    *,
    taxonomy: Taxonomy,
) -> None:
    """Check every record and the references between them; return None or raise."""
    skills = frozenset(taxonomy.uris("skill"))
    occupations = frozenset(taxonomy.uris("occupation"))
    candidate_ids = _unique_ids(candidates, "candidate")
    opening_ids = _unique_ids(openings, "opening")
    for candidate in candidates:
        _check_candidate(candidate, skills, occupations)
    for opening in openings:
        _check_opening(opening, skills, occupations)
    _check_policy(policy, candidate_ids, opening_ids)


def _unique_ids(records: Sequence[Candidate] | Sequence[Opening], what: str) -> frozenset[str]:
    seen: set[str] = set()
    for record in records:
        if not isinstance(record.id, str) or not record.id:
            raise InvalidRecordError(what, "id", f"expected a non-empty string, got {record.id!r}")
        if record.id in seen:
            raise InvalidRecordError(f"{what} {record.id}", "id", "duplicate id")
        seen.add(record.id)
    return frozenset(seen)


def _check_candidate(c: Candidate, skills: frozenset[str], occupations: frozenset[str]) -> None:
    record = f"candidate {c.id}"
    uris = [claim.uri for claim in c.skills]
    levels = [claim.level for claim in c.skills]
    if not (  # the common case checked in bulk; _check_claims names the first problem
        skills.issuperset(uris)
        and len(set(uris)) == len(uris)
        and all(type(level) is float and 0.0 < level <= 1.0 for level in levels)
        and occupations.issuperset(c.occupations)
    ):
        _check_claims(c, record, skills, occupations)
    _check_languages(c.languages, record, "languages")
    _check_int(c.eqf, record, "eqf", 0, 8)
    if not (
        isinstance(c.experience_years, int | float)
        and math.isfinite(c.experience_years)
        and c.experience_years >= 0
    ):
        raise InvalidRecordError(
            record, "experience_years", f"expected a number >= 0, got {c.experience_years!r}"
        )
    _check_date(c.available_from, record, "available_from")
    if len(set(c.destinations)) != len(c.destinations):
        raise InvalidRecordError(record, "destinations", "a country is listed twice")


def _check_claims(
    c: Candidate, record: str, skills: frozenset[str], occupations: frozenset[str]
) -> None:
    held: set[str] = set()
    for claim in c.skills:
        if claim.uri not in skills:
            raise InvalidRecordError(record, "skills", _unknown(claim.uri, "skill"))
        if claim.uri in held:
            raise InvalidRecordError(record, "skills", f"skill {claim.uri!r} listed twice")
        held.add(claim.uri)
        if not (isinstance(claim.level, int | float) and 0.0 < claim.level <= 1.0):
            raise InvalidRecordError(
                record, "skills.level", f"expected a number in (0, 1], got {claim.level!r}"
            )
    for uri in c.occupations:
        if uri not in occupations:
            raise InvalidRecordError(record, "occupations", _unknown(uri, "occupation"))


def _check_opening(o: Opening, skills: frozenset[str], occupations: frozenset[str]) -> None:
    record = f"opening {o.id}"
    if o.kind not in ("job", "training"):
        raise InvalidRecordError(record, "kind", f"expected 'job' or 'training', got {o.kind!r}")
    for name in ("essential_skills", "optional_skills"):
        uris: tuple[str, ...] = getattr(o, name)
        for uri in uris:
            if uri not in skills:
                raise InvalidRecordError(record, name, _unknown(uri, "skill"))
        if len(set(uris)) != len(uris):
            raise InvalidRecordError(record, name, "a skill is listed twice")
    if set(o.essential_skills) & set(o.optional_skills):
        raise InvalidRecordError(record, "optional_skills", "a skill is also listed as essential")
    if o.occupation is not None and o.occupation not in occupations:
        raise InvalidRecordError(record, "occupation", _unknown(o.occupation, "occupation"))
    _check_languages(o.min_languages, record, "min_languages")
    _check_int(o.min_eqf, record, "min_eqf", 0, 8)
    _check_int(o.capacity, record, "capacity", 0, None)
    _check_date(o.start, record, "start")


def _check_policy(
    policy: Policy, candidate_ids: frozenset[str], opening_ids: frozenset[str]
) -> None:
    record = "policy"
    if policy.mode not in get_args(Mode):
        raise InvalidRecordError(
            record, "mode", f"expected one of {', '.join(get_args(Mode))}, got {policy.mode!r}"
        )
    _check_int(policy.shortlist, record, "shortlist", 1, None)
    _check_int(policy.seed, record, "seed", None, None)
    for name in ("locks", "forbidden"):
        pairs: tuple[tuple[str, str], ...] = getattr(policy, name)
        for pair in pairs:
            if len(pair) != 2:
                raise InvalidRecordError(
                    record, name, f"expected (candidate, opening), got {pair!r}"
                )
            candidate, opening = pair
            if candidate not in candidate_ids:
                raise InvalidRecordError(record, name, f"unknown candidate id {candidate!r}")
            if opening not in opening_ids:
                raise InvalidRecordError(record, name, f"unknown opening id {opening!r}")
    locked: dict[str, str] = {}
    for candidate, opening in policy.locks:
        if locked.get(candidate, opening) != opening:
            raise InvalidRecordError(
                record, "locks", f"candidate {candidate!r} is locked to two openings"
            )
        locked[candidate] = opening
    both = set(policy.locks) & set(policy.forbidden)
    if both:
        raise InvalidRecordError(record, "forbidden", f"pair {min(both)!r} is also locked")
    _check_quotas(policy)
    weights = policy.weights
    if not isinstance(weights, Weights):
        raise InvalidRecordError(record, "weights", f"expected Weights, got {weights!r:.60}")
    for f in fields(Weights):
        value = getattr(weights, f.name)
        if f.type == "int":
            _check_int(value, record, f"weights.{f.name}", 1, None)
        elif not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise InvalidRecordError(
                record, f"weights.{f.name}", f"expected a finite number >= 0, got {value!r}"
            )


def _check_quotas(policy: Policy) -> None:
    if not isinstance(policy.quotas, tuple):
        raise InvalidRecordError(
            "policy", "quotas", f"expected a tuple of Quota, got {policy.quotas!r:.60}"
        )
    for i, quota in enumerate(policy.quotas):
        check_quota(quota, field=f"quotas.{i}")
    if policy.quotas and policy.mode != "optimal":
        raise InvalidRecordError(
            "policy",
            "quotas",
            f"quotas apply in mode 'optimal' only (mode {policy.mode!r} has no quota constraints)",
        )
    if policy.unreachable_quotas not in get_args(UnreachableQuotas):
        raise InvalidRecordError(
            "policy",
            "unreachable_quotas",
            f"expected one of {', '.join(get_args(UnreachableQuotas))}, "
            f"got {policy.unreachable_quotas!r}",
        )


def _check_languages(levels: tuple[LanguageLevel, ...], record: str, name: str) -> None:
    seen: set[str] = set()
    for item in levels:
        lang = item.language
        if not (isinstance(lang, str) and len(lang) == 2 and lang.isalpha() and lang.islower()):
            raise InvalidRecordError(record, name, f"expected an ISO 639-1 code, got {lang!r}")
        if lang in seen:
            raise InvalidRecordError(record, name, f"language {lang!r} listed twice")
        seen.add(lang)
        try:
            cefr_rank(item.level)
        except KeyError:
            raise InvalidRecordError(
                record,
                name,
                f"bad CEFR level {item.level!r} for {lang!r}; expected A1..C2 or native",
            ) from None


def _check_int(value: object, record: str, name: str, low: int | None, high: int | None) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    if ok and low is not None and value < low:  # type: ignore[operator]
        ok = False
    if ok and high is not None and value > high:  # type: ignore[operator]
        ok = False
    if not ok:
        bounds = "" if low is None else (f" >= {low}" if high is None else f" in {low}..{high}")
        raise InvalidRecordError(record, name, f"expected an integer{bounds}, got {value!r}")


def _check_date(value: object, record: str, name: str) -> None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        raise InvalidRecordError(record, name, f"expected a date, got {value!r}")


def _unknown(uri: str, kind: str) -> str:
    return f"unknown ESCO {kind} URI {uri!r}"
