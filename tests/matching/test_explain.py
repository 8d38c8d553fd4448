"""Explanation records are shared between explanations only when that changes no output."""

from __future__ import annotations

from matching._canonical import dumps
from matching.explain import _Interned
from matching.records import RuleOutcome, SkillMatch


def test_equal_values_give_one_shared_record() -> None:
    make = _Interned(SkillMatch)
    first = make("u", "label", 0.5, False)
    assert make("u", "label", 0.5, False) is first
    assert make("u", "label", 0.5, True) is not first
    outcome = _Interned(RuleOutcome)
    assert outcome("eqf_below_minimum", True, "d") is outcome("eqf_below_minimum", True, "d")


def test_signed_zeros_are_never_shared() -> None:
    make = _Interned(SkillMatch)
    positive = make("u", "label", 0.0, False)
    negative = make("u", "label", -0.0, False)
    assert '"level":0.0' in dumps(positive)
    assert '"level":-0.0' in dumps(negative)
    assert '"level":-0.0' in dumps(make("u", "label", -0.0, False))
