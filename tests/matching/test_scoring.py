from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matching.features import Features
from matching.records import Candidate, Opening, Policy, Weights
from matching.round import run_round
from matching.scoring import RELATIONS, TERMS, SkillModel, pair_terms, total
from skills_taxonomy.taxonomy import Taxonomy
from tests.matching.factories import S, candidate, opening


def _score(
    taxonomy: Taxonomy, c: Candidate, o: Opening, weights: Weights | None = None
) -> tuple[float, dict[str, float]]:
    w = weights or Weights()
    f = Features.build([c], [o])
    m = SkillModel.build(f, taxonomy, w)
    ex = m.expand(np.array([0]), provenance=False)
    zero = np.array([0])
    ess = m.pair_coverage(ex, m.essential, zero, zero)
    opt = m.pair_coverage(ex, m.optional, zero, zero)
    terms = pair_terms(f, w, zero, zero, ess, opt)
    return float(total(terms)[0]), {n: float(t[0]) for n, t in zip(TERMS, terms, strict=True)}


def test_direct_skills_cover_their_share(taxonomy: Taxonomy) -> None:
    c = candidate("c1", ["s01", ("s03", 0.5)], eqf=0)
    o = opening("v1", ["s01", "s02", "s03", "s09"], ["s10"])
    _, terms = _score(taxonomy, c, o, Weights(sibling=0.0))
    assert terms["essential_skills"] == pytest.approx(0.6 * (1.0 + 0.5) / 4)
    _, terms = _score(taxonomy, c, o)  # s02 sibling of s01, s09 sibling of s03
    assert terms["essential_skills"] == pytest.approx(0.6 * (1.0 + 0.4 + 0.5 + 0.5 * 0.4) / 4)
    assert terms["optional_skills"] == pytest.approx(0.15 * 0.5 * 0.4)  # s10 sibling of s03


def test_sibling_narrower_broader_and_related_credit(taxonomy: Taxonomy) -> None:
    w = Weights()
    cases = [
        ("s02", "s01", w.sibling),  # s01 and s02 share skill group g1
        ("s05", "s04", w.narrower),  # holds Java, needs programming
        ("s04", "s05", w.broader),  # holds programming, needs Java
        ("s07", "s08", w.related_essential),  # ESCO skill→skill relation
        ("s08", "s07", w.related_essential),  # either direction
    ]
    for held, needed, factor in cases:
        _, terms = _score(taxonomy, candidate("c", [held], eqf=0), opening("v", [needed]))
        assert terms["essential_skills"] == pytest.approx(w.essential * factor), (held, needed)


def test_partial_credit_never_beats_the_direct_level(taxonomy: Taxonomy) -> None:
    c = candidate("c", [("s01", 0.3), "s02"], eqf=0)
    _, terms = _score(taxonomy, c, opening("v", ["s01"]))
    assert terms["essential_skills"] == pytest.approx(0.6 * max(0.3, 0.4))


def test_past_occupation_implies_its_essential_skills(taxonomy: Taxonomy) -> None:
    c = candidate("c", [], occupations=["welder"], eqf=0)
    _, terms = _score(taxonomy, c, opening("v", ["s01", "s02", "s03"]))
    assert terms["essential_skills"] == pytest.approx(0.6 * 0.6)


def test_unrelated_skill_scores_nothing(taxonomy: Taxonomy) -> None:
    _, terms = _score(taxonomy, candidate("c", ["s12"], eqf=0), opening("v", ["s09"]))
    assert terms["essential_skills"] == 0.0


def test_bounded_terms(taxonomy: Taxonomy) -> None:
    c = candidate(
        "c",
        ["s01"],
        languages={"de": "C2"},
        eqf=7,
        experience_years=100,
        destinations=["FR", "DE"],
    )
    o = opening("v", ["s01"], min_languages={"de": "B1"}, min_eqf=4, country="DE")
    _, terms = _score(taxonomy, c, o)
    w = Weights()
    assert terms["language"] == pytest.approx(w.language)  # margin capped
    assert terms["eqf"] == pytest.approx(w.eqf)
    assert terms["experience"] == pytest.approx(w.experience)
    assert terms["destination"] == pytest.approx(w.destination / 2)  # second choice


def test_language_margin_is_the_smallest_over_required_languages(taxonomy: Taxonomy) -> None:
    c = candidate("c", ["s01"], languages={"de": "B2", "en": "C2"})
    o = opening("v", ["s01"], min_languages={"de": "B1", "en": "B1"})
    _, terms = _score(taxonomy, c, o)
    assert terms["language"] == pytest.approx(Weights().language / 2)


@pytest.mark.parametrize("seed", range(5))
def test_breakdown_sums_exactly_to_the_score(taxonomy: Taxonomy, seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = [f"s{k:02d}" for k in range(1, 13)]
    cands = [
        candidate(
            f"c{i}",
            [(n, float(rng.uniform(0.1, 1))) for n in rng.choice(names, 4, replace=False)],
            languages={"de": str(rng.choice(["A2", "B1", "B2", "C1"]))},
            eqf=int(rng.integers(3, 8)),
            experience_years=float(rng.uniform(0, 10)),
            destinations=list(rng.choice(["DE", "FR", "IT"], 2, replace=False)),
        )
        for i in range(12)
    ]
    opens = [
        opening(
            f"v{j}",
            list(rng.choice(names, 3, replace=False)),
            capacity=2,
            country=str(rng.choice(["DE", "FR", "IT"])),
            min_languages={"de": "A2"},
        )
        for j in range(5)
    ]
    result = run_round(cands, opens, Policy(), taxonomy=taxonomy)
    assert result.assignments
    for a in result.assignments:
        assert sum(v for _, v in a.explanation.terms) == a.score
        assert [n for n, _ in a.explanation.terms] == list(TERMS)


def test_gender_and_origin_never_change_a_score(taxonomy: Taxonomy) -> None:
    base = [candidate(f"c{i}", ["s01", "s02"], gender="f", origin="MA") for i in range(4)]
    other = [dataclasses.replace(c, gender="m", origin="EG") for c in base]
    opens = [opening("v1", ["s01", "s02", "s03"], capacity=2), opening("v2", ["s01"])]
    a = run_round(base, opens, Policy(), taxonomy=taxonomy)
    b = run_round(other, opens, Policy(), taxonomy=taxonomy)
    assert a.edges.equals(b.edges)
    assert [(x.candidate, x.opening, x.score) for x in a.assignments] == [
        (x.candidate, x.opening, x.score) for x in b.assignments
    ]


def test_relation_names_are_documented() -> None:
    assert set(RELATIONS) == {
        "narrower",
        "broader",
        "sibling",
        "related_essential",
        "related_optional",
    }
    assert S("s01").startswith("http://data.europa.eu/esco/skill/")


def test_skill_less_candidate_block(taxonomy: Taxonomy) -> None:
    """Regression: ``expand`` on a block whose candidates hold no skill at all (no claimed
    skill, no past occupation) raised ``IndexError`` (an empty key array given one group)."""
    cands = [candidate("c0", ["s01"]), candidate("c1", []), candidate("c2", [])]
    f = Features.build(cands, [opening("v", ["s01"])])
    m = SkillModel.build(f, taxonomy, Weights())
    block = np.array([1, 2])
    for provenance in (False, True):
        ex = m.expand(block, provenance=provenance)
        assert ex.row.size == ex.skill.size == ex.level.size == 0
        assert m.effective(ex, len(block)).nnz == 0
        zeros = np.zeros(2, dtype=np.intp)
        assert m.pair_coverage(ex, m.essential, np.arange(2), zeros).tolist() == [0.0, 0.0]
    # and a round whose candidates all lack skills runs (nobody shortlisted on skills) ...
    result = run_round(cands[1:], [opening("v", ["s01"])], Policy(), taxonomy=taxonomy)
    assert not result.assignments
    # ... also when staff locked one of them: its explanation lists the skill as missing
    policy = Policy(locks=(("c1", "v"),))
    result = run_round(cands[1:], [opening("v", ["s01"])], policy, taxonomy=taxonomy)
    [placed] = result.assignments
    assert (placed.candidate, placed.opening) == ("c1", "v")
    assert dict(placed.explanation.terms)["essential_skills"] == 0.0
    assert [ref.uri for ref in placed.explanation.missing_essential] == [S("s01")]
