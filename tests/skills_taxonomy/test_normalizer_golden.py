"""Golden outputs of the normaliser: speed work must not change a single result.

``normalizer_golden.json`` holds ~300 lines (hand-written agency lines in fr/ar/en and noisy
ESCO labels generated here with a fixed seed — never dev rows) with the top-10 answer recorded
by the code *before* the vectorisation work: URI, matched label, rounded score, method, plus the
detected language and resolution. The test asserts the current code gives exactly the same,
in one batch and in scattered small batches.

Regenerate only for an intended change of results (and say so in the commit):

    .venv/bin/python -m tests.skills_taxonomy.test_normalizer_golden --write
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from skills_taxonomy.normalizer import Kind, NormalizedText, Normalizer
from tests.skills_taxonomy.normalizer_fixture import shared_normalizer

GOLDEN_PATH = Path(__file__).with_name("normalizer_golden.json")
TOP_K = 10

#: (text, kind, lang given or None), written by hand.
HANDWRITTEN: tuple[tuple[str, Kind, str | None], ...] = (
    ("soudeur TIG H/F", "occupation", None),
    ("Soudeuse (h/f/x) - URGENT", "occupation", "fr"),
    ("Aide-soignant(e) CDI", "occupation", None),
    ("infirmier(ère) de nuit", "occupation", "fr"),
    ("Serveur/euse en restauration", "occupation", None),
    ("Développeuse Web junior - Casablanca", "occupation", None),
    ("Tech. sup. en maintenance industrielle", "occupation", "fr"),
    ("Technicien spécialisé électromécanique", "occupation", None),
    ("boulangère pâtissière", "occupation", None),
    ("Plombier chauffagiste confirmé", "occupation", "fr"),
    ("maçon coffreur", "occupation", None),
    ("Comptable (h/f) temps plein", "occupation", None),
    ("chauffeur poids lourd CE", "occupation", "fr"),
    ("Conducteur d'engins de chantier", "occupation", None),
    ("agent de sécurité", "occupation", None),
    ("femme de chambre hôtel 5 étoiles", "occupation", None),
    ("cuisinier polyvalent saisonnier", "occupation", None),
    ("Ouvrier agricole récolte fraises", "occupation", "fr"),
    ("aide à domicile personnes âgées", "occupation", None),
    ("électricien bâtiment", "occupation", None),
    ("resp. logistique entrepôt", "occupation", "fr"),
    ("ingénieur d'état en génie civil", "occupation", None),
    ("Software Eng.", "occupation", "en"),
    ("senior software engineer (m/w/d)", "occupation", None),
    ("Weldr", "occupation", "en"),
    ("manager sales", "occupation", None),
    ("Electrcian - Dubai", "occupation", None),
    ("HGV driver class 1", "occupation", None),
    ("care worker elderly home", "occupation", None),
    ("fruit picker seasonal", "occupation", "en"),
    ("hotel receptionist night shift", "occupation", None),
    ("CNC machinist 5 years experience", "occupation", None),
    ("nurse RN ICU", "occupation", None),
    ("data analyst SQL", "occupation", None),
    ("لحام", "occupation", None),
    ("كهربائي", "occupation", None),
    ("ممرضة", "occupation", None),
    ("سائق شاحنة", "occupation", None),
    ("طباخ في فندق", "occupation", "ar"),
    ("عامل بناء", "occupation", None),
    ("مهندس برمجيات", "occupation", None),
    ("محاسب", "occupation", None),
    ("Elektriker", "occupation", "de"),
    ("camarero", "occupation", None),
    ("xqzt wvvb", "occupation", None),
    ("", "occupation", None),
    ("12345", "occupation", None),
    ("TIG MIG", "occupation", None),
    ("soudure à l'arc", "skill", None),
    ("maîtrise de l'anglais", "skill", "fr"),
    ("compétences en soudure TIG", "skill", None),
    ("conduite d'engins", "skill", None),
    ("gestion de stock", "skill", None),
    ("accueil clientèle", "skill", "fr"),
    ("travail en équipe", "skill", None),
    ("bonne connaissance d'Excel", "skill", None),
    ("hygiène alimentaire HACCP", "skill", None),
    ("lecture de plans", "skill", None),
    ("knowledge of SQL", "skill", None),
    ("strong communication skills", "skill", "en"),
    ("Python", "skill", None),
    ("forklift operation", "skill", None),
    ("first aid", "skill", None),
    ("customer service", "skill", None),
    ("ability to work under pressure", "skill", None),
    ("wound care", "skill", None),
    ("time management", "skill", "en"),
    ("pruning fruit trees", "skill", None),
    ("اللغة الفرنسية", "skill", None),
    ("العمل الجماعي", "skill", None),
    ("الإسعافات الأولية", "skill", "ar"),
    ("قيادة الشاحنات", "skill", None),
    ("Java Spring Boot", "skill", None),
    ("welding", "skill", None),
    ("", "skill", None),
)

_NOISE = ("senior", "junior", "H/F", "(m/w/d)", "urgent", "CDI", "- Casablanca", "confirmé")


def _noisy(label: str, rng: random.Random) -> str:
    words = label.split()
    op = rng.randrange(6)
    if op == 0 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif op == 1:
        words.insert(rng.choice((0, len(words))), rng.choice(_NOISE))
    elif op == 2:
        w = rng.randrange(len(words))
        word = words[w]
        if len(word) > 4:
            i = rng.randrange(1, len(word) - 1)
            words[w] = word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i:]
    elif op == 3 and len(words) > 1:
        rng.shuffle(words)
    elif op == 4:
        words = [w.upper() for w in words]
    return " ".join(words)


def _synthetic(norm: Normalizer, kind: Kind, n: int, seed: int) -> list[tuple[str, Kind, None]]:
    taxonomy = norm.taxonomy
    uris = taxonomy.concepts.filter(pl.col("kind") == kind).select("uri")
    texts = (
        taxonomy.labels.join(uris, on="uri")
        .filter(pl.col("lang").is_in(["en", "fr", "ar"]))
        .sort("uri", "lang", "text")["text"]
        .to_list()
    )
    rng = random.Random(seed)
    return [(_noisy(_noisy(rng.choice(texts), rng), rng), kind, None) for _ in range(n)]


def golden_cases(norm: Normalizer) -> list[tuple[str, Kind, str | None]]:
    return [
        *HANDWRITTEN,
        *_synthetic(norm, "occupation", 115, seed=11),
        *_synthetic(norm, "skill", 115, seed=12),
    ]


def _record(result: NormalizedText) -> dict[str, Any]:
    return {
        "lang": result.lang,
        "resolved": result.resolved,
        "matches": [[m.uri, m.label, m.score, m.method] for m in result.matches],
    }


def run_cases(
    norm: Normalizer, cases: Sequence[tuple[str, Kind, str | None]], *, chunk: int | None = None
) -> list[dict[str, Any]]:
    """Normalise ``cases`` grouped by (kind, lang) — in ``chunk``-sized calls when given."""
    out: list[dict[str, Any] | None] = [None] * len(cases)
    groups: dict[tuple[Kind, str | None], list[int]] = {}
    for i, (_, kind, lang) in enumerate(cases):
        groups.setdefault((kind, lang), []).append(i)
    for (kind, lang), positions in groups.items():
        step = chunk or len(positions)
        for s in range(0, len(positions), step):
            part = positions[s : s + step]
            texts = [cases[i][0] for i in part]
            results = norm.normalize(texts, kind=kind, lang=lang, top_k=TOP_K)
            for i, result in zip(part, results, strict=True):
                out[i] = _record(result)
    return [r for r in out if r is not None]


def _load() -> list[dict[str, Any]]:
    return json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def golden() -> list[dict[str, Any]]:
    return _load()


def _cases(golden: list[dict[str, Any]]) -> list[tuple[str, Kind, str | None]]:
    return [(g["text"], g["kind"], g["given_lang"]) for g in golden]


def test_golden_file_covers_both_kinds_and_scripts(golden: list[dict[str, Any]]) -> None:
    assert len(golden) >= 300
    assert {g["kind"] for g in golden} == {"skill", "occupation"}
    assert {g["lang"] for g in golden} >= {"fr", "ar", "en"}
    assert sum(bool(g["matches"]) for g in golden) >= 290


def test_results_equal_the_golden_file(golden: list[dict[str, Any]]) -> None:
    got = run_cases(shared_normalizer(), _cases(golden))
    for want, have in zip(golden, got, strict=True):
        expected = {k: want[k] for k in ("lang", "resolved", "matches")}
        assert have == expected, want["text"]


def test_small_batches_equal_the_golden_file(golden: list[dict[str, Any]]) -> None:
    got = run_cases(shared_normalizer(), _cases(golden), chunk=7)
    for want, have in zip(golden, got, strict=True):
        assert have["matches"] == want["matches"], want["text"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the golden file")
    args = parser.parse_args(argv)
    norm = shared_normalizer()
    cases = golden_cases(norm)
    rows = [
        {"text": text, "kind": kind, "given_lang": lang, **record}
        for (text, kind, lang), record in zip(cases, run_cases(norm, cases), strict=True)
    ]
    if args.write:
        lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
        GOLDEN_PATH.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{len(rows)} cases{' written to ' + str(GOLDEN_PATH) if args.write else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
