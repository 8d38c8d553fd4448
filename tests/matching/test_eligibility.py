from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matching.eligibility import RULES, eligible, rule_masks, rule_outcomes
from matching.features import Features
from matching.records import Candidate, Opening, Policy
from matching.round import run_round
from skills_taxonomy.taxonomy import Taxonomy
from tests.matching.factories import candidate, opening

JUNE = dt.date(2027, 6, 1)


def _check(c: Candidate, o: Opening) -> dict[str, bool]:
    f = Features.build([c], [o])
    zero = np.array([0])
    return {rule: bool(mask[0]) for rule, mask in rule_masks(f, zero, zero).items()}


@pytest.mark.parametrize(
    ("c", "o", "rule"),
    [
        (
            candidate("c", languages={"de": "A2"}),
            opening("v", min_languages={"de": "B1"}),
            "language_below_minimum",
        ),
        (candidate("c"), opening("v", min_languages={"de": "A1"}), "language_below_minimum"),
        (candidate("c", eqf=3), opening("v", min_eqf=4), "eqf_below_minimum"),
        (candidate("c", destinations=["FR"]), opening("v", country="DE"), "destination_refused"),
        (
            candidate("c", available_from=JUNE),
            opening("v", start=JUNE - dt.timedelta(days=1)),
            "not_available_by_start",
        ),
    ],
)
def test_each_rule_fails_alone(c: Candidate, o: Opening, rule: str) -> None:
    outcome = _check(c, o)
    assert not outcome[rule]
    assert all(ok for name, ok in outcome.items() if name != rule)


def test_passing_pair() -> None:
    c = candidate(
        "c",
        languages={"de": "native"},
        eqf=4,
        destinations=["DE"],
        available_from=JUNE,
    )
    o = opening("v", min_languages={"de": "C2"}, min_eqf=4, country="DE", start=JUNE)
    assert all(_check(c, o).values())
    f = Features.build([c], [o])
    assert eligible(f, np.array([0]), np.array([0]))[0]


def test_no_destinations_accept_every_country() -> None:
    assert _check(candidate("c"), opening("v", country="LT"))["destination_refused"]


def test_outcomes_say_how_far_off() -> None:
    c = candidate("c", languages={"de": "A2"}, available_from=JUNE)
    o = opening("v", min_languages={"de": "B1"}, start=JUNE - dt.timedelta(days=10))
    f = Features.build([c], [o])
    outcomes = {
        r: (ok, detail, facts) for r, ok, detail, facts in rule_outcomes(f, 0, 0, forbidden=True)
    }
    assert outcomes["language_below_minimum"][:2] == (False, "needs de B1, has A2")
    assert outcomes["not_available_by_start"][2]["days_late"] == 10
    assert outcomes["forbidden_pair"][0] is False
    assert set(RULES) < set(outcomes)


def test_no_eligible_opening_reports_binding_rule(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01"], languages={"de": "A2"})
    opens = [
        opening("v1", ["s01"], min_languages={"de": "B1"}),
        opening("v2", ["s01"], min_languages={"de": "B2"}, min_eqf=6),
    ]
    result = run_round([c], opens, Policy(), taxonomy=taxonomy)
    (u,) = result.unassigned
    assert u.reason == "no_eligible_opening"
    assert u.details["nearest_opening"] == "v1"
    rules = u.details["binding_rules"]
    assert isinstance(rules, list)
    (binding,) = rules
    assert binding["rule"] == "language_below_minimum"
    assert (binding["required"], binding["held"]) == ("B1", "A2")
    assert u.details["openings_excluded_by"] == {
        "language_below_minimum": 2,
        "eqf_below_minimum": 1,
        "destination_refused": 0,
        "not_available_by_start": 0,
    }


def test_forbidden_pair_is_never_an_edge(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01"])
    o = opening("v1", ["s01"])
    result = run_round([c], [o], Policy(forbidden=(("c1", "v1"),)), taxonomy=taxonomy)
    assert result.edges.height == 0
    (u,) = result.unassigned
    assert u.reason == "no_eligible_opening"
    assert u.details["binding_rules"][0]["rule"] == "forbidden_pair"  # type: ignore[index]


def test_zero_capacity_opening_takes_nobody(taxonomy: Taxonomy) -> None:
    result = run_round(
        [candidate("c1", ["s01"])],
        [opening("v1", ["s01"], capacity=0)],
        Policy(),
        taxonomy=taxonomy,
    )
    assert not result.assignments
    assert result.unassigned[0].reason == "no_eligible_opening"
