"""Folding and cleaning of job-title and skill text before it meets the ESCO index.

Two entry points, applied the same way to ESCO labels and to what agencies write so that both
sides meet in one normal form:

* ``label_terms(text)`` — the canonical tokens of a text: ``fold`` (case, Latin accents, Arabic
  diacritics, tatweel and letter variants), French gendered spellings collapsed
  (``infirmier(ère)``, ``serveur/euse``, ``aide-soignant(e)``), elisions and stop words dropped,
  then every token reduced by ``fold_word`` (gender, plural, Arabic article) and duplicates
  removed (``Accrocheur / Accrocheuse`` → ``accrocheur``).
* ``query_terms(text, lang=...)`` — the same, after removing the noise of job adverts
  (``NOISE_PATTERNS``: ``H/F``, ``(h/f/x)``, ``m/w/d``; ``NOISE_WORDS``: ``urgent``, ``senior``,
  ``CDI``, cities…) and expanding abbreviations (``ABBREVIATIONS``: ``tech. sup.``, ``dév.``,
  ``mgr``…), and with everyday Arabic job words put in the wording of ESCO's Arabic labels
  (``ARABIC_EVERYDAY_WORDS``: ``طباخ`` → ``طاهي``), and for a French skill text the wording
  of ESCO's French skill labels added (``FRENCH_SKILL_WORDS``: ``CACES`` → ``chariot
  élévateur``, ``lecture`` → ``lire``), and for a French job title everyday trade words put in
  the wording of ESCO's French occupation labels (``FRENCH_OCCUPATION_WORDS``: ``bûcheron`` →
  ``ouvrier forestier``). Noise is kept when removing it would leave nothing.

``semantic_text(text, lang=..., kind=...)`` is what the semantic model reads of a query: the
text, with the words the two French tables add to a French text.

All tables are plain data, documented where they are defined, and can be extended without
touching the code. The reductions of ``fold_word`` are *conflating* rather than linguistic: they
only need to map a feminine or plural form to the same key as its masculine singular, and since
labels go through the very same function an occasional odd stem (``machine`` → ``machin``) costs
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from skills_taxonomy._text import fold, is_arabic_letter

__all__ = [
    "ABBREVIATIONS",
    "ARABIC_EVERYDAY_WORDS",
    "ARABIC_SKILL_WORDS",
    "BARE_TITLES",
    "FRENCH_OCCUPATION_WORDS",
    "FRENCH_SKILL_WORDS",
    "NOISE_PATTERNS",
    "NOISE_WORDS",
    "SKILL_NOISE_PATTERNS",
    "STOP_WORDS",
    "fold",
    "fold_word",
    "forms_of_one_word",
    "label_terms",
    "one_gender",
    "query_terms",
    "semantic_text",
    "split_gendered_label",
]

# --------------------------------------------------------------------------------------------
# Data tables (folded keys: lower case, no accents)
# --------------------------------------------------------------------------------------------

#: Abbreviations agencies use, per language of the text, folded, without their final dot.
#: Keys of one or two tokens ("tech sup"); values are the expansions, folded too. The "en"
#: table also serves texts whose language is unknown or not listed.
ABBREVIATIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "fr": MappingProxyType(
            {
                "tech sup": "technicien superieur",
                "tech spe": "technicien specialise",
                "tech spec": "technicien specialise",
                "ts": "technicien specialise",
                "tech": "technicien",
                "techn": "technicien",
                "dev": "developpeur",
                "resp": "responsable",
                "ing": "ingenieur",
                "assist": "assistant",
                "asst": "assistant",
                "coord": "coordinateur",
                "adj": "adjoint",
                "dir": "directeur",
                "agt": "agent",
                "cond": "conducteur",
                "comm": "commercial",
                "maint": "maintenance",
                "elec": "electricite",
                "mgr": "manager",
                "rh": "ressources humaines",
                "info": "informatique",
                "compta": "comptable",
                "admin": "administratif",
                "ouv": "ouvrier",
                "qualif": "qualifie",
                "op": "operateur",
                "opr": "operateur",
                "vte": "vente",
                "cial": "commercial",
                "it": "informatique",
            }
        ),
        "en": MappingProxyType(
            {
                "mgr": "manager",
                "mngr": "manager",
                "eng": "engineer",
                "engr": "engineer",
                "dev": "developer",
                "devs": "developer",
                "admin": "administrator",
                "exec": "executive",
                "rep": "representative",
                "asst": "assistant",
                "assist": "assistant",
                "coord": "coordinator",
                "tech": "technician",
                "techn": "technician",
                "spec": "specialist",
                "supv": "supervisor",
                "mgmt": "management",
                "acct": "accountant",
                "hr": "human resources",
                "it": "ict",
                "ops": "operations",
                "sw": "software",
                "qa": "quality assurance",
                "svc": "service",
                "maint": "maintenance",
                "elec": "electrical",
                "mech": "mechanical",
                "dir": "director",
                "hse": "health safety environment",
                "ac": "air conditioning",
                "a c": "air conditioning",
                "cs": "customer service",
                "dept": "department",
                "asso": "associate",
                "assoc": "associate",
                "sec": "secretary",
                "pa": "personal assistant",
                "ba": "business analyst",
            }
        ),
    }
)

#: What French CVs write for a skill, put in the wording of ESCO's French skill labels, which
#: are verb phrases ("lire des plans standard", "traire des animaux", "utiliser un chariot
#: élévateur"). Agencies write the noun ("lecture de plans", "traite des vaches"): the noun is
#: kept and its verb added. A French certificate or shorthand ("CACES", "SST", "pack Office")
#: becomes what it certifies or names. Applied to French skill texts only; words, or pairs of
#: words, folded.
FRENCH_SKILL_WORDS: Mapping[str, str] = MappingProxyType(
    {
        # certificates and shorthand of French CVs
        "caces": "caces chariot elevateur",
        "sst": "premiers soins",
        "sauveteur secouriste": "premiers soins",
        "secourisme": "secourisme premiers soins",
        "epi": "equipements protection individuelle",
        "pack office": "microsoft office",
        "permis": "permis conduire vehicules",
        "habilitation electrique": "securite electrique",
        # nouns for ESCO's verbs
        "lecture": "lecture lire",
        "traite": "traite traire",
        "cueillette": "cueillette cueillir",
        "conduite": "conduite conduire",
        "preparation": "preparation preparer",
        "nettoyage": "nettoyage nettoyer",
        "entretien": "entretien entretenir",
        "reparation": "reparation reparer",
        "installation": "installation installer",
        "utilisation": "utilisation utiliser",
        "montage": "montage monter",
        "fabrication": "fabrication fabriquer",
        "vente": "vente vendre",
        "accueil": "accueil accueillir",
        "recolte": "recolte recolter",
        "plantation": "plantation planter",
        "surveillance": "surveillance surveiller",
        "redaction": "redaction rediger",
        "saisie": "saisie saisir",
        "traitement": "traitement traiter",
        "controle": "controle controler",
        "livraison": "livraison livrer",
        "gestion": "gestion gerer",
    }
)

#: Skill words of Arabic CVs, put in the English wording of ESCO's skill labels (ESCO has no
#: Arabic skill labels): "لحام" → "welding", "رافعة شوكية" → "forklift", "إسعافات أولية" →
#: "first aid". Written by the team from the trades of mobility programmes; one or two words
#: per key, looked up by the ``fold_word`` keys of the words ("الخياطة" finds "خياطة"), the key
#: giving way to its value. Applied to skill texts only. Every word of a value is a word of an
#: ESCO English skill label (a test checks it). To be reviewed by native speakers before it
#: grows.
ARABIC_SKILL_WORDS: Mapping[str, str] = MappingProxyType(
    {
        # trades
        "لحام": "welding",
        "أرغون": "welding",
        "رافعة شوكية": "operate forklift",
        "قيادة": "drive",
        "رخصة": "vehicles",
        "سباكة": "plumbing",
        "تركيب": "install",
        "شبكات": "systems",
        "نجارة": "carpentry",
        "تبليط": "lay tiles",
        "بلاط": "tiles",
        "جبس": "plaster",
        "دهان": "paint",
        "طلاء": "paint",
        "جدران": "surfaces",
        "كهرباء": "electricity",
        "كهربائي": "electrical",
        "ميكانيك": "mechanics",
        "صيانة": "maintain",
        "تكييف": "air conditioning",
        "خياطة": "sewing",
        "يدوية": "manual",
        "قص الشعر": "hair cutting",
        "تنظيف": "clean",
        "أسطح": "surfaces",
        "نظافة": "hygiene",
        "معايير": "standards",
        # kitchen, care, farm
        "طبخ": "cooking",
        "طهي": "cooking",
        "خبز": "bake goods",
        "إسعافات أولية": "first aid",
        "رعاية": "care",
        "مسنين": "elderly people",
        "أطفال": "babysitting",
        "جني": "harvest",
        "قطف": "harvest",
        "محاصيل": "crop",
        "ري": "irrigate",
        "مزروعات": "soil",
        "تقليم": "prune",
        "أشجار": "plants trees",
        "حلب": "milk animals",
        # office and sales
        "محاسبة": "accounting",
        "برمجة": "computer programming",
        "مبيعات": "selling",
        "بيع": "selling",
        "خدمة العملاء": "customer service",
        "عمل جماعي": "work in teams",
        "تواصل": "communication",
        "إدارة": "manage",
        "مخزون": "inventory",
        "تغليف": "packaging",
        "إكسل": "spreadsheets",
        "برنامج": "software",
        # languages named as skills
        "الإنجليزية": "english",
        "الفرنسية": "french",
        "الألمانية": "german",
        "الإسبانية": "spanish",
        "العربية": "arabic",
    }
)

#: Everyday French job words that no ESCO label uses, mapped to the wording of ESCO's French
#: occupation labels: "bûcheron" → "ouvrier forestier", "coffreur" → "cimentier" (ESCO's
#: concrete finishers "réalisent des coffrages"), "vendangeur" → "cueilleur viticole". Without
#: it such a word was corrected to the nearest label word: "coffreur" became "coiffeur",
#: "vendangeur" "vendeur". Written by the team from the trades of mobility programmes
#: (construction, farming, hotels). Applied to French occupation texts; one to four words per
#: key, looked up by the ``fold_word`` keys of the words, reduced until they hold
#: ("bûcheronnes" finds "bûcheronne"); the key gives way to its value. No key is a word, or a
#: pair of words, of an ESCO label, and every word of a value is a word of an ESCO French
#: occupation label (a test checks both): the table only adds vocabulary.
FRENCH_OCCUPATION_WORDS: Mapping[str, str] = MappingProxyType(
    {
        # construction
        "coffreur": "cimentier",
        "bancheur": "cimentier",
        "terrassier": "ouvrier genie civil",
        "terrassement": "bulldozer excavatrice",
        "pelleteuse": "conducteur excavatrice",
        "pelliste": "conducteur excavatrice",
        "pelle hydraulique": "excavatrice",
        "pelle mecanique": "excavatrice",
        "climaticien": "frigoriste climatisation",
        # ESCO's French labels of vehicle technician say "technicien de véhicules" only
        "mecanicien automobile": "technicien vehicules",
        "mecanicien auto": "technicien vehicules",
        "mecanicien poids": "technicien vehicules poids",
        "calorifugeur": "monteur isolation",
        "ripeur": "eboueur",
        "cloison": "plaquiste",
        "cuisiniste": "installateur cuisines",
        "ascensoriste": "montage ascenseurs",
        "debosseleur": "carrossier",
        # industry, waste
        "fondeur": "fonderie",
        "dechetterie": "tri dechets",
        # farming and forestry
        "bucheron": "ouvrier forestier",
        "bucheronne": "ouvrier forestier",
        "bucheronnage": "ouvrier forestier",
        "sylviculteur": "ouvrier sylvicole",
        "horticulteur": "ouvrier horticole",
        "maraicher": "ouvrier horticole",
        "serriste": "ouvrier horticole",
        "vendangeur": "cueilleur viticole",
        "trayeur": "ouvrier elevage",
        "vigne": "viticole",
        "moissonneuse": "engins agricoles",
        "moissonneuse batteuse": "engins agricoles",
        "ostreiculteur": "aquaculture",
        "conchyliculteur": "aquaculture",
        "fromager": "produits laitiers",
        # warehouses, shops, cleaning
        "agent de quai": "manutentionnaire",
        "employe de libre service": "employe de rayon",
        # offices and IT
        "recruteur": "recrutement",
        "datacenter": "centre donnees",
        # hotels and homes
        "commis de salle": "serveur",
        "crepier": "cuisinier",
        "lingere": "lingerie",
        "menage": "aide menager",
    }
)

#: Everyday Arabic job words (Modern Standard, Egyptian and Maghrebi usage, and Maghrebi words
#: borrowed from French) that ESCO's single formal Arabic label per occupation does not use,
#: mapped to the wording of those labels: "طباخ" (cook) → "طاهي", "كلارك" (forklift, Egypt) →
#: "شاحنة رافعة". Written in plain Arabic; one or two words per key, looked up by the
#: ``fold_word`` keys of the words, so "الطباخة" and "طباخين" find "طباخ". Applied to the
#: Arabic words of every query, whatever its language. No key may be a word, or a pair of
#: words, of an ESCO Arabic label (a test checks it): the table only adds vocabulary. To be
#: reviewed by a native speaker of each dialect before it grows.
ARABIC_EVERYDAY_WORDS: Mapping[str, str] = MappingProxyType(
    {
        # kitchen and hotel
        "طباخ": "طاهي",
        "شيف": "طاهي",
        "كوزيني": "طاهي",
        "مساعد طباخ": "مساعد مطبخ",
        "غسال صحون": "حارس مطبخ",
        "غسال أواني": "حارس مطبخ",
        "سرفور": "نادل",
        "حلواني": "صانع حلوى",
        # farming
        "فلاح": "مزارع",
        "عامل فلاحي": "عامل إنتاج المحاصيل",
        "عامل زراعي": "عامل إنتاج المحاصيل",
        "جني": "قطف",
        "فراولة": "فواكه",
        # building trades
        "دهان": "عامل طلاء",
        "مبلط": "عامل تركيب البلاط",
        "زليجي": "عامل تركيب البلاط",
        "جباص": "مجصص",
        "جبس": "مجصص",
        "بناي": "بناء",
        "ماصون": "بناء",
        "بلومبي": "سباك",
        "تريسيان": "كهربائي",
        "سودور": "لحام",
        # vehicles and logistics
        "ميكانيكي سيارات": "فني المركبات",
        "ميكانيكي شاحنات": "فني المركبات",
        "عامل تعبئة": "عامل التغليف",
        "عامل تنظيف": "منظف",
        "ميكانيك": "ميكانيكي",
        "مكانيكي": "ميكانيكي",
        "رافعة شوكية": "مشغل شاحنة رافعة",
        "كلارك": "شاحنة رافعة",
        "كاريست": "مشغل شاحنة رافعة",
        "شوفور": "سائق",
        "طاكسي": "سيارة أجرة",
        "تاكسي": "سيارة أجرة",
        # care and services
        "فرملي": "ممرض",
        "مساعد تمريض": "مساعد ممرض",
        "مقدم رعاية": "عامل رعاية",
        "عاملة منزلية": "مدبر المنزل",
        "عساس": "حارس أمن",
        "كوافير": "مصفف شعر",
        "تقني": "فني",
        "سكريتيرة": "سكرتير",
    }
)

#: Whole titles that ESCO names only in a longer form or not at all, for the jobs mobility
#: programmes recruit most: a French or Arabic agency writes "Infirmier" or "ممرض" alone, and
#: ESCO's French and Arabic labels say "infirmier de soins généraux", "ممرض مسؤول عن الرعاية
#: العامة" (nurse responsible for general care) — bare, the word went to a specialist nurse
#: first; a German employer asks for a "Pflegefachkraft", a title ESCO v1.1 predates. Applied
#: when the whole occupation text, after noise and gender forms, is the key (compared by the
#: ``_french_key`` of its words without stop words, with or without its noise words), never to
#: a word inside a longer title ("Infirmier anesthésiste" keeps its own label). Each value is an
#: ESCO label of the same language that names one concept (or is the preferred label of one),
#: and no key is a label (a test checks both).
BARE_TITLES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "fr": MappingProxyType(
            {
                "infirmier": "infirmier de soins généraux",
                "infirmier diplômé d'État": "infirmier de soins généraux",
                "infirmier d'État": "infirmier de soins généraux",
                "infirmier polyvalent": "infirmier de soins généraux",
                "infirmier IDE": "infirmier de soins généraux",
                "infirmier diplômé d'État IDE": "infirmier de soins généraux",
                "IDE": "infirmier de soins généraux",
                "kinésithérapeute": "physiothérapeute",
                "médecin": "médecin généraliste",
                "docteur en médecine": "médecin généraliste",
                "garde-malade": "assistant de vie",
                # cleaning, factories, fields
                "agent de nettoyage": "agent d'entretien d'immeubles",
                "agent de propreté": "agent d'entretien d'immeubles",
                "agent d'entretien": "agent d'entretien d'immeubles",
                "agent de production": "manœuvre industriel",
                "ouvrier de production": "manœuvre industriel",
                "ouvrier saisonnier": "ouvrier agricole",
                "saisonnier agricole": "ouvrier agricole",
                # OFPPT diploma names
                "technicien en électromécanique": "technicien électromécanicien",
                "technicien spécialisé en électromécanique": "technicien électromécanicien",
            }
        ),
        "de": MappingProxyType(
            {
                # Germany's generalist nurse title since 2020
                "Pflegefachkraft": "Krankenpfleger Allgemeine Krankenpflege",
                "Pflegefachfrau": "Krankenpfleger Allgemeine Krankenpflege",
                "Pflegefachmann": "Krankenpfleger Allgemeine Krankenpflege",
                "Berufskraftfahrer": "LKW-Fahrer",
            }
        ),
        "en": MappingProxyType(
            {
                "nurse": "ward nurse",
                "registered nurse": "ward nurse",
                "carer": "care worker",
                "senior carer": "care worker",
            }
        ),
        "ar": MappingProxyType(
            {
                "ممرض": "ممرض مسؤول عن الرعاية العامة",
                "ممرض مجاز": "ممرض مسؤول عن الرعاية العامة",
                "معالج فيزيائي": "أخصائي علاج طبيعي",
                "مروض طبي": "أخصائي علاج طبيعي",
                "عامل نظافة": "منظف المباني",
            }
        ),
    }
)

#: Advert noise removed as whole phrases (folded text, matched between word boundaries):
#: gender markers of French/German/Belgian adverts ("H/F", "m/w/d") and of English ones
#: ("(Male)", "Male/Female", "- female only": the gender an employer asks for names no
#: occupation, and must not steer the concept found), and contract mentions.
NOISE_PATTERNS: tuple[str, ...] = (
    r"\(?\s*[hfmwdx]\s*/\s*[hfmwdx](?:\s*/\s*[hfmwdx])?\s*\)?",
    r"\(\s*x\s*\)",
    r"\(\s*(?:fe)?males?(?:\s*(?:/|&|and|or|,)\s*(?:fe)?males?)?(?:\s+only)?\s*\)",
    r"(?:fe)?males?\s*(?:/|&)\s*(?:fe)?males?",
    r"[-–]\s*(?:fe)?males?(?:\s+only)?$",
    r"temps (?:plein|partiel)",
    r"(?:full|part)[ -]?time",
    r"[aà] pourvoir(?: imm[eé]diatement)?",
    r"we are hiring",
    r"(?:[0-9]+\s*\+?\s*)(?:ans|years?|yrs?)(?: d'exp[eé]rience| of experience| experience)?",
)

#: Framing of skill phrases in adverts and CVs, removed from skill queries only ("knowledge of
#: SQL", "strong communication skills", "maîtrise de l'anglais", "compétences en soudure").
SKILL_NOISE_PATTERNS: tuple[str, ...] = (
    r"(?:good|strong|solid|excellent|proven|sound|basic|advanced|working|in-depth|deep)"
    r" (?:knowledge|understanding|experience|command|skills?)(?: (?:of|in|with))?",
    r"(?:knowledge|understanding|experience|proficiency|familiarity|expertise)"
    r" (?:of|in|with)(?: the)?",
    r"(?:ability|able) to",
    r"skills?$",
    r"(?:bonne|excellente|solide|parfaite)s? (?:maitrise|connaissance|pratique)s?",
    r"(?:maitrise|connaissances?|notions?|pratique|competences?|capacite)"
    r"(?: (?:de la|de l|des|du|de|d|en|a))?",
)

#: Single folded words dropped from queries: seniority, contract type, urgency, places.
NOISE_WORDS: frozenset[str] = frozenset(
    {
        # seniority / experience
        "senior", "junior", "sr", "jr", "confirme", "confirmee", "debutant", "debutante",
        "experimente", "experimentee", "experienced", "expert", "lead", "chief", "head",
        "principal", "trainee", "intern", "internship", "apprentice", "apprenticeship",
        "stagiaire", "stage", "alternance", "alternant", "apprenti", "apprentie",
        # contract / urgency
        "cdi", "cdd", "interim", "freelance", "urgent", "urgently", "hiring", "wanted",
        "needed", "immediate", "immediately", "recrute", "recrutement", "recherche", "h", "f",
        "job", "poste", "offre", "emploi", "vacancy", "position", "remote", "teletravail",
        "contract", "contrat", "permanent", "temporary", "saisonnier", "mission",
        # places agencies add to titles
        "casablanca", "rabat", "tanger", "marrakech", "agadir", "fes", "meknes", "oujda",
        "kenitra", "tetouan", "tunis", "sfax", "sousse", "bizerte", "nabeul", "cairo", "caire",
        "alexandria", "alexandrie", "giza", "maroc", "morocco", "tunisie", "tunisia", "egypte",
        "egypt", "paris", "lyon", "marseille", "lille", "toulouse", "bordeaux", "nantes",
        "bruxelles", "brussels", "madrid", "barcelona", "berlin", "munich", "hamburg", "milan",
        "rome", "lisbon", "france", "belgique", "belgium", "allemagne", "germany", "espagne",
        "spain", "italie", "italy", "europe", "uae", "dubai",
    }
)  # fmt: skip

#: Function words that carry no meaning for matching (folded): French, English, German,
#: Spanish articles/prepositions. Arabic particles are handled by ``fold_word``.
STOP_WORDS: frozenset[str] = frozenset(
    {
        "de", "des", "du", "d", "la", "le", "les", "l", "un", "une", "et", "en", "au", "aux",
        "a", "pour", "par", "sur", "dans", "avec", "ou", "of", "the", "and", "for", "in", "on",
        "to", "with", "an", "or", "at", "by", "as", "from", "der", "die", "das", "und", "fur",
        "im", "von", "el", "los", "las", "y", "del", "para", "con", "qu", "s", "j", "n", "c",
        "m", "t",
    }
)  # fmt: skip

#: Endings that turn a feminine or plural French/English word into its masculine singular
#: key, tried in order (longest first); the stem left must keep ``min_stem`` characters.
_LATIN_ENDINGS: tuple[tuple[str, str, int], ...] = (
    ("euses", "eur", 3),
    ("euse", "eur", 3),
    ("rices", "eur", 3),
    ("rice", "eur", 3),
    ("ieres", "ier", 2),
    ("iere", "ier", 2),
    ("iennes", "ien", 2),
    ("ienne", "ien", 2),
    ("eres", "er", 3),
    ("ere", "er", 3),
    ("ives", "if", 4),
    ("ive", "if", 4),
    ("antes", "ant", 3),
    ("ante", "ant", 3),
    ("eaux", "eau", 2),
    ("aux", "al", 3),
    ("ies", "y", 3),
    ("ees", "e", 3),
    ("es", "e", 4),
    ("s", "", 3),
    ("e", "", 4),
)

#: French feminine/plural suffixes written after a masculine word: "(e)", "(ère)", "/euse".
_GENDER_SUFFIXES = (
    "e|es|s|ne|nne|le|se|te|ere|iere|euse|euses|rice|trice|ice|esse|ive|ve|ee|x|fe|he|ienne"
)
_PAREN_SUFFIX_RE = re.compile(rf"(?<=\w)\((?:{_GENDER_SUFFIXES})\)")
_SLASH_SUFFIX_RE = re.compile(rf"(?<=\w)\s*/\s*-?(?:{_GENDER_SUFFIXES})\b")
_DOT_SUFFIX_RE = re.compile(rf"(?<=\w)[.·](?:{_GENDER_SUFFIXES})\b")
_NOISE_RE = re.compile(r"(?<!\w)(?:" + "|".join(NOISE_PATTERNS) + r")(?!\w)")
_SKILL_NOISE_RE = re.compile(r"(?<!\w)(?:" + "|".join(SKILL_NOISE_PATTERNS) + r")(?!\w)")
_TOKEN_RE = re.compile(r"[^\W_]+")
#: A letter named with ``#`` or ``++`` (C#, C++, F#, J#): a word of its own, which the
#: tokeniser would otherwise cut down to one letter, or to nothing.
_SYMBOL_NAME_RE = re.compile(r"(?<![\w#+])([^\W\d_])(#|\+\+)(?![\w#+])")
_SYMBOL_SPELLING = {"#": "sharp", "++": "plusplus"}
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("ات", "ون", "ين", "ه")


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """Reduce one folded word to its matching key (gender, plural, Arabic article stripped).

    >>> fold_word("accrocheuse"), fold_word("infirmieres"), fold_word("welders")
    ('accrocheur', 'infirmier', 'welder')
    """
    if any(is_arabic_letter(ch) for ch in word[:1]):
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                word = word[len(prefix) :]
                break
        for suffix in _ARABIC_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
        return word
    if word.isdigit() or len(word) < 4:
        return word
    for ending, replacement, min_stem in _LATIN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            if ending == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(ending)] + replacement
    return word


def _collapse_gender(folded: str) -> str:
    text = _PAREN_SUFFIX_RE.sub("", folded)
    text = _SLASH_SUFFIX_RE.sub("", text)
    return _DOT_SUFFIX_RE.sub("", text)


def _terms(words: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in words:
        if word in STOP_WORDS:
            continue
        key = fold_word(word)
        if key and key not in seen:
            seen[key] = None
    return tuple(seen)


def _words(folded: str) -> list[str]:
    if "#" in folded or "++" in folded:
        folded = _SYMBOL_NAME_RE.sub(
            lambda m: f"{m.group(1)}{_SYMBOL_SPELLING[m.group(2)]}", folded
        )
    return _TOKEN_RE.findall(folded)


@lru_cache(maxsize=400_000)
def label_terms(text: str) -> tuple[str, ...]:
    """Canonical tokens of a label or text (see the module docstring); ``()`` for no word.

    >>> label_terms("Accrocheur / Accrocheuse"), label_terms("infirmier(ère)")
    (('accrocheur',), ('infirmier',))
    """
    return _terms(_words(_collapse_gender(fold(text))))


def _expand(
    words: list[str],
    table: Mapping[str, str],
    keys: Sequence[str] | None = None,
    *,
    longest: int = 2,
) -> list[str]:
    """``words`` with each run of up to ``longest`` words found in ``table`` (its longest key)
    replaced by its value, the longest run first; ``keys`` (default: the words themselves) are
    what is looked up."""
    keys = words if keys is None else keys
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            phrase = keys[i] if n == 1 else " ".join(keys[i : i + n])
            if phrase in table:
                out.extend(table[phrase].split())
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _arabic_key(text: str) -> str:
    return " ".join(fold_word(w) for w in _words(fold(text)))


#: ``ARABIC_EVERYDAY_WORDS`` by ``fold_word`` keys, values folded.
_ARABIC_WORDS: Mapping[str, str] = {
    _arabic_key(k): " ".join(_words(fold(v))) for k, v in ARABIC_EVERYDAY_WORDS.items()
}


def _french_key(word: str) -> str:
    """``fold_word`` until it holds: a feminine plural loses its "s", then its "e"
    ("bucheronnes" → "bucheronne" → "bucheronn"), and meets its feminine singular."""
    key = fold_word(word)
    while (shorter := fold_word(key)) != key:
        key = shorter
    return key


#: ``FRENCH_OCCUPATION_WORDS`` by ``_french_key`` keys, values folded.
_FRENCH_OCCUPATION: Mapping[str, str] = {
    " ".join(_french_key(w) for w in _words(fold(k))): " ".join(_words(fold(v)))
    for k, v in FRENCH_OCCUPATION_WORDS.items()
}
_FRENCH_OCCUPATION_LONGEST = max(len(k.split()) for k in _FRENCH_OCCUPATION)


def _bare_key(words: Sequence[str]) -> str:
    """The ``BARE_TITLES`` key of a whole title's folded ``words``."""
    return " ".join(dict.fromkeys(_french_key(w) for w in words if w not in STOP_WORDS))


#: ``BARE_TITLES`` by ``_bare_key`` keys, values folded.
_BARE_TITLES: Mapping[str, str] = {
    _bare_key(_words(fold(k))): " ".join(_words(fold(v)))
    for table in BARE_TITLES.values()
    for k, v in table.items()
}


_BARE_LONGEST = max(len(k.split()) for k in _BARE_TITLES)


def _bare_title(words: list[str]) -> list[str] | None:
    """The ESCO wording of an occupation title that ``BARE_TITLES`` names whole, else None."""
    if len(words) > 2 * _BARE_LONGEST:  # longer than any key, even with stop words and pairs
        return None
    value = _BARE_TITLES.get(_bare_key(words))
    return value.split() if value is not None else None


#: ``ARABIC_SKILL_WORDS`` by ``fold_word`` keys, values folded.
_ARABIC_SKILLS: Mapping[str, str] = {
    _arabic_key(k): " ".join(_words(fold(v))) for k, v in ARABIC_SKILL_WORDS.items()
}


def _expand_arabic(words: list[str], kind: str | None) -> list[str]:
    if not any(is_arabic_letter(w[0]) for w in words):
        return words
    keys = [fold_word(w) for w in words]
    if kind == "skill":
        words = _expand(words, _ARABIC_SKILLS, keys)
        keys = [fold_word(w) for w in words]
    return _expand(words, _ARABIC_WORDS, keys)


def query_terms(
    text: str, *, lang: str | None = None, kind: Literal["skill", "occupation"] | None = None
) -> tuple[str, ...]:
    """Canonical tokens of a query: ``label_terms`` after noise removal and abbreviations.

    ``lang`` picks the abbreviation table ("fr" or, for anything else, "en"); ``kind="skill"``
    also removes the framing of skill phrases (``SKILL_NOISE_PATTERNS``).

    >>> query_terms("Soudeur TIG H/F - urgent", lang="fr")
    ('soudeur', 'tig')
    >>> query_terms("Tech. sup. en maintenance", lang="fr")
    ('technicien', 'superieur', 'maintenance')
    """
    folded = _collapse_gender(fold(text))
    cleaned = _NOISE_RE.sub(" ", folded)
    if kind == "skill":
        cleaned = _SKILL_NOISE_RE.sub(" ", cleaned.replace("'", " ").replace("’", " "))
    words = _words(cleaned)
    table = ABBREVIATIONS["fr" if lang == "fr" else "en"]
    kept = [w for i, w in enumerate(words) if w not in NOISE_WORDS or _names_a_field(words, i)]
    if not kept:
        kept = [w for w in _words(folded) if w not in STOP_WORDS] or words
    expanded = _expand(kept, table)
    bare = _bare_title(expanded) if kind == "occupation" else None
    if bare is None and kind == "occupation" and len(kept) < len(words):
        # a noise word may be part of one ("Ouvrier saisonnier")
        bare = _bare_title(_expand(words, table))
    if bare is not None:
        expanded = bare
    else:
        expanded = _expand_arabic(_french_words(expanded, lang, kind), kind)
    terms = _terms(expanded)
    return terms or _terms(_words(folded))


#: Noise words that also name a field of work: kept after a preposition that follows a word
#: of the title (``_names_a_field``).
_FIELD_NOISE_WORDS = frozenset(
    {"recherche", "emploi", "mission", "recrutement", "contrat", "contract", "contracts"}
)


def _names_a_field(words: Sequence[str], i: int) -> bool:
    """Whether the noise word ``words[i]`` names a field: one of ``_FIELD_NOISE_WORDS`` after
    a preposition that follows a word of the title ("directeur de recherche", "conseiller à
    l'emploi", "chargé de mission"), not advert noise ("Recherche soudeur", "offre d'emploi",
    "soudeur en CDI")."""
    j = i - 1
    if words[i] not in _FIELD_NOISE_WORDS or j < 0 or words[j] not in STOP_WORDS:
        return False
    while j >= 0 and words[j] in STOP_WORDS:
        j -= 1
    return j >= 0 and words[j] not in NOISE_WORDS


def _french_words(words: list[str], lang: str | None, kind: str | None) -> list[str]:
    """``words`` of a French text in the wording of ESCO's French labels of ``kind``
    (``FRENCH_SKILL_WORDS``, ``FRENCH_OCCUPATION_WORDS``); any other text's as they are."""
    if lang != "fr":
        return words
    if kind == "skill":
        return _expand(words, FRENCH_SKILL_WORDS)
    if kind == "occupation":
        bare = _bare_title(words)
        if bare is not None:
            return bare
        keys = [_french_key(w) for w in words]
        return _expand(words, _FRENCH_OCCUPATION, keys, longest=_FRENCH_OCCUPATION_LONGEST)
    return words


def semantic_text(
    text: str, *, lang: str | None, kind: Literal["skill", "occupation"] | None
) -> str:
    """What the semantic model reads for a query: ``text`` without advert noise
    (``NOISE_PATTERNS``: "H/F", "(Female)"), and for a French text the words
    ``FRENCH_SKILL_WORDS``, ``FRENCH_OCCUPATION_WORDS`` or ``BARE_TITLES`` add ("CACES 3" is
    read as "CACES 3 chariot elevateur", "Bûcheron" as "Bûcheron ouvrier forestier"), so that
    its meaning agrees with its terms; of a "masculine / feminine" pair, the first form
    (``one_gender``).

    >>> semantic_text("lecture de plans", lang="fr", kind="skill")
    'lecture de plans lire'
    """
    text = _without_noise(one_gender(text))
    if lang != "fr":
        return text
    words = _words(_collapse_gender(fold(text)))
    added = [w for w in dict.fromkeys(_french_words(words, lang, kind)) if w not in words]
    return " ".join([text, *added]) if added else text


#: ``NOISE_PATTERNS`` in text as written: case aside, they match it as they match folded text
#: (their French words allow the accents folding removes).
_RAW_NOISE_RE = re.compile(_NOISE_RE.pattern, re.IGNORECASE)


def _without_noise(text: str) -> str:
    """``text`` without advert noise (``NOISE_PATTERNS``: "H/F", "(Female)", "full time"), or as
    it is if nothing else is left."""
    cleaned = " ".join(_RAW_NOISE_RE.sub(" ", text).split())
    return cleaned if _TOKEN_RE.search(cleaned) else text


_SLASH_RE = re.compile(r"\s*/\s*")
#: A bracketed aside ("(AES)", "(IDE)"): not part of a gendered pair's words.
_BRACKETED_RE = re.compile(r"\([^()]*\)")


def one_gender(text: str) -> str:
    """``text`` with the second form of a "masculine / feminine" pair left out, whether the
    pair names the whole title or only some of its words: "Poseur / Poseuse de parquet" →
    "Poseur de parquet", "Landwirt/Landwirtin" → "Landwirt", "conseiller en X/conseillère en
    X" → "conseiller en X", "Artiste plasticien / Plasticienne" → "Artiste plasticien". A pair:
    the last words of the left side (all of them, or fewer) and the first words of the right
    side, word for word, are forms of one word (same ``fold_word``, or one a short extension
    of the other), not all the same; the right side then loses those words. A bracketed aside
    before the slash ("Accompagnant éducatif et social (AES) / Accompagnante éducative et
    sociale") is no word of the pair. Any other slash ("Plombier / Chauffagiste", "Sales
    Executive / Sales Assistant", "TCP/IP") stays.

    >>> one_gender("Conseiller / Conseillère en investissements financiers")
    'Conseiller en investissements financiers'
    """
    if "/" not in text:
        return text
    for slash in _SLASH_RE.finditer(text):
        left, right = text[: slash.start()], text[slash.end() :]
        left_words = [fold(w) for w in _TOKEN_RE.findall(_BRACKETED_RE.sub(" ", left))]
        right_words = list(_TOKEN_RE.finditer(right))
        for n in range(min(len(left_words), len(right_words)), 0, -1):
            pairs = list(zip(left_words[-n:], (fold(w[0]) for w in right_words), strict=False))
            if all(forms_of_one_word(a, b) for a, b in pairs) and any(a != b for a, b in pairs):
                return left + right[right_words[n - 1].end() :]
    return text


def forms_of_one_word(a: str, b: str) -> bool:
    """Whether two folded words are forms of one word ("poseur", "poseuse"; "menor",
    "meno"): the same ``fold_word``, or one of ≥ 4 letters that the other extends by ≤ 3."""
    if fold_word(a) == fold_word(b):
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 3


#: ESCO writes gendered occupation labels as "masculine/feminine" pairs in French, German,
#: Spanish and Arabic ("boucher/bouchère", "مساعد مختبر طبي / مساعدة مختبر طبي").
_PAIR_RE = re.compile(r"\s*/\s*")


def split_gendered_label(text: str) -> tuple[str, ...]:
    """The forms of a "masculine/feminine" ESCO label; the label itself when it is not a pair.

    Only splits in two halves that both hold a word of ≥ 3 letters, so "TCP/IP" stays whole.
    """
    parts = _PAIR_RE.split(text.strip())
    if len(parts) != 2 or any(len(p) < 4 or (" " not in p and len(p) < 6) for p in parts):
        return (text,)
    return (parts[0], parts[1])
