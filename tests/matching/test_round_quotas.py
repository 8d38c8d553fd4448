"""Quotas in a round: met in the result, price of fairness against brute force, unreachable
quotas diagnosed (relaxed or refused), determinism, validation and the policy JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest

from matching._canonical import dumps
from matching.errors import InfeasibleError, InvalidRecordError
from matching.io import policy_from_dict, write_result
from matching.records import Candidate, Opening, Policy, Quota, QuotaReport, RoundResult
from matching.round import run_round
from tests.matching.factories import S, candidate, make_taxonomy, opening

TAXONOMY = make_taxonomy()


def welders() -> tuple[list[Candidate], list[Opening]]:
    """Eight candidates for two openings of two employers (2 and 1 places).

    Men (c0..c3) hold both essential skills, women (c4..c7) one of them: without a quota the
    men take every place. Experience breaks the ties; origins alternate MA / TN.
    """
    cands = [
        candidate(
            f"c{i}",
            ["s01", "s02"] if i < 4 else ["s01"],
            experience_years=float(8 - i),
            gender="m" if i < 4 else "f",
            origin="MA" if i % 2 == 0 else "TN",
        )
        for i in range(8)
    ]
    opens = [
        dataclasses.replace(opening("v1", ["s01", "s02"], capacity=2), employer="acme"),
        dataclasses.replace(opening("v2", ["s01", "s02"], capacity=1), employer="bolt"),
    ]
    return cands, opens


def run(policy: Policy, cands: Sequence[Candidate] | None = None) -> RoundResult:
    default_cands, opens = welders()
    return run_round(cands or default_cands, opens, policy, taxonomy=TAXONOMY)


def report_of(result: RoundResult) -> QuotaReport:
    assert result.manifest.quotas is not None
    return result.manifest.quotas


def best_total(
    edges: list[tuple[str, str, float]],
    capacity: dict[str, int],
    accept: object = None,
) -> float:
    """Brute force over the round's edges: the best total of an assignment (one opening per
    candidate, capacities kept) that ``accept(placements)`` allows."""
    by_cand: dict[str, list[tuple[str, float]]] = {}
    for c, o, s in edges:
        by_cand.setdefault(c, []).append((o, s))
    people = sorted(by_cand)
    best = float("-inf")

    def walk(k: int, used: dict[str, int], chosen: list[tuple[str, str]], total: float) -> None:
        nonlocal best
        if k == len(people):
            if accept is None or accept(chosen):  # type: ignore[operator]
                best = max(best, total)
            return
        walk(k + 1, used, chosen, total)
        for o, s in by_cand[people[k]]:
            if used.get(o, 0) < capacity[o]:
                used[o] = used.get(o, 0) + 1
                walk(k + 1, used, [*chosen, (people[k], o)], total + s)
                used[o] -= 1

    walk(0, {}, [], 0.0)
    return best


def test_quota_is_met_and_its_price_equals_brute_force() -> None:
    quota = Quota("gender", "f", "programme", min_share=0.5)
    plain = run(Policy())
    result = run(Policy(quotas=(quota,)))
    gender = {c.id: c.gender for c in welders()[0]}
    placed = [a.candidate for a in result.assignments]
    assert [gender[c] for c in sorted(placed)].count("f") == 2 and len(placed) == 3
    assert all(gender[a.candidate] == "m" for a in plain.assignments)

    report = report_of(result)
    assert result.manifest.solver == "quotas"
    assert report.status == "met" and report.optimal
    (outcome,) = report.outcomes
    assert outcome.applied == quota and outcome.shortfalls == ()
    assert outcome.lowest_share == pytest.approx(2 / 3)
    assert (outcome.placements, outcome.placements_without) == (3, 3)
    assert report.total == pytest.approx(result.manifest.objective)
    assert report.unconstrained_total == pytest.approx(plain.manifest.objective)
    assert report.price_of_fairness == pytest.approx(report.unconstrained_total - report.total)
    assert report.price_of_fairness > 0.0
    assert plain.manifest.quotas is None

    # Independent check: brute force over the very edges the round considered.
    edges = list(result.edges.iter_rows())
    capacity = {o.id: o.capacity for o in welders()[1]}

    def half_women(chosen: list[tuple[str, str]]) -> bool:
        women = sum(gender[c] == "f" for c, _ in chosen)
        return not chosen or Fraction(women, len(chosen)) >= Fraction(1, 2)

    with_quota = best_total(edges, capacity, half_women)
    without = best_total(edges, capacity)
    assert report.total == pytest.approx(with_quota, abs=1e-9)
    assert report.unconstrained_total == pytest.approx(without, abs=1e-9)
    assert report.price_of_fairness == pytest.approx(without - with_quota, abs=1e-9)


def test_employer_scope_origin_quota_holds_per_employer() -> None:
    # At most half of each employer's placements from MA: acme (2 places) takes one MA, one TN.
    quota = Quota("origin", "MA", "employer", max_share=0.5)
    result = run(Policy(quotas=(quota,)))
    origin = {c.id: c.origin for c in welders()[0]}
    at_acme = [origin[a.candidate] for a in result.assignments if a.opening == "v1"]
    assert sorted(at_acme) == ["MA", "TN"]
    (outcome,) = report_of(result).outcomes
    assert outcome.highest_share is not None and outcome.highest_share <= 0.5


def test_unreachable_quota_is_diagnosed_and_relaxed_in_the_result() -> None:
    # Both places of v1 locked to men: a women quota of 50 % per opening cannot hold there.
    quota = Quota("gender", "f", "opening", min_share=0.5)
    locks = (("c0", "v1"), ("c1", "v1"))
    result = run(Policy(quotas=(quota,), locks=locks))
    report = report_of(result)
    assert report.status == "relaxed"
    (outcome,) = report.outcomes
    (shortfall,) = outcome.shortfalls
    assert (shortfall.bound, shortfall.unit, shortfall.best_share) == ("min_share", "v1", 0.0)
    assert (shortfall.locked, shortfall.locked_in_group, shortfall.free_places) == (2, 0, 0)
    assert shortfall.reason.startswith("capacity: 0 free place(s)")
    assert outcome.applied == dataclasses.replace(quota, min_share=0.0)
    placed = {a.candidate: a.opening for a in result.assignments}
    assert placed["c0"] == placed["c1"] == "v1"
    # One share per quota: the relaxed share applies to every opening (v2 may take a man).
    assert outcome.lowest_share == 0.0 and outcome.highest_share == 0.0

    # Re-running with the applied quota meets it as asked.
    assert outcome.applied is not None
    again = report_of(run(Policy(quotas=(outcome.applied,), locks=locks)))
    assert again.status == "met"

    # Refused instead when the policy says so, naming the quota, the opening and why.
    with pytest.raises(InfeasibleError, match=r"quota 0 .* unreachable at opening v1.*capacity"):
        run(Policy(quotas=(quota,), locks=locks, unreachable_quotas="fail"))


def test_quotas_unreachable_only_together_drop_the_last_one() -> None:
    # v1 and v2 (2 places each) have one locked man each; the only woman can join either
    # opening, not both: "50 % women per opening" holds at each opening alone, not together.
    cands = [
        candidate("c0", ["s01", "s02"], gender="m"),
        candidate("c1", ["s01", "s02"], gender="m"),
        candidate("w", ["s01"], gender="f"),
    ]
    opens = [opening("v1", ["s01", "s02"], capacity=2), opening("v2", ["s01", "s02"], capacity=2)]
    quotas = (
        Quota("origin", "MA", "programme", max_share=1.0),
        Quota("gender", "f", "opening", min_share=0.5),
    )
    policy = Policy(quotas=quotas, locks=(("c0", "v1"), ("c1", "v2")))
    result = run_round(cands, opens, policy, taxonomy=TAXONOMY)
    report = report_of(result)
    assert report.status == "relaxed"
    kept, dropped = report.outcomes
    assert (kept.applied, kept.shortfalls) == (quotas[0], ())
    assert dropped.applied is None
    (shortfall,) = dropped.shortfalls
    assert (shortfall.unit, shortfall.best_share) == (None, None)
    assert "cannot all hold together" in shortfall.reason
    assert report.price_of_fairness == 0.0 and report.total == report.unconstrained_total
    assert len(result.assignments) == 3


def test_same_inputs_give_the_same_result_whatever_the_order() -> None:
    policy = Policy(
        quotas=(
            Quota("gender", "f", "programme", min_share=0.4),
            Quota("origin", "TN", "employer", max_share=0.5),
        )
    )
    cands = welders()[0]
    first = run(policy, cands)
    again = run(policy, list(reversed(cands)))
    assert dumps(first) == dumps(again)
    assert first.manifest.output_hash == again.manifest.output_hash


def test_quotas_are_refused_in_the_stable_mode_and_checked() -> None:
    quota = Quota("gender", "f", min_share=0.3)
    with pytest.raises(InvalidRecordError, match="optimal' only") as caught:
        run(Policy(mode="stable", quotas=(quota,)))
    assert caught.value.field == "quotas"
    with pytest.raises(InvalidRecordError) as caught:
        run(Policy(quotas=(quota, Quota("gender", "f", max_share=2.0))))
    assert caught.value.field == "quotas.1.max_share"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"quotas": {"group": "gender"}}, "quotas"),
        ({"quotas": ["gender"]}, "quotas.0"),
        ({"quotas": [{"group": "age", "value": "x", "min_share": 0.1}]}, "quotas.0.group"),
        ({"quotas": [{"group": "gender", "value": 3, "min_share": 0.1}]}, "quotas.0.value"),
        ({"quotas": [{"group": "gender", "value": "f", "min_share": "1/3"}]}, "quotas.0.min_share"),
        ({"quotas": [{"group": "gender", "value": "f", "max_share": 1.2}]}, "quotas.0.max_share"),
        ({"quotas": [{"group": "gender", "value": "f", "share": 0.2}]}, "quotas.0.share"),
        ({"quotas": [{"group": "gender", "value": "f", "scope": "city", "max_share": 1}]},
         "quotas.0.scope"),
        ({"quotas": [{"group": "gender", "value": "f"}]}, "quotas.0"),
        ({"mode": "stable", "quotas": [{"group": "gender", "value": "f", "max_share": 1}]},
         "quotas"),
        ({"unreachable_quotas": "ignore"}, "unreachable_quotas"),
    ],
)  # fmt: skip
def test_policy_json_errors_name_the_quota_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecordError) as caught:
        policy_from_dict(raw)
    assert (caught.value.record, caught.value.field) == ("policy", field)


def test_policy_json_round_trips_and_the_report_is_written(tmp_path: Path) -> None:
    raw = {
        "quotas": [
            {"group": "gender", "value": "f", "min_share": 0.3},
            {"group": "origin", "value": "TN", "scope": "employer", "max_share": 0.5},
        ],
        "unreachable_quotas": "fail",
    }
    policy = policy_from_dict(raw)
    assert policy.quotas == (
        Quota("gender", "f", "programme", min_share=0.3),
        Quota("origin", "TN", "employer", max_share=0.5),
    )
    assert policy.unreachable_quotas == "fail"
    result = run(policy)
    assert policy_from_dict(result.manifest.policy) == policy
    write_result(result, tmp_path / "out.json")
    written = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    quotas = written["manifest"]["quotas"]
    assert quotas["status"] == "met"
    assert quotas["price_of_fairness"] == pytest.approx(
        quotas["unconstrained_total"] - quotas["total"]
    )
    assert quotas["outcomes"][1]["quota"]["scope"] == "employer"


def test_with_quotas_training_openings_are_ordinary_openings() -> None:
    # A training that teaches s02, s03 and feeds v1: without quotas c1 (s01 only) trains
    # for v1.
    cands = [candidate("c1", ["s01"], gender="f")]
    job = opening("v1", ["s02", "s03"], capacity=1)
    training = dataclasses.replace(
        opening("t1", ["s01"], kind="training"), teaches=(S("s02"), S("s03")), feeds=("v1",)
    )
    plain = run_round(cands, [job, training], Policy(), taxonomy=TAXONOMY)
    assert [a.training is not None for a in plain.assignments] == [True]
    quota = Quota("gender", "f", min_share=0.5)
    result = run_round(cands, [job, training], Policy(quotas=(quota,)), taxonomy=TAXONOMY)
    assert [(a.opening, a.training) for a in result.assignments] == [("t1", None)]
    assert report_of(result).status == "met"
    broken = dataclasses.replace(training, feeds=("nowhere",))
    with pytest.raises(InvalidRecordError):  # train-to-hire links are still checked
        run_round(cands, [job, broken], Policy(quotas=(quota,)), taxonomy=TAXONOMY)
