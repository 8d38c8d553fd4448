"""EQF level (1-8) of a diploma named in free text: "BTS maintenance", "Bac+5", "ماجستير".

``parse_eqf(text)`` returns the **highest** level among the qualifications a line names (a CV
line often lists a path: "Bac, DUT, Licence pro"), or ``None`` when it names none it knows.
``find_qualifications(text)`` returns every recognised qualification, in order of position.

Where the levels come from (``QUALIFICATIONS`` below holds one row per name, with its basis):

* **France** referenced its framework to the EQF, and the decree n° 2019-14 of 8 January 2019
  aligned the national nomenclature on it: CAP/BEP = 3, Bac (général, technologique,
  professionnel), BT, BP = 4, Bac+2 (BTS, DUT, DEUG, DEUST) = 5, Bac+3/4 (Licence, Licence pro,
  Maîtrise) = 6, Bac+5 (Master, diplôme d'ingénieur, DESS/DEA) = 7, Doctorat = 8. Maghreb
  diplomas with the same names and the same study lengths get the same levels.
* **Morocco** (Cadre National des Certifications, 8 levels) and **Tunisia** (Classification
  Nationale des Qualifications, decree 2009-2139, 7 levels) and **Egypt** (NQF drafted by
  NAQAAE, 8 levels) have **no EQF referencing report**: referencing is open to EU/EEA and
  candidate countries only. The ETF's Global Inventory of Qualifications Frameworks describes
  their levels; the rows below map each diploma by its entry requirement and study length onto
  the French-aligned ladder — a documented **convention**, not an official equivalence:
  OFPPT Spécialisation = 2, Qualification / CAP = 3, Technicien (Bac level) = 4,
  Technicien Spécialisé and Technicien supérieur (Bac+2) = 5, Licence / الإجازة = 6,
  Master / Mastère / Ingénieur d'État / Diplôme national d'ingénieur = 7, Doctorat = 8;
  Tunisia BTP = 4, BTS = 5; Egypt Thanaweya Amma (general secondary) = 4, three-year technical
  secondary diploma (دبلوم فني / صنايع / تجارة) = 3, two-year technical institute = 5,
  Bachelor / Licence (ليسانس) = 6, Higher Diploma (دبلوم عالي, one postgraduate year) = 7 at
  low confidence, Magister / Master = 7, PhD = 8.
* **English names**: UK RQF levels are referenced to EQF (RQF 3 = EQF 4, RQF 5 = EQF 5, RQF 6 =
  EQF 6, RQF 7 = EQF 7, RQF 8 = EQF 8); a US/international high-school diploma is read as EQF 4
  and an associate degree as EQF 5 (convention).
* A bare "diplôme/diploma" names no level and is not matched; a bare "دبلوم" is read as the
  Egyptian technical-secondary diploma (3) at low confidence, its most common bare use.
* "Niveau bac" (the final school year attended, without the diploma) is 3 by convention.

Patterns run on folded text (lower case, no accents, Arabic letter variants unified); rows
marked case-sensitive (short capitals such as ``BA``, ``MA``, ``LP``) run on the original; ``BA``
and ``MA`` count only dotted (``B.A.``) or followed by "in/of/(" ("MA in Economics"), since
"MA" is also Morocco's country code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from skills_taxonomy._text import fold_with_offsets, require_str

__all__ = ["QUALIFICATIONS", "EqfLevel", "find_qualifications", "parse_eqf"]

_FR = "France, decree 2019-14 (EQF-aligned)"
_MA = "Morocco CNC, convention"
_TN = "Tunisia CNQ, convention"
_EG = "Egypt, convention"
_UK = "UK RQF referencing"
_CV = "convention"
_AR = r"[وبل]?(?:ال)?"  # optional Arabic clitic and article
_S = r"[\s\-']+"  # a space in a name: spaces, hyphens, elision apostrophes

#: (canonical name, pattern, EQF level, confidence, basis, case-sensitive).
QUALIFICATIONS: tuple[tuple[str, str, int, float, str, bool], ...] = (
    # --- level 8
    ("Doctorat", r"doctorat|doctorate|docteur|ph\.?\s?d|d\.?phil|doctoral|doktora", 8, 0.9,
     _FR, False),
    ("دكتوراه", _AR + r"دكتوراه", 8, 0.9, _CV, False),
    ("Bac+8", r"bac\s*\+\s*8", 8, 0.85, _FR, False),
    # --- level 7
    ("Doctorat en médecine / pharmacie", rf"(?:doctorat|docteur){_S}en{_S}(?:medecine|pharmacie)"
     rf"|medecin{_S}generaliste|doctor{_S}of{_S}medicine|\bm\.?d\b", 7, 0.7, _CV, False),
    ("Master / Mastère", rf"(?<!scrum\s)(?<!quiz\s)master(?:e|s)?(?!{_S}class)"
     rf"(?:{_S}(?:specialise|professionnel|recherche|pro))?"
     r"|mastere|msc|m\.sc|meng|mphil|postgraduate|post-graduate|magister|majister|magistere",
     7, 0.85, _FR, False),
    ("MBA", r"mba|executive mba", 7, 0.85, _UK, False),
    ("Master (MA)", r"\bM\.A\.|\bMA(?=\s+(?:in|of|\())", 7, 0.6, _UK, True),
    ("Diplôme d'ingénieur", rf"ingenieur{_S}d{_S}etat|diplome{_S}(?:national{_S})?d{_S}ingenieur"
     rf"|cycle{_S}(?:d{_S})?ingenieur|ingenieur{_S}(?:diplome|d{_S}application)|engineering{_S}degree",
     7, 0.85, _MA, False),
    ("DESS / DEA", r"dess|dea|desa", 7, 0.75, _FR, False),
    ("Bac+5", r"bac\s*\+\s*[567]", 7, 0.85, _FR, False),
    ("ماجستير / ماستر", _AR + r"(?:ماجستير|ماجيستير|ماستر|ماستير)", 7, 0.85, _CV, False),
    ("مهندس دولة / دبلوم مهندس", _AR + r"(?:مهندس\s+(?:ال)?دول[هة]|دبلوم\s+(?:ال)?مهندس)", 7, 0.8,
     _MA, False),
    ("دبلوم عالي (Egypt)", _AR + r"دبلوم\s+(?:(?:ال)?عالي|(?:ال)?دراسات\s+(?:ال)?عليا)"
     r"|higher\s+diploma", 7, 0.5, _EG, False),
    # --- level 6
    ("Licence", rf"(?<!driving\s)(?<!permis\s)licen[cs]e(?:{_S}(?:professionnelle|pro"
     rf"|fondamentale|appliquee|lmd))?(?!{_S}(?:de{_S}conduire|(?!de(?![^\W\d_]))[abcd]1?e?"
     r"(?![^\W\d_])))|licenciatura|ijaza|lissans", 6, 0.85, _FR, False),
    ("Licence professionnelle (LP)", r"\bL\.?P\b", 6, 0.6, _FR, True),
    ("Maîtrise", r"maitrise(?=[\s\-]+(?:en|de|d|es|universitaire))", 6, 0.7, _FR, False),
    ("Bachelor", r"bachelor(?:'?s)?(?:\s+degree)?|bsc|b\.sc|beng|b\.eng|bba|undergraduate\s+degree"
     r"|bakalorios|bakaloriyus|university\s+degree|college\s+degree", 6, 0.85, _UK, False),
    ("Bachelor (BA/BS)", r"\bB\.[AS]\.|\bB[AS](?=\s+(?:in|of|\())", 6, 0.6, _UK, True),
    ("Bac+3 / Bac+4", r"bac\s*\+\s*[34]", 6, 0.85, _FR, False),
    ("بكالوريوس / ليسانس / الإجازة", _AR + r"(?:بكالوريوس|بكالريوس|ليسانس|اجازه)", 6, 0.85, _CV,
     False),
    # --- level 5
    ("BTS / DTS (Technicien supérieur)", rf"bts|dts|brevet{_S}de{_S}technicien{_S}superieur"
     rf"|technicien{_S}superieur|diplome{_S}de{_S}technicien{_S}superieur", 5, 0.85, _FR, False),
    ("Technicien Spécialisé (OFPPT)", rf"technicien(?:ne)?{_S}specialise(?:e)?|\bT\.?S\b",
     5, 0.85, _MA, False),
    ("DUT / DEUG / DEUST / DEUP", r"dut|deug|deust|deup", 5, 0.85, _FR, False),
    ("Associate degree / HND", r"associate(?:'?s)?\s+degree|hnd|hnc|foundation\s+degree"
     r"|higher\s+national\s+(?:diploma|certificate)|technical\s+institute|two-year\s+college",
     5, 0.8, _UK, False),
    ("Bac+2", r"bac\s*\+\s*2", 5, 0.85, _FR, False),
    ("تقني متخصص / تقني عالي", _AR + r"تقني\s+(?:ال)?(?:متخصص|عالي)"
     r"|(?:ال)?دبلوم\s+(?:ال)?معهد\s+(?:ال)?فني|(?:ال)?معهد\s+(?:ال)?فني", 5, 0.85, _MA, False),
    ("شهادة الدراسات الجامعية العامة (DEUG)",
     r"(?:ال)?دراسات\s+(?:ال)?جامعيه\s+(?:ال)?عامه", 5, 0.8, _MA, False),
    # --- level 4
    ("Baccalauréat", rf"baccalaureat|bac(?:{_S}(?:pro|professionnel|technique|technologique"
     r"|scientifique|general|sciences|lettres|economie|s|l|es|stg|sti|stmg))?(?![\s]*\+)",
     4, 0.85, _FR, False),
    ("Brevet de technicien / BP / BTP", rf"brevet{_S}(?:de{_S})?technicien(?!{_S}superieur)"
     rf"|brevet{_S}professionnel|btp|\bB\.?T\b|\bB\.?P\b", 4, 0.75, _TN, False),
    ("Technicien", r"technicien(?:ne)?|diplome\s+de\s+technicien", 4, 0.6, _MA, False),
    ("High school diploma / A-levels", r"high\s+school(?:\s+diploma)?|secondary\s+school"
     r"\s+(?:diploma|certificate|leaving)|a-?levels?|ged|thanaweya\s+amma|thanawiya\s+amma"
     r"|general\s+secondary", 4, 0.8, _UK, False),
    ("Vocational diploma", r"vocational\s+diploma|diploma\s+in\s+vocational", 4, 0.5, _CV, False),
    ("الباكالوريا / الثانوية العامة", _AR + r"(?:باكالوريا|بكالوريا|باكلوريا|ثانويه\s+(?:ال)?عامه)",
     4, 0.85, _CV, False),
    ("تقني", _AR + r"تقني", 4, 0.5, _MA, False),
    # --- level 3
    ("CAP / BEP", rf"certificat{_S}d{_S}aptitude{_S}professionnelle|cap|bep|brevet{_S}d{_S}"
     rf"etudes{_S}professionnelles", 3, 0.85, _FR, False),
    ("Diplôme de qualification", rf"(?:diplome|niveau|certificat){_S}(?:de{_S})?qualification"
     rf"|qualification{_S}(?:professionnelle|en)|ouvrier{_S}qualifie", 3, 0.75, _MA, False),
    ("Niveau bac", rf"niveau{_S}(?:bac|baccalaureat|terminale)(?![\s]*\+)", 3, 0.6, _CV, False),
    ("Vocational certificate", r"vocational\s+(?:certificate|training\s+certificate|qualification)"
     r"|gcse|technical\s+secondary\s+diploma|technical\s+diploma", 3, 0.6, _UK, False),
    ("شهادة الكفاءة المهنية / التأهيل المهني",
     _AR + r"(?:كفاءه\s+(?:ال)?مهنيه|تاهيل(?:\s+(?:ال)?مهني)?)"
     r"|(?:ال)?دبلوم\s+(?:ال)?(?:فني|صنايع|تجاره|زراعه)", 3, 0.75, _CV, False),
    ("دبلوم", _AR + r"دبلوم", 3, 0.3, _EG, False),
    # --- level 2
    ("Spécialisation (OFPPT) / Brevet", rf"certificat{_S}de{_S}specialisation|specialisation{_S}"
     rf"professionnelle|ouvrier{_S}specialise|brevet(?:{_S}des{_S}colleges)?|dnb", 2, 0.5, _MA,
     False),
    ("التخصص المهني", _AR + r"تخصص\s+(?:ال)?مهني", 2, 0.6, _MA, False),
)  # fmt: skip

_WORD_START = r"(?<![^\W\d_])"
_WORD_END = r"(?![^\W\d_])"


@dataclass(frozen=True, slots=True)
class EqfLevel:
    """A qualification recognised in a text and its EQF level.

    ``qualification`` is the canonical name of the ``QUALIFICATIONS`` row; ``evidence`` is
    ``text[span[0]:span[1]]``; ``basis`` says where the level comes from (a referencing or a
    convention); ``confidence`` is 0..1.
    """

    level: int
    qualification: str
    evidence: str
    span: tuple[int, int]
    confidence: float
    basis: str


@cache
def _compiled() -> tuple[tuple[int, re.Pattern[str]], ...]:
    return tuple(
        (index, re.compile(_WORD_START + f"(?:{pattern})" + _WORD_END))
        for index, (_, pattern, _, _, _, _) in enumerate(QUALIFICATIONS)
    )


def find_qualifications(text: str) -> tuple[EqfLevel, ...]:
    """Every qualification named in ``text``, in order; overlapping names keep the longest.

    >>> [q.level for q in find_qualifications("Bac, DUT génie électrique, Licence pro")]
    [4, 5, 6]
    """
    require_str(text, func="find_qualifications")
    return _find(text)


@lru_cache(maxsize=8192)
def _find(text: str) -> tuple[EqfLevel, ...]:
    """``find_qualifications`` on validated text; memoised (diploma lines repeat a lot)."""
    folded, offsets = fold_with_offsets(text)
    found: list[EqfLevel] = []
    for index, regex in _compiled():
        name, _, level, confidence, basis, case_sensitive = QUALIFICATIONS[index]
        for m in regex.finditer(text if case_sensitive else folded):
            if m.end() == m.start():
                continue
            if case_sensitive:
                start, end = m.start(), m.end()
            else:
                start, end = offsets[m.start()], offsets[m.end() - 1] + 1
            found.append(EqfLevel(level, name, text[start:end], (start, end), confidence, basis))
    found.sort(key=lambda q: (-(q.span[1] - q.span[0]), -q.confidence, q.span[0]))
    kept: list[EqfLevel] = []
    for q in found:
        if all(q.span[1] <= k.span[0] or q.span[0] >= k.span[1] for k in kept):
            kept.append(q)
    return tuple(sorted(kept, key=lambda q: q.span))


def parse_eqf(text: str) -> EqfLevel | None:
    """The highest-level qualification named in ``text`` (ties: the more confident, then the
    first), or ``None`` when none is recognised.

    >>> parse_eqf("Technicien Spécialisé en électromécanique (OFPPT)").level
    5
    """
    require_str(text, func="parse_eqf")
    found = find_qualifications(text)
    if not found:
        return None
    return max(found, key=lambda q: (q.level, q.confidence, -q.span[0]))
