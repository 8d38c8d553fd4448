"""Build ``skills_taxonomy/data/langprofile.json``, the character model of ``langdetect``.

Run: ``.venv/bin/python -m benchmarks.build_langprofile [--esco DIR] [--out PATH]``

Training text (ESCO, © European Union, reuse under Decision 2011/833/EU — see the ESCO
SOURCE.md; labels used unchanged as training text, only n-gram statistics are shipped):

* en: occupations_en + skills_en (preferred and alternative labels)
* fr: fr/occupations_fr + fr/skills_fr_labels_merged + fr collections
* de, es: {de,es}/occupations + skill groups + skill collections (ESCO v1.2.0)
* it: the hand-written ``benchmarks.langdetect_seed_it`` (no Italian ESCO file is available)

Concepts are split by a hash of their URI: ``is_held_out(uri)`` (about 20 %) are **never** used
for the profile; ``benchmarks.bench_langdetect`` measures accuracy on exactly those labels.
The ``TOP_NGRAMS`` most frequent n-grams and ``TOP_WORDS`` most frequent words of each language
are kept, each with a Dirichlet-smoothed log-probability for every language (prior strength
``MU``, prior = the mean of the languages' distributions; see ``_profile_dict``), stored as
integers ``round(logp * SCALE)``. ``temperature`` (posterior = softmax(log-likelihood / T)) is
the value of ``TEMPERATURES`` with the least log-loss on a validation fold of the training
concepts (``_is_validation``), scored by a profile built without that fold. ``MU``,
``TOP_NGRAMS`` and ``TOP_WORDS`` were chosen on that validation fold (accuracy, size < 1 MB)
and on a hand-written Italian check list, never on the held-out fold.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.langdetect_seed_it import ITALIAN_SEED
from skills_taxonomy.langdetect import _log_likelihoods, _profile_from_raw, text_features

__all__ = ["build_profile", "fit_temperature", "is_held_out", "labelled_concepts", "main"]

NGRAM_MAX = 4
TOP_NGRAMS = 6000
TOP_WORDS = 1500
MU = 1000.0  # Dirichlet prior strength (in feature counts)
SCALE = 100  # log-probabilities are stored as integers: round(logp * SCALE)
TEMPERATURES: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0)
DEFAULT_ESCO = Path("/work/shared/data/esco")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "skills_taxonomy" / "data" / "langprofile.json"

# (language, file relative to the ESCO folder); every file has conceptUri/preferredLabel/altLabels.
SOURCES: tuple[tuple[str, str], ...] = (
    ("en", "occupations_en.csv.gz"),
    ("en", "skills_en.csv.gz"),
    ("fr", "fr/occupations_fr.csv.gz"),
    ("fr", "fr/skills_fr_labels_merged.csv.gz"),
    ("fr", "fr/skillGroups_fr.csv.gz"),
    ("de", "de/occupations_de.csv.gz"),
    ("de", "de/skillGroups_de.csv.gz"),
    ("de", "de/digitalSkillsCollection_de.csv.gz"),
    ("de", "de/greenSkillsCollection_de.csv.gz"),
    ("de", "de/languageSkillsCollection_de.csv.gz"),
    ("de", "de/transversalSkillsCollection_de.csv.gz"),
    ("es", "es/occupations_es.csv.gz"),
    ("es", "es/skillGroups_es.csv.gz"),
    ("es", "es/digitalSkillsCollection_es.csv.gz"),
    ("es", "es/greenSkillsCollection_es.csv.gz"),
    ("es", "es/languageSkillsCollection_es.csv.gz"),
    ("es", "es/transversalSkillsCollection_es.csv.gz"),
)


def is_held_out(uri: str) -> bool:
    """True for the ~20 % of concepts reserved for evaluation (stable across runs and languages)."""
    return hashlib.md5(uri.encode("utf-8")).digest()[0] < 52


def _split_alt(cell: str) -> list[str]:
    parts = cell.replace("|", "\n").split("\n")
    return [p.strip() for p in parts if p.strip()]


def labelled_concepts(esco: Path) -> Iterator[tuple[str, str, str]]:
    """Yield ``(language, concept_uri, label)`` for every label of every ``SOURCES`` file."""
    for lang, rel in SOURCES:
        with gzip.open(esco / rel, "rb") as fh:
            reader = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))
            for row in reader:
                uri = row["conceptUri"]
                labels = [row.get("preferredLabel") or ""]
                labels += _split_alt(row.get("altLabels") or "")
                for label in labels:
                    # German/French gendered pairs "Schweißer/Schweißerin" are two labels.
                    for piece in label.split("/") if lang in {"de", "fr"} else [label]:
                        if piece.strip():
                            yield lang, uri, piece.strip()


def _counts(texts: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    grams: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for text in texts:
        for feature in text_features(text, ngram_max=NGRAM_MAX):
            (words if feature.startswith("w:") else grams)[feature] += 1
    return grams, words


def _is_validation(uri: str) -> bool:
    """A further ~15 % of the training concepts, used only to fit the temperature."""
    return 52 <= hashlib.md5(uri.encode("utf-8")).digest()[0] < 90


def _profile_dict(labelled: Iterable[tuple[str, str, str]], *, mu: float = MU) -> dict[str, Any]:
    """Dirichlet-smoothed log-probabilities of the kept features, for every language.

    ``p_l(f) = (c_l(f) + mu * p_pool(f)) / (N_l + mu)`` where ``p_pool`` is the mean of the
    languages' own distributions: a language with little text (Italian) falls back on the
    pooled estimate instead of getting an over-generous floor or over-sharp seen n-grams.
    """
    texts: dict[str, list[str]] = {}
    for lang, _, label in labelled:
        texts.setdefault(lang, []).append(label)
    counted = {lang: _counts(dict.fromkeys(labels)) for lang, labels in texts.items()}
    counted["it"] = _counts(ITALIAN_SEED)
    languages = sorted(counted)
    merged = {lang: grams + words for lang, (grams, words) in counted.items()}
    totals = {lang: sum(c.values()) for lang, c in merged.items()}
    kept: set[str] = set()
    for grams, words in counted.values():
        kept.update(f for f, _ in grams.most_common(TOP_NGRAMS))
        kept.update(f for f, _ in words.most_common(TOP_WORDS))
    features: dict[str, list[float]] = {}
    for feature in sorted(kept):
        pooled = sum(merged[lang][feature] / totals[lang] for lang in languages) / len(languages)
        features[feature] = [
            round(SCALE * math.log((merged[lang][feature] + mu * pooled) / (totals[lang] + mu)))
            for lang in languages
        ]
    return {
        "ngram_max": NGRAM_MAX,
        "temperature": 1.0,
        "scale": SCALE,
        "about": "character n-gram naive-Bayes profile; built by benchmarks/build_langprofile.py "
        "from ESCO labels (© European Union, Decision 2011/833/EU; modified: only n-gram "
        "statistics kept) and a hand-written Italian seed list",
        "training_lines": {
            lang: len(ITALIAN_SEED) if lang == "it" else len(set(texts[lang])) for lang in languages
        },
        "languages": languages,
        "features": features,
    }


def fit_temperature(raw: dict[str, Any], rows: Sequence[tuple[str, str]]) -> float:
    """The temperature (on ``TEMPERATURES``) minimising the log-loss of ``rows`` (gold, text)."""
    profile = _profile_from_raw(raw)
    langs = profile.languages
    scored = [
        (langs.index(gold), s)
        for gold, text in rows
        if (s := _log_likelihoods(profile, text, langs)) is not None
    ]

    def log_loss(temperature: float) -> float:
        total = 0.0
        for gold, scores in scored:
            scaled = scores / temperature
            top = float(scaled.max())
            total -= float(scaled[gold]) - top - math.log(float(np.exp(scaled - top).sum()))
        return total / max(len(scored), 1)

    return min(TEMPERATURES, key=log_loss)


def build_profile(esco: Path) -> dict[str, Any]:
    """The profile as a JSON-ready dict, built from the training split only.

    The temperature is fitted on a validation fold with a profile built without that fold; the
    shipped counts then use the whole training split.
    """
    labelled = [row for row in labelled_concepts(esco) if not is_held_out(row[1])]
    fold = _profile_dict(row for row in labelled if not _is_validation(row[1]))
    validation = sorted({(lang, label) for lang, uri, label in labelled if _is_validation(uri)})
    temperature = fit_temperature(fold, validation)
    profile = _profile_dict(labelled)
    profile["temperature"] = temperature
    return profile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--esco", type=Path, default=DEFAULT_ESCO)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    profile = build_profile(args.esco)
    args.out.write_text(
        json.dumps(profile, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
