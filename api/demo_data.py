"""The demo programme: three agencies (MA, TN, EG), employers in BE/DE/IT/ES, candidates whose
profiles are free text as agencies write them (French, Arabic, English; abbreviations, typos),
vacancies and training programmes — generated from ESCO labels, deterministic for a seed.

``generate(taxonomy, seed=..., candidates=..., ...)`` builds the bodies (no I/O);
``seed_demo(engine, normaliser=..., ...)`` stores them through the same path as the API's
create routes (profile text normalised in batches, concept rows stored with each profile),
creates one user per organisation and programme staff, and returns their tokens.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from api.auth import create_user
from api.db import open_session
from api.models.candidates import CandidateCreate
from api.models.openings import OpeningCreate
from api.normalisation import ProfileKind, ProfileNormaliser
from api.routes._concepts import insert_profile, texts_of
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["DemoProgramme", "DemoTokens", "Trade", "generate", "seed_demo"]


@dataclass(frozen=True, slots=True)
class Trade:
    """An occupation programmes recruit for: its ESCO English label, how agencies write the
    job title, and the diplomas candidates of that trade hold."""

    sector: str
    esco_label: str
    titles: tuple[str, ...]
    diplomas: tuple[str, ...]


TRADES: tuple[Trade, ...] = (
    Trade(
        "welding",
        "welder",
        ("soudeur TIG H/F", "Soudeur", "soudeur MIG/MAG", "لحام", "welder", "soudeur qualifié"),
        ("Technicien en soudage (OFPPT)", "CAP soudure", "Bac professionnel"),
    ),
    Trade(
        "electromechanics",
        "electromechanical engineering technician",
        (
            "Technicien spécialisé en électromécanique",
            "TS électromécanique",
            "technicien electromecanicien",
            "فني كهروميكانيك",
        ),
        ("BTS maintenance industrielle", "Technicien Spécialisé (OFPPT) en électromécanique"),
    ),
    Trade(
        "electromechanics",
        "industrial electrician",
        ("électricien industriel", "Electricien bâtiment et industrie", "كهربائي", "electrician"),
        ("DUT génie électrique", "BTP électricité", "Diplôme de technicien"),
    ),
    Trade(
        "electromechanics",
        "industrial machinery mechanic",
        ("mécanicien machines industrielles", "mecanicien de maintenance", "ميكانيكي"),
        ("BTS maintenance industrielle", "Bac technique"),
    ),
    Trade(
        "construction",
        "bricklayer",
        ("maçon", "Maçon coffreur", "بناء", "mason / bricklayer"),
        ("CAP maçonnerie", "Certificat de formation professionnelle"),
    ),
    Trade(
        "construction",
        "carpenter",
        ("charpentier", "menuisier charpentier", "نجار", "carpenter"),
        ("CAP charpente", "Diplôme de qualification professionnelle"),
    ),
    Trade(
        "construction",
        "plumber",
        ("plombier", "Plombier chauffagiste", "سباك"),
        ("CAP plomberie", "Technicien en installations sanitaires"),
    ),
    Trade(
        "care",
        "healthcare assistant",
        (
            "aide-soignante",
            "aide soignant(e)",
            "Auxiliaire de vie",
            "مساعدة ممرضة",
            "care assistant",
        ),
        ("Diplôme d'aide-soignant", "Licence en sciences infirmières", "Bac sciences"),
    ),
    Trade(
        "care",
        "home care aide",
        ("assistante de vie", "aide à domicile", "مرافقة كبار السن", "home carer"),
        ("Certificat d'auxiliaire de vie", "Baccalauréat"),
    ),
    Trade(
        "ict",
        "software developer",
        ("développeur full stack", "Developpeur Java/Spring", "software engineer", "مطور برمجيات"),
        (
            "Licence professionnelle en informatique",
            "Master en génie logiciel",
            "Bachelor of Science in Computer Science",
        ),
    ),
    Trade(
        "ict",
        "web developer",
        ("développeur web", "dev front-end React", "web developer", "مطور ويب"),
        ("DUT informatique", "Licence en informatique"),
    ),
    Trade(
        "hospitality",
        "cook",
        ("cuisinier", "commis de cuisine", "chef de partie", "طباخ", "cook"),
        ("CAP cuisine", "Technicien en cuisine (OFPPT)"),
    ),
    Trade(
        "hospitality",
        "waiter/waitress",
        ("serveur", "serveuse en restauration", "نادل", "waiter"),
        ("Qualification en service de restauration", "Baccalauréat"),
    ),
    Trade(
        "agriculture",
        "crop production worker",
        ("ouvrier agricole", "ouvrière agricole saisonnière", "عامل زراعي", "farm worker"),
        ("Certificat d'aptitude professionnelle agricole", "Brevet"),
    ),
    Trade(
        "logistics",
        "warehouse worker",
        ("magasinier", "préparateur de commandes", "أمين مخزن", "warehouse operative"),
        ("Bac professionnel logistique", "Technicien en logistique"),
    ),
    Trade(
        "logistics",
        "forklift operator",
        ("cariste", "conducteur de chariot élévateur CACES", "سائق رافعة شوكية", "forklift driver"),
        ("Certificat CACES", "Brevet"),
    ),
)

AGENCIES: tuple[tuple[str, str], ...] = (
    ("ANAPEC (Maroc)", "MA"),
    ("ANETI (Tunisie)", "TN"),
    ("Egyptian Ministry of Labour — Emigration Unit", "EG"),
)
EMPLOYER_COUNTRIES = ("BE", "DE", "IT", "ES")
_FIRST = {
    "MA": (
        ("Amina", "female"), ("Youssef", "male"), ("Fatima Zahra", "female"),
        ("Hamza", "male"), ("Khadija", "female"), ("Mehdi", "male"),
    ),
    "TN": (
        ("Sarra", "female"), ("Aymen", "male"), ("Rim", "female"),
        ("Wassim", "male"), ("Ines", "female"), ("Skander", "male"),
    ),
    "EG": (
        ("Mariam", "female"), ("Mohamed", "male"), ("Nour", "female"),
        ("Ahmed", "male"), ("Yasmin", "female"), ("Omar", "male"),
    ),
}  # fmt: skip
_LAST = {
    "MA": ("Benali", "El Idrissi", "Alaoui", "Bennani", "Tazi", "Chraibi"),
    "TN": ("Trabelsi", "Ben Salah", "Jebali", "Gharbi", "Mansouri", "Ayari"),
    "EG": ("Hassan", "Fathy", "Abdelrahman", "Mostafa", "Saleh", "Nasser"),
}
_TARGET_LANGUAGE = {"DE": "German", "BE": "French", "IT": "Italian", "ES": "Spanish"}
_LANGUAGE_LINES = {
    "DE": ("Allemand {lvl} (Goethe)", "allemand {lvl}", "German {lvl}", "الألمانية {lvl}"),
    "BE": ("français courant", "Français {lvl}", "néerlandais A1"),
    "IT": ("Italien {lvl}", "italiano {lvl}"),
    "ES": ("Espagnol {lvl} (DELE)", "espagnol {lvl}"),
}
_MOTHER_TONGUE = (
    "arabe langue maternelle",
    "Arabe (natif)",
    "العربية: اللغة الأم",
    "Arabic native",
)
_ENGLISH = ("anglais courant", "English B2 (IELTS 6.0)", "anglais notions", "English intermediate")
_LEVELS = ("A1", "A2", "A2", "B1", "B1", "B1", "B2", "B2", "C1")


@dataclass(frozen=True, slots=True)
class DemoProgramme:
    """``candidates``: (agency name, body); ``openings``: (employer name, body)."""

    agencies: tuple[str, ...]
    employers: tuple[str, ...]
    candidates: tuple[tuple[str, CandidateCreate], ...]
    openings: tuple[tuple[str, OpeningCreate], ...]


@dataclass(frozen=True, slots=True)
class DemoTokens:
    """API tokens of the demo users: programme staff, and one user per organisation."""

    staff: str
    agencies: dict[str, str]
    employers: dict[str, str]


def _trade_skills(taxonomy: Taxonomy, trade: Trade) -> tuple[str, tuple[str, ...]]:
    uri = next(
        u
        for u in taxonomy.uris("occupation")
        if taxonomy.preferred_label(u, lang="en") == trade.esco_label
    )
    return uri, tuple(sorted(taxonomy.occupation_skills_of(uri, relation="essential")))


def _noisy(rng: random.Random, text: str) -> str:
    """As an agency might type it: sometimes lower case, without accents, or with a typo."""
    roll = rng.random()
    if roll < 0.15:
        text = text.lower()
    elif roll < 0.3:
        text = "".join(
            c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
        )
    elif roll < 0.4 and len(text) > 6:
        i = rng.randrange(1, len(text) - 2)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def _label(taxonomy: Taxonomy, uri: str, lang: str) -> str:
    label = taxonomy.preferred_label(uri, lang=lang) or taxonomy.preferred_label(uri, lang="en")
    return label.split("/")[0].strip()


def generate(
    taxonomy: Taxonomy,
    *,
    seed: int = 0,
    candidates: int = 2000,
    employers: int = 40,
    vacancies: int = 300,
    trainings: int = 10,
) -> DemoProgramme:
    """The demo programme for ``seed`` (same seed and sizes → the same bodies)."""
    rng = random.Random(seed)
    trades = [(t, *_trade_skills(taxonomy, t)) for t in TRADES]
    employer_names = tuple(
        f"{name} {EMPLOYER_COUNTRIES[i % 4]}-{i + 1:02d}"
        for i, name in enumerate(
            rng.choice(("Bau", "Care", "Tech", "Agri", "Logistik", "Hotel", "Metall", "Soft"))
            for _ in range(employers)
        )
    )
    openings: list[tuple[str, OpeningCreate]] = []
    start = date(2027, 3, 1)
    for v in range(vacancies + trainings):
        trade, _occupation, skills = rng.choice(trades)
        employer = employer_names[v % len(employer_names)]
        country = EMPLOYER_COUNTRIES[employer_names.index(employer) % 4]
        picked = rng.sample(skills, k=min(len(skills), rng.randint(4, 7)))
        essential, optional = picked[:-2], picked[-2:]
        training = v >= vacancies
        lvl = rng.choice(("A1", "A2", "A2", "B1")) if not training else "A1"
        opening = OpeningCreate(
            external_ref=f"V{v + 1:04d}",
            kind="training" if training else "job",
            title=(
                f"Pre-departure training: {trade.esco_label}"
                if training
                else f"{trade.esco_label.capitalize()} ({country})"
            ),
            occupation=trade.esco_label,
            essential_skills="; ".join(_label(taxonomy, s, "en") for s in essential),
            optional_skills="; ".join(_label(taxonomy, s, "en") for s in optional),
            languages=f"{_TARGET_LANGUAGE[country]} {lvl}",
            capacity=rng.randint(10, 25) if training else rng.choice((1, 1, 2, 2, 3, 4, 5)),
            country=country,
            start_date=start + timedelta(days=30 * rng.randrange(6)),
        )
        openings.append((employer, opening))

    people: list[tuple[str, CandidateCreate]] = []
    for c in range(candidates):
        agency, origin = AGENCIES[c % len(AGENCIES)]
        trade, _occupation, skills = rng.choice(trades)
        first, gender = rng.choice(_FIRST[origin])
        lang = rng.choice(("fr", "fr", "fr", "en")) if origin != "EG" else rng.choice(("en", "fr"))
        held = rng.sample(skills, k=min(len(skills), rng.randint(3, 8)))
        destinations = rng.sample(EMPLOYER_COUNTRIES, k=rng.randint(0, 3))
        target = destinations[0] if destinations else rng.choice(EMPLOYER_COUNTRIES)
        language_line = [
            rng.choice(_MOTHER_TONGUE),
            rng.choice(_LANGUAGE_LINES[target]).format(lvl=rng.choice(_LEVELS)),
        ]
        if rng.random() < 0.5:
            language_line.append(rng.choice(_ENGLISH))
        body = CandidateCreate(
            external_ref=f"{origin}-{c + 1:05d}",
            full_name=f"{first} {rng.choice(_LAST[origin])}",
            birth_date=date(1975, 1, 1) + timedelta(days=rng.randrange(365 * 28)),
            email=f"candidate{c + 1}@example.org",
            gender=gender,  # type: ignore[arg-type]
            country=origin,
            job_titles=_noisy(rng, rng.choice(trade.titles)),
            skills=rng.choice((", ", " ; ", "\n")).join(
                _noisy(rng, _label(taxonomy, s, lang)) for s in held
            ),
            diplomas=rng.choice(trade.diplomas),
            languages=", ".join(language_line),
            experience_years=rng.randint(0, 15),
            destinations=destinations,
        )
        people.append((agency, body))
    return DemoProgramme(
        agencies=tuple(name for name, _ in AGENCIES),
        employers=employer_names,
        candidates=tuple(people),
        openings=tuple(openings),
    )


def seed_demo(
    engine: Engine,
    *,
    normaliser: ProfileNormaliser | None,
    taxonomy: Taxonomy,
    seed: int = 0,
    candidates: int = 2000,
    employers: int = 40,
    vacancies: int = 300,
    trainings: int = 10,
    batch: int = 500,
) -> DemoTokens:
    """Store the demo programme (organisations, users, profiles with their concept rows) in
    ``engine``'s database, migrated beforehand; the demo users' tokens."""
    programme = generate(
        taxonomy,
        seed=seed,
        candidates=candidates,
        employers=employers,
        vacancies=vacancies,
        trainings=trainings,
    )
    with open_session(engine, mode="write") as session:
        _user, staff = create_user(session, organisation="Programme", kind="programme")
        agency_tokens: dict[str, str] = {}
        agency_ids: dict[str, int] = {}
        for name in programme.agencies:
            user, agency_tokens[name] = create_user(session, organisation=name, kind="agency")
            agency_ids[name] = user.organisation_id
        employer_tokens: dict[str, str] = {}
        employer_ids: dict[str, int] = {}
        for name in programme.employers:
            user, employer_tokens[name] = create_user(session, organisation=name, kind="employer")
            employer_ids[name] = user.organisation_id
    _store(engine, normaliser, programme.candidates, agency_ids, batch=batch)
    _store(engine, normaliser, programme.openings, employer_ids, batch=batch)
    return DemoTokens(staff=staff, agencies=agency_tokens, employers=employer_tokens)


def _store(
    engine: Engine,
    normaliser: ProfileNormaliser | None,
    bodies: Sequence[tuple[str, CandidateCreate]] | Sequence[tuple[str, OpeningCreate]],
    owners: dict[str, int],
    *,
    batch: int,
) -> None:
    """Normalise a batch of profiles in one call (outside the transaction), then insert them
    with their concept rows, as the create routes do."""
    for at in range(0, len(bodies), batch):
        chunk: Sequence[tuple[str, CandidateCreate | OpeningCreate]] = bodies[at : at + batch]
        kind: ProfileKind = "candidate" if isinstance(chunk[0][1], CandidateCreate) else "opening"
        texts = [texts_of(body, kind=kind) for _, body in chunk]
        found = normaliser.normalise_profiles(kind=kind, profiles=texts) if normaliser else None
        with open_session(engine, mode="write") as session:
            for i, (owner, body) in enumerate(chunk):
                items = found[i] if found is not None else None
                insert_profile(session, body, kind=kind, owner_id=owners[owner], items=items)
            session.commit()
