"""Names of languages as candidates and employers write them, mapped to language codes.

``LANGUAGE_NAMES`` lists, per language, its names in French, English, Arabic, German, Spanish and
Italian (folded: lower case, no accents; Arabic with ``أ/إ/آ→ا`` and ``ة→ه``). Codes are
ISO 639-1 where one exists; Amazigh/Berber has none and uses ISO 639-3 ``zgh`` (Standard Moroccan
Tamazight), which also stands for Tachelhit, Tarifit and Kabyle mentions. ISO codes written in
capitals (``EN``, ``FR``…) are recognised as names too; lower-case two-letter words are not
(``de``, ``en``, ``it`` are ordinary words).

Arabic names are stems: the article ``ال``, a clitic ``و/ب/ل/ف`` and the feminine ending ``ه``
are optional around them (``الإنجليزية``, ``بالانجليزية``, ``انجليزي``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from skills_taxonomy._text import fold_with_offsets, require_str

__all__ = [
    "LANGUAGE_CODE_PATTERN",
    "LANGUAGE_NAMES",
    "LanguageMention",
    "find_language_mentions",
    "language_codes",
]

#: A language code as the normaliser takes it from a caller (API, command line): ISO 639-1, or
#: three letters where there is none (``zgh``); lower case.
LANGUAGE_CODE_PATTERN = r"^[a-z]{2,3}$"

#: (code, Latin-script names, Arabic stems). Latin names are folded; several words allowed.
LANGUAGE_NAMES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("ar", ("arabe", "arabic", "arabisch", "arabo", "darija", "arabe dialectal",
            "arabe classique", "arabe litteraire", "modern standard arabic"),
     ("عربي", "دارج")),
    ("fr", ("francais", "french", "franzosisch", "frances", "francese"), ("فرنسي",)),
    ("en", ("anglais", "english", "englisch", "ingles", "inglese"),
     ("انجليزي", "انكليزي", "انقليزي")),
    ("de", ("allemand", "german", "deutsch", "aleman", "tedesco"), ("الماني",)),
    ("es", ("espagnol", "spanish", "spanisch", "espanol", "castellano", "spagnolo"),
     ("اسباني",)),
    ("it", ("italien", "italian", "italienisch", "italiano"), ("ايطالي",)),
    ("nl", ("neerlandais", "hollandais", "flamand", "dutch", "flemish", "niederlandisch",
            "hollandisch", "flamisch", "neerlandes", "holandes", "flamenco", "olandese",
            "neerlandese", "fiammingo"),
     ("هولندي",)),
    ("pt", ("portugais", "portuguese", "portugiesisch", "portugues", "portoghese"),
     ("برتغالي",)),
    ("tr", ("turc", "turque", "turkish", "turkisch", "turco"), ("تركي",)),
    ("zgh", ("amazigh", "tamazight", "tamazirt", "berbere", "berber", "berberisch", "bereber",
             "berbero", "tachelhit", "tachelhite", "tashelhit", "chleuh", "tarifit", "rifain",
             "kabyle", "kabyl"),
     ("امازيغي", "بربري", "تمازيغت", "تشلحيت")),
)  # fmt: skip

_ISO_CAPS: tuple[str, ...] = ("AR", "FR", "EN", "DE", "ES", "IT", "NL", "PT", "TR")
# A capitalised code counts only in a level context ("EN: B2", "DE-C1", "(FR)"): in upper-case
# lines "EN", "DE", "ES" are ordinary words.
_ISO = "|".join(_ISO_CAPS)
_ISO_RE = re.compile(
    rf"(?<![A-Za-z])(?P<a>{_ISO})(?=\s*[:=\-–(]?\s*(?:[ABCabc][12]|[Nn]ative|[Nn]atif))"
    rf"|\((?P<b>{_ISO})\)"
)


@dataclass(frozen=True, slots=True)
class LanguageMention:
    """A language named in a text: its code and the span ``text[start:end]`` that names it."""

    code: str
    start: int
    end: int


def language_codes() -> tuple[str, ...]:
    """Every code ``find_language_mentions`` can return."""
    return tuple(code for code, _, _ in LANGUAGE_NAMES)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for code, latin, arabic in LANGUAGE_NAMES:
        names = sorted(latin, key=len, reverse=True)
        latin_alt = "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names)
        # French/Spanish plural and feminine forms (anglaise(s), francesa, espanola…) and German
        # compounds with "-kenntnisse" (Deutschkenntnisse).
        latin_re = rf"(?<![^\W\d_])(?:{latin_alt})(?:e|es|s|a|as|kenntnisse)?(?![^\W\d_])"
        arabic_alt = "|".join(re.escape(s) for s in sorted(arabic, key=len, reverse=True))
        arabic_re = rf"(?<!\w)[وبلف]?(?:ال)?(?:{arabic_alt})ه?(?!\w)"
        compiled.append((code, re.compile(f"{latin_re}|{arabic_re}")))
    return tuple(compiled)


def find_language_mentions(text: str) -> tuple[LanguageMention, ...]:
    """Every language named in ``text``, in order of position (spans index the original text).

    >>> [m.code for m in find_language_mentions("Allemand B1, anglais courant, العربية")]
    ['de', 'en', 'ar']
    """
    require_str(text, func="find_language_mentions")
    folded, offsets = fold_with_offsets(text)
    found: list[LanguageMention] = []
    for code, pattern in _patterns():
        for match in pattern.finditer(folded):
            start = offsets[match.start()]
            end = offsets[match.end() - 1] + 1
            found.append(LanguageMention(code, start, end))
    for match in _ISO_RE.finditer(text):
        code = match.group("a") or match.group("b")
        start = match.start("a") if match.group("a") else match.start("b")
        found.append(LanguageMention(code.lower(), start, start + 2))
    found.sort(key=lambda m: (m.start, -m.end))
    kept: list[LanguageMention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return tuple(kept)
