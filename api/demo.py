"""``make demo``: normalise a few candidate lines as recruiting agencies write them.

Prints, for each line, the ESCO concepts found (or that it is unresolved), and the language
levels and EQF levels read from language and diploma lines. Later issues extend this into a
whole demo programme served over HTTP.
"""

from __future__ import annotations

import time

from skills_taxonomy.cefr import parse_language_levels
from skills_taxonomy.eqf import parse_eqf
from skills_taxonomy.normalizer import Normalizer
from skills_taxonomy.taxonomy import Taxonomy

#: (kind, text) as agencies in Morocco, Tunisia and Egypt write them.
DEMO_LINES: tuple[tuple[str, str], ...] = (
    ("occupation", "Technicien spécialisé en électromécanique"),
    ("occupation", "soudeur TIG H/F"),
    ("occupation", "لحام"),
    ("occupation", "aide-soignante"),
    ("occupation", "infirmier(ère)"),
    ("occupation", "développeur full stack"),
    ("occupation", "Senior electrician (urgent)"),
    ("skill", "soudure TIG"),
    ("skill", "maintenance industrielle"),
    ("skill", "bricklaying"),
    ("skill", "JavaScript"),
)
LANGUAGE_LINES: tuple[str, ...] = (
    "Allemand B1 (Goethe), anglais courant, arabe langue maternelle",
    "DELF B2",
    "العربية: اللغة الأم",
)
DIPLOMA_LINES: tuple[str, ...] = (
    "BTS maintenance industrielle",
    "Technicien Spécialisé (OFPPT) en électromécanique",
    "Licence professionnelle en informatique",
)


def main() -> int:
    started = time.perf_counter()
    taxonomy = Taxonomy.load_bundled()
    normalizer = Normalizer(taxonomy)
    print(f"{taxonomy.version}: index ready in {time.perf_counter() - started:.1f} s")
    print("This service uses the ESCO classification of the European Commission.\n")
    for kind in ("occupation", "skill"):
        texts = [text for k, text in DEMO_LINES if k == kind]
        for result in normalizer.normalize(texts, kind=kind, top_k=3):  # type: ignore[arg-type]
            state = "resolved" if result.resolved else "UNRESOLVED"
            print(f"[{kind}] {result.text!r} ({result.lang or '?'}, {state})")
            for match in result.matches:
                print(f"    {match.score:.2f} {match.method:<8} {match.label}  <{match.uri}>")
    print()
    for line in LANGUAGE_LINES:
        levels = ", ".join(f"{lv.language}={lv.level}" for lv in parse_language_levels(line))
        print(f"[languages] {line!r} -> {levels or 'nothing recognised'}")
    for line in DIPLOMA_LINES:
        eqf = parse_eqf(line)
        found = f"EQF {eqf.level} ({eqf.qualification})" if eqf else "not recognised"
        print(f"[diploma] {line!r} -> {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
