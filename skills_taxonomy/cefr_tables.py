"""Data for ``skills_taxonomy.cefr``: certificates, score bands, grades and level descriptors.

Every pattern is a regular expression on *folded* text (lower case, no Latin accents, Arabic
``أ/إ/آ→ا``, ``ة→ه``, ``ى→ي``, no diacritics; ``ß`` kept). Word boundaries are added by the
parser. Sources of the mappings:

* **Score bands** are the publishers' own CEFR alignment tables: IELTS (IELTS/Cambridge "IELTS
  and the CEFR": 4.0-5.0 B1, 5.5-6.5 B2, 7.0-8.0 C1, 8.5-9 C2; 3.0-3.5 A2 below that is our
  convention); TOEFL iBT (ETS 2023 mapping: 42 B1, 72 B2, 95 C1, 114 C2; below 42 → A2 is our
  convention); TOEFL ITP/PBT (ETS: 337 A2, 460 B1, 543 B2, 627 C1); TOEIC Listening+Reading
  (ETS: 120 A1, 225 A2, 550 B1, 785 B2, 945 C1); TCF (France Éducation international:
  100 A1, 200 A2, 300 B1, 400 B2, 500 C1, 600 C2); TEF (CCI Paris Île-de-France, score /900:
  69 A1, 204 A2, 361 B1, 541 B2, 699 C1, 834 C2).
* **Grades**: CILS (Università per Stranieri di Siena: UNO B1, DUE B2, TRE C1, QUATTRO C2),
  CELI (Perugia: Impatto A1, 1 A2 … 5 C2), TestDaF (TDN 3 B2, TDN 4 B2 — its B2/C1 border is
  read conservatively — TDN 5 C1), DSH (1 B2, 2 C1, 3 C2), Cambridge English (KET A2, PET B1,
  FCE B2, CAE C1, CPE C2), NT2 (programma I B1, II B2), CAPLE (CIPLE A2 … DUPLE C2).
* **Descriptors** are conventions (no standard maps them), chosen to be conservative:
  native / mother tongue → ``native``; bilingual → C2; fluent / courant / fließend / fluido /
  fluente / بطلاقة → C1 (a CV claim of effortless use; it may be B2 in fact, so employers who
  need a certified level should ask for the certificate); advanced / avancé → C1; good /
  bon niveau / gute Kenntnisse → B2; "lu, écrit, parlé" and German "in Wort und Schrift" → B2
  (all skills claimed, no more); intermediate / intermédiaire / متوسط → B1; basic /
  élémentaire / Grundkenntnisse / básico → A2; beginner / débutant / notions → A1. The
  LinkedIn proficiency scale is read as: elementary A2, limited working B1, professional working
  B2, full professional C1, native or bilingual → native.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

__all__ = [
    "CERTIFICATES",
    "DESCRIPTORS",
    "GRADES",
    "LEVEL_KEYWORDS",
    "NOT_A_LANGUAGE_LEVEL",
    "SCORE_BANDS",
    "SCORE_FILLERS",
]

_Level = Literal["A1", "A2", "B1", "B2", "C1", "C2", "native"]

#: (name reported as source, pattern, language it certifies or None, how its level is written:
#: "code" = a CEFR code follows, a SCORE_BANDS key = a score follows, a GRADES key = a grade
#: follows — or is the name itself when the pattern has its own ``(?P<grade>…)`` group).
CERTIFICATES: tuple[tuple[str, str, str | None, str], ...] = (
    ("Goethe-Zertifikat", r"goethe(?:[\s\-]*(?:zertifikat|institut|institute))?", "de", "code"),
    ("telc", r"telc(?:[\s\-]+deutsch)?", "de", "code"),
    ("ÖSD", r"o(?:e)?sd(?:[\s\-]+zertifikat)?", "de", "code"),
    ("TestDaF", r"test[\s\-]?daf", "de", "testdaf"),
    ("DSH", r"dsh", "de", "dsh"),
    ("DELF", r"delf(?:[\s\-]+(?:tout public|pro|junior|prim))?", "fr", "code"),
    ("DALF", r"dalf", "fr", "code"),
    ("TCF", r"tcf(?:[\s\-]+(?:tp|canada|anf|irn|dap|quebec))?", "fr", "tcf"),
    ("TEF", r"tef(?:[\s\-]+(?:canada|naturalisation|irn|quebec))?", "fr", "tef"),
    ("DELE", r"dele", "es", "code"),
    ("SIELE", r"siele", "es", "code"),
    ("CILS", r"cils", "it", "cils"),
    ("CELI", r"celi", "it", "celi"),
    ("PLIDA", r"plida", "it", "code"),
    ("IELTS", r"ielts", "en", "ielts"),
    ("TOEFL", r"toefl", "en", "toefl"),
    ("TOEIC", r"toeic", "en", "toeic"),
    ("Cambridge English", r"cambridge(?:[\s\-]+english)?", "en", "cambridge"),
    ("Cambridge English", r"(?P<grade>ket|pet|fce|cae|cpe)", "en", "cambridge"),
    (
        "Cambridge English",
        r"(?P<grade>a2[\s\-]+key|b1[\s\-]+preliminary|b2[\s\-]+first|c1[\s\-]+advanced"
        r"|c2[\s\-]+proficiency)",
        "en",
        "cambridge",
    ),
    ("NT2", r"(?:staatsexamen[\s\-]+)?nt2", "nl", "nt2"),
    ("CAPLE", r"(?P<grade>ciple|deple|diple|daple|duple)", "pt", "caple"),
)

#: Score kind → (bands as (minimum score, level), highest first; lowest valid; highest valid).
SCORE_BANDS: Mapping[str, tuple[tuple[tuple[float, _Level], ...], float, float]] = MappingProxyType(
    {
        "ielts": (((8.5, "C2"), (7.0, "C1"), (5.5, "B2"), (4.0, "B1"), (3.0, "A2")), 0.0, 9.0),
        "toefl": (((114, "C2"), (95, "C1"), (72, "B2"), (42, "B1"), (0, "A2")), 0.0, 120.0),
        "toefl_pbt": (((627, "C1"), (543, "B2"), (460, "B1"), (337, "A2")), 310.0, 677.0),
        "toeic": (
            ((945, "C1"), (785, "B2"), (550, "B1"), (225, "A2"), (120, "A1")),
            10.0,
            990.0,
        ),
        "tcf": (
            ((600, "C2"), (500, "C1"), (400, "B2"), (300, "B1"), (200, "A2"), (100, "A1")),
            100.0,
            699.0,
        ),
        "tef": (
            ((834, "C2"), (699, "C1"), (541, "B2"), (361, "B1"), (204, "A2"), (69, "A1")),
            0.0,
            900.0,
        ),
    }
)

#: Words that may stand between a test name and its score ("IELTS General Training band 5.5").
SCORE_FILLERS: tuple[str, ...] = (
    "score", "band", "note", "ibt", "itp", "pbt", "academic", "general", "training", "overall",
    "total", "listening and reading", "l&r", "global",
)  # fmt: skip

#: Grade kind → (folded grade as written after the certificate name, level).
GRADES: Mapping[str, tuple[tuple[str, _Level], ...]] = MappingProxyType(
    {
        "cils": (("uno", "B1"), ("due", "B2"), ("tre", "C1"), ("quattro", "C2")),
        "celi": (("impatto", "A1"), ("1", "A2"), ("2", "B1"), ("3", "B2"), ("4", "C1"),
                 ("5", "C2")),
        "testdaf": (("tdn 3", "B2"), ("tdn 4", "B2"), ("tdn 5", "C1"), ("3", "B2"), ("4", "B2"),
                    ("5", "C1")),
        "dsh": (("1", "B2"), ("2", "C1"), ("3", "C2")),
        "cambridge": (("a2 key", "A2"), ("b1 preliminary", "B1"), ("b2 first", "B2"),
                      ("c1 advanced", "C1"), ("c2 proficiency", "C2"), ("ket", "A2"),
                      ("key", "A2"), ("pet", "B1"), ("preliminary", "B1"),
                      ("fce", "B2"), ("first certificate", "B2"), ("first", "B2"),
                      ("cae", "C1"), ("advanced", "C1"), ("cpe", "C2"), ("proficiency", "C2")),
        "nt2": (("programma ii", "B2"), ("programma i", "B1"), ("programme ii", "B2"),
                ("programme i", "B1"), ("ii", "B2"), ("i", "B1"), ("2", "B2"), ("1", "B1")),
        "caple": (("ciple", "A2"), ("deple", "B1"), ("diple", "B2"), ("daple", "C1"),
                  ("duple", "C2")),
    }
)  # fmt: skip

#: Words that announce a level ("niveau courant"): they let generic descriptors count without
#: a language in the clause.
LEVEL_KEYWORDS: tuple[str, ...] = (
    "niveau", "level", "nivel", "livello", "stufe", "sprachniveau", "[وب]?(?:ال)?مستوي",
)  # fmt: skip

#: A code right after these words is a driving-licence category ("permis C1"), not a level.
NOT_A_LANGUAGE_LEVEL = (
    r"(?:permis|licen[cs]e|driving|fuhrerschein|carnet|patente|categorie|category|klasse"
    r"|رخصه)(?:[\s:,/\-]+(?:de[\s\-]+conduire|b|be|c|ce|d|de|[abcd][12]?e?))*[\s:,/\-]*$"
)

_AR = r"[وب]?(?:ال)?"  # optional Arabic clitic and article before a descriptor

#: (label, pattern, level, confidence, needs a language or level keyword in the clause).
#: Latin patterns also match with a French/Spanish ending ``e``, ``s`` or ``es`` added
#: ("courants", "avancée", "débutante", "básicos").
DESCRIPTORS: tuple[tuple[str, str, _Level, float, bool], ...] = (
    # native
    ("langue maternelle", r"(?:langue|langage)[\s\-]+maternelle", "native", 0.9, False),
    ("maternelle", r"maternelle", "native", 0.85, True),
    ("natif", r"natif|native|native speaker|nativo|nativa|first language", "native", 0.85, True),
    ("mother tongue", r"mother[\s\-]+tongue", "native", 0.9, False),
    ("Muttersprache", r"muttersprache|muttersprachlich|muttersprachler(?:in)?", "native", 0.9,
     False),
    ("lengua materna", r"lengua[\s\-]+materna|idioma[\s\-]+materno", "native", 0.9, False),
    ("madrelingua", r"madrelingua|lingua[\s\-]+madre", "native", 0.9, False),
    ("اللغة الأم", r"(?:ال)?لغ(?:ه|تي)[\s\-]+(?:ال)?ام", "native", 0.9, False),
    ("الأم", r"الام", "native", 0.7, True),
    ("native or bilingual proficiency", r"native[\s\-]+or[\s\-]+bilingual(?:[\s\-]+proficiency)?",
     "native", 0.8, False),
    # C2
    ("bilingue", r"bilingue|bilingual|zweisprachig", "C2", 0.7, True),
    ("ثنائي اللغة", r"ثنائي[\s\-]+اللغه", "C2", 0.7, False),
    ("parfaite maîtrise", r"parfaite[\s\-]+maitrise|parfaitement|verhandlungssicher", "C2", 0.6,
     True),
    # C1
    ("courant", r"courant|couramment|parle[\s\-]+couramment", "C1", 0.7, True),
    ("fluent", r"fluent|fluently|fluency|fluide|fluido|fluida|fluente", "C1", 0.7, True),
    ("fließend", r"fließend|fliessend", "C1", 0.7, True),
    ("full professional proficiency", r"full[\s\-]+professional(?:[\s\-]+proficiency)?", "C1",
     0.7, False),
    ("advanced", r"advanced|avance|avancee|avanzado|avanzada|avanzato|fortgeschritten", "C1",
     0.65, True),
    ("very good", r"very[\s\-]+good|tres[\s\-]+bon(?:[\s\-]+niveau)?|excellent|sehr[\s\-]+gut"
     r"(?:e[\s\-]+kenntnisse)?|ottimo|ottima|excelente|muy[\s\-]+bueno|tres[\s\-]+bien",
     "C1", 0.6, True),
    ("proficient", r"proficient|proficiency", "C1", 0.6, True),
    ("nivel alto", r"nivel[\s\-]+alto", "C1", 0.6, False),
    ("متقدم / ممتاز / بطلاقة", _AR + r"(?:متقدم|ممتاز|طلاقه|طليق)ه?|جيد[\s\-]+جدا", "C1", 0.65,
     True),
    # B2
    ("lu, écrit, parlé",
     r"(?:lu|ecrit|parle)[\s,/\-et]+(?:lu|ecrit|parle)[\s,/\-et]+(?:lu|ecrit|parle)"
     r"|(?:read|written|spoken)[\s,/\-and]+(?:read|written|spoken)[\s,/\-and]+"
     r"(?:read|written|spoken)|in[\s\-]+wort[\s\-]+und[\s\-]+schrift", "B2", 0.5, False),
    ("professional working proficiency", r"professional[\s\-]+working(?:[\s\-]+proficiency)?",
     "B2", 0.65, False),
    ("good", r"good|bon[\s\-]+niveau|bonne[\s\-]+maitrise|bonnes?[\s\-]+connaissances?|bon"
     r"|gute[\s\-]+kenntnisse|gut|buono|buona|bueno|buen[\s\-]+nivel|working[\s\-]+knowledge"
     r"|operationnel|maitrise|upper[\s\-]+intermediate|intermediaire[\s\-]+superieur|bien",
     "B2", 0.6, True),
    ("جيد", _AR + r"جيد(?:ه)?", "B2", 0.6, True),
    # B1
    ("intermédiaire", r"intermediaire|intermediate|intermedio|intermedia|mittelstufe"
     r"|mittlere[\s\-]+kenntnisse|niveau[\s\-]+moyen|nivel[\s\-]+medio|conversational"
     r"|limited[\s\-]+working(?:[\s\-]+proficiency)?", "B1", 0.65, False),
    ("moyen", r"moyen|moyenne|medio|media", "B1", 0.55, True),
    ("متوسط", _AR + r"متوسط(?:ه)?", "B1", 0.65, False),
    # A2
    ("élémentaire", r"elementaire|elementary|elemental|elementare|pre[\s\-]?intermediate"
     r"|lower[\s\-]+intermediate|pre[\s\-]?intermediaire|grundkenntnisse|basiskenntnisse"
     r"|elementary[\s\-]+proficiency", "A2", 0.6, False),
    ("basic", r"basic|basique|basico|basica|de[\s\-]+base|di[\s\-]+base|base|scolaire"
     r"|scolastico|nivel[\s\-]+bajo", "A2", 0.55, True),
    ("أساسي / مقبول", _AR + r"(?:اساسي|مقبول)(?:ه)?", "A2", 0.55, True),
    # A1
    ("débutant", r"debutant|debutante|beginner|principiante|anfanger|anfangerin"
     r"|notions(?:[\s\-]+de[\s\-]+base)?|quelques[\s\-]+notions", "A1", 0.6, False),
    ("مبتدئ", _AR + r"مبتدي(?:ه)?", "A1", 0.6, False),
)  # fmt: skip
