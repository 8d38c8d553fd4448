"""Accuracy of ``skills_taxonomy.langdetect`` against trivial baselines.

Run: ``.venv/bin/python -m benchmarks.bench_langdetect [--per-lang N] [--seed S]``

Sets:
* **held-out ESCO labels** — labels of the concepts ``benchmarks.build_langprofile.is_held_out``
  reserves (never used to build the profile), ``--per-lang`` sampled per language (en/fr/de/es),
  reported overall and by length (1 word / 2-4 words / 5+ words);
* **agency lines** — ``AGENCY_LINES`` below, hand-written agency-style titles/skills/diplomas
  (fr/en/ar/de/es/it), plus mixed lines for ``detect_languages``;
* **MELO queries** (``/work/shared/data/dev``, measurement only) — official national job titles in
  fr/en/de/es/it; the only Italian text we measure on, since the profile's Italian is hand-seeded.

Baselines: ``always-en`` and ``script-only`` (Arabic script → ar, else en), and a
``cue-rules`` baseline (accent/stop-word rules) to show what the n-gram model adds.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.build_langprofile import DEFAULT_ESCO, is_held_out, labelled_concepts
from skills_taxonomy._text import is_arabic_letter
from skills_taxonomy.langdetect import detect_language, detect_languages, language_scores

__all__ = ["AGENCY_LINES", "MIXED_LINES", "main"]

Detector = Callable[[str], str | None]
DEV = Path("/work/shared/data/dev")
MELO = (
    ("fr", "melo_bel_q_fr"),
    ("en", "melo_usa_q_en"),
    ("de", "melo_deu_q_de"),
    ("es", "melo_esp_q_es"),
    ("it", "melo_ita_q_it"),
)

# Hand-written for this benchmark (agency-style profile and vacancy lines).
AGENCY_LINES: tuple[tuple[str, str], ...] = (
    ("fr", "soudeur"),
    ("fr", "aide-soignante"),
    ("fr", "Technicien spécialisé en électromécanique"),
    ("fr", "BTS maintenance industrielle"),
    ("fr", "soudure TIG"),
    ("fr", "développeur full stack"),
    ("fr", "chauffeur poids lourd"),
    ("fr", "maçon coffreur"),
    ("fr", "électricien bâtiment"),
    ("fr", "agent de sécurité"),
    ("fr", "cuisinier"),
    ("fr", "serveuse"),
    ("fr", "femme de ménage"),
    ("fr", "comptable"),
    ("fr", "infirmière polyvalente"),
    ("fr", "conducteur d'engins"),
    ("fr", "ouvrier agricole"),
    ("fr", "plombier chauffagiste"),
    ("fr", "peintre en bâtiment"),
    ("fr", "technicienne de laboratoire"),
    ("fr", "Diplôme de technicien en froid et climatisation"),
    ("fr", "gestion de stock"),
    ("fr", "lecture de plans"),
    ("fr", "permis B"),
    ("en", "welder"),
    ("en", "forklift driver"),
    ("en", "software developer"),
    ("en", "nurse"),
    ("en", "warehouse operative"),
    ("en", "customer service"),
    ("en", "electrician"),
    ("en", "truck driver"),
    ("en", "kitchen assistant"),
    ("en", "cleaner"),
    ("en", "carpenter"),
    ("en", "bachelor of computer science"),
    ("en", "machine operator"),
    ("en", "plumber"),
    ("en", "team leader"),
    ("en", "care worker"),
    ("en", "fluent in English"),
    ("ar", "لحام"),
    ("ar", "تقني متخصص في الكهرباء"),
    ("ar", "ممرضة"),
    ("ar", "سائق شاحنة"),
    ("ar", "مطور برمجيات"),
    ("ar", "بكالوريوس هندسة"),
    ("ar", "عامل بناء"),
    ("ar", "طباخ"),
    ("de", "Schweißer"),
    ("de", "Krankenpfleger"),
    ("de", "Elektroniker für Betriebstechnik"),
    ("de", "Fachinformatiker Anwendungsentwicklung"),
    ("de", "Lagerarbeiter"),
    ("de", "Koch"),
    ("de", "Pflegefachkraft"),
    ("de", "Berufskraftfahrer"),
    ("de", "Maurer"),
    ("de", "Altenpflegerin"),
    ("de", "Gabelstaplerfahrer"),
    ("de", "Kenntnisse in der Metallbearbeitung"),
    ("es", "electricista"),
    ("es", "soldador"),
    ("es", "enfermera"),
    ("es", "camarero"),
    ("es", "albañil"),
    ("es", "conductor de camión"),
    ("es", "auxiliar de enfermería"),
    ("es", "mozo de almacén"),
    ("es", "cocinero"),
    ("es", "técnico de mantenimiento"),
    ("es", "peón agrícola"),
    ("es", "gestión de inventarios"),
    ("it", "saldatore"),
    ("it", "muratore"),
    ("it", "infermiere"),
    ("it", "cameriere di sala"),
    ("it", "magazziniere"),
    ("it", "elettricista industriale"),
    ("it", "autista di camion"),
    ("it", "addetta alle pulizie"),
    ("it", "operaio metalmeccanico"),
    ("it", "cuoco"),
)

MIXED_LINES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("fr", "en", "ar"), "Soudeur TIG / welder, لحام"),
    (("fr", "ar"), "Technicien spécialisé en électricité - تقني متخصص في الكهرباء"),
    (("en", "fr"), "Software developer / développeur logiciel"),
    (("fr", "de"), "aide-soignante (Pflegehelferin)"),
    (("ar", "fr"), "ممرضة، infirmière diplômée d'État"),
    (("de", "en"), "Schweißer; welder"),
    (("es", "fr"), "soldador / soudeur"),
)

_BINS = (0.0, 0.5, 0.7, 0.9, 0.99)
_WORD = re.compile(r"[^\W\d_]+")
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("de", re.compile(r"ß|[äöü]|\b(und|der|die|das|für|mit)\b|ung\b")),
    ("es", re.compile(r"ñ|ción\b|\b(el|los|las|del|y|con)\b|[áíóú]")),
    ("fr", re.compile(r"[éèêçà]|\b(de|la|le|les|des|du|et|en)\b|(eur|euse|ière|ien)\b")),
    ("it", re.compile(r"\b(di|della|delle|il|gli|e|per)\b|(zione|tore|trice)\b")),
)


def always_en(text: str) -> str | None:
    return "en" if _WORD.search(text) else None


def script_only(text: str) -> str | None:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    arabic = sum(is_arabic_letter(ch) for ch in letters)
    return "ar" if arabic * 2 > len(letters) else "en"


def cue_rules(text: str) -> str | None:
    first = script_only(text)
    if first != "en":
        return first
    lowered = text.lower()
    for lang, pattern in _CUES:
        if pattern.search(lowered):
            return lang
    return "en"


def model(text: str) -> str | None:
    return detect_language(text)


DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("always-en", always_en),
    ("script-only", script_only),
    ("cue-rules", cue_rules),
    ("langdetect", model),
)


def _bucket(text: str) -> str:
    n = len(text.split())
    return "1 word" if n == 1 else "2-4 words" if n <= 4 else "5+ words"


def _accuracy(rows: Sequence[tuple[str, str]], detect: Detector) -> float:
    return sum(detect(text) == gold for gold, text in rows) / max(len(rows), 1)


def _report(title: str, rows: Sequence[tuple[str, str]], *, by: Callable[[str, str], str]) -> None:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gold, text in rows:
        groups[by(gold, text)].append((gold, text))
    names = [name for name, _ in DETECTORS]
    print(f"\n### {title} (n={len(rows)})\n")
    print("| group | n | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for key in sorted(groups):
        accs = [f"{_accuracy(groups[key], d):.3f}" for _, d in DETECTORS]
        print(f"| {key} | {len(groups[key])} | " + " | ".join(accs) + " |")
    accs = [f"**{_accuracy(rows, d):.3f}**" for _, d in DETECTORS]
    print(f"| **all** | {len(rows)} | " + " | ".join(accs) + " |")


def _calibration(rows: Sequence[tuple[str, str]]) -> None:
    """Reliability of ``language_scores``: accuracy per confidence bin, and the expected error."""
    bins: dict[float, list[tuple[float, bool]]] = defaultdict(list)
    for gold, text in rows:
        scores = language_scores(text)
        if scores:
            lang = max(scores, key=scores.__getitem__)
            low = next(b for b in reversed(_BINS) if scores[lang] >= b)
            bins[low].append((scores[lang], lang == gold))
    total = sum(len(v) for v in bins.values())
    print("\n### Calibration of language_scores on held-out ESCO labels\n")
    print("| confidence | n | mean confidence | accuracy |")
    print("|---|---:|---:|---:|")
    ece = 0.0
    for low in _BINS:
        if bins[low]:
            conf = sum(c for c, _ in bins[low]) / len(bins[low])
            acc = sum(ok for _, ok in bins[low]) / len(bins[low])
            ece += abs(conf - acc) * len(bins[low]) / total
            print(f"| ≥ {low:.2f} | {len(bins[low])} | {conf:.3f} | {acc:.3f} |")
    print(f"\nexpected calibration error: {ece:.3f}")


def held_out_rows(per_lang: int, seed: int) -> list[tuple[str, str]]:
    by_lang: dict[str, set[str]] = defaultdict(set)
    for lang, uri, label in labelled_concepts(DEFAULT_ESCO):
        if is_held_out(uri):
            by_lang[lang].add(label)
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    for lang in sorted(by_lang):
        labels = sorted(by_lang[lang])
        rows += [(lang, t) for t in rng.sample(labels, min(per_lang, len(labels)))]
    return rows


def melo_rows() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for lang, name in MELO:
        path = DEV / f"{name}.gold.tsv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh, delimiter="\t")
                rows += [(lang, row["query_text"]) for row in reader]
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="language detection accuracy vs baselines")
    parser.add_argument("--per-lang", type=int, default=2000, help="held-out labels per language")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    held = held_out_rows(args.per_lang, args.seed)
    _report("Held-out ESCO labels, by language", held, by=lambda g, t: g)
    _report("Held-out ESCO labels, by length", held, by=lambda g, t: _bucket(t))
    _report("Hand-written agency lines, by language", AGENCY_LINES, by=lambda g, t: g)
    melo = melo_rows()
    if melo:
        _report(
            "MELO national job titles (dev, measurement only), by language", melo, by=lambda g, t: g
        )

    exact = sum(detect_languages(line) == gold for gold, line in MIXED_LINES)
    print(f"\n### Mixed lines (detect_languages, exact tuple): {exact}/{len(MIXED_LINES)}\n")
    for gold, line in MIXED_LINES:
        got = detect_languages(line)
        print(f"- {'ok ' if got == gold else 'MISS'} {line!r}: {got} (expected {gold})")

    _calibration(held)

    texts = [t for _, t in held]
    start = time.perf_counter()
    for text in texts:
        detect_language(text)
    elapsed = time.perf_counter() - start
    print(
        f"\nspeed: {len(texts) / elapsed:,.0f} labels/s ({elapsed * 1e6 / len(texts):.0f} µs each)"
    )


if __name__ == "__main__":
    main()
