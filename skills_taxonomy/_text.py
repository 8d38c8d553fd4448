"""Small text helpers shared by the pure parsers (language detection, CEFR, EQF).

Private: the public API lives in ``langdetect``, ``cefr`` and ``eqf``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["ARABIC_RE", "LATIN_RE", "fold", "fold_with_offsets", "is_arabic_letter", "require_str"]

# Arabic script blocks: Arabic, Arabic Supplement, Arabic Extended-A, Presentation Forms A and B.
_ARABIC_BLOCKS: tuple[tuple[int, int], ...] = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)

# Any character of those blocks / of the Latin blocks (letters or not: callers filter isalpha).
ARABIC_RE = re.compile("[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _ARABIC_BLOCKS) + "]")
LATIN_RE = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")

# Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef) and tatweel: dropped by fold.
_ARABIC_MARKS = frozenset(chr(c) for c in (*range(0x064B, 0x0660), 0x0670, 0x0640))
# Letter variants folded to one form so that lexicon look-ups ignore spelling variation.
_ARABIC_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def require_str(value: object, *, func: str) -> str:
    """Return ``value`` if it is a ``str``; otherwise raise ``TypeError`` naming what was given."""
    if not isinstance(value, str):
        raise TypeError(f"{func}() expects text as str, got {type(value).__name__}: {value!r:.60}")
    return value


def is_arabic_letter(ch: str) -> bool:
    """True for a letter of the Arabic script (not digits, punctuation or diacritics)."""
    return ch.isalpha() and ARABIC_RE.match(ch) is not None


def fold(text: str) -> str:
    """Lower-case, strip Latin accents and Arabic diacritics, unify Arabic letter variants.

    ``ß`` is kept (``str.lower`` not ``casefold``) so German cues survive; ``ø``/``æ`` are kept.
    """
    if text.isascii():  # nothing to decompose, strip or unify: the same result, faster
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.lower())
    kept = "".join(
        ch for ch in decomposed if not unicodedata.combining(ch) and ch not in _ARABIC_MARKS
    )
    return unicodedata.normalize("NFC", kept).translate(_ARABIC_VARIANTS)


def fold_with_offsets(text: str) -> tuple[str, tuple[int, ...]]:
    """``fold`` applied character by character, with the index in ``text`` of every output char.

    Lets a parser match patterns on folded text and still report spans of the original text.
    The result equals ``fold(text)`` except where folding depends on neighbouring characters
    (precomposed vs combining sequences fold the same way, so in practice it does not).
    """
    if text.isascii():
        return text.lower(), tuple(range(len(text)))
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        out = _fold_char(ch)
        chars.append(out)
        offsets.extend([index] * len(out))
    return "".join(chars), tuple(offsets)


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return fold(ch)
