"""Synthetic labour-mobility programmes built from ESCO's occupation–skill relations.

Candidates come from Morocco, Tunisia and Egypt; each trained for one occupation (sometimes
two) drawn from a pool of programme occupations with a skewed (Zipf-like) demand, holds most of
its essential skills (each with probability ``HOLD``, at a level in [0.5, 1]) plus a few
unrelated skills, lists the occupation as past experience half of the time, speaks Arabic
natively, French or English at B1–C2 and sometimes German/Italian/Spanish at A1–B2, has an EQF
level 3–7, 0–15 years of experience, often a short list of destination countries and a date
of availability in the first half of 2027. Openings (80 % jobs, 20 % training) take an
occupation from the same pool, its essential skills and a few optional ones, 1–5 places, a
country of the EU, often a minimum level of the country's language, a minimum EQF level and a
start date in 2027.

    .venv/bin/python -m benchmarks.synth --candidates 1000 --openings 100 --out /tmp/prog
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from matching.records import Candidate, LanguageLevel, Opening, SkillClaim
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["SIZES", "generate", "write_jsonl"]

#: Named sizes: (candidates, openings).
SIZES: dict[str, tuple[int, int]] = {
    "1k": (1_000, 100),
    "10k": (10_000, 1_000),
    "100k": (100_000, 10_000),
}
HOLD = 0.75
COUNTRIES = ("DE", "BE", "IT", "ES", "FR", "NL", "AT", "LT")
COUNTRY_LANGUAGE = {
    "DE": "de", "AT": "de", "BE": "fr", "FR": "fr", "IT": "it", "ES": "es", "NL": "en", "LT": "en",
}  # fmt: skip
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
ORIGINS = ("MA", "TN", "EG")
_DAY0 = dt.date(2026, 12, 1)


def generate(
    taxonomy: Taxonomy, *, n_candidates: int, n_openings: int, seed: int = 0
) -> tuple[list[Candidate], list[Opening]]:
    rng = np.random.default_rng(seed)
    links = taxonomy.occupation_skills
    ess = (
        links.filter(pl.col("relation") == "essential").group_by("occupation_uri").agg("skill_uri")
    )
    opt = links.filter(pl.col("relation") == "optional").group_by("occupation_uri").agg("skill_uri")
    essential = dict(zip(ess["occupation_uri"].to_list(), ess["skill_uri"].to_list(), strict=True))
    optional = dict(zip(opt["occupation_uri"].to_list(), opt["skill_uri"].to_list(), strict=True))
    occupations = sorted(essential)
    pool_size = min(len(occupations), max(20, n_openings // 10))
    pool = [occupations[i] for i in rng.choice(len(occupations), pool_size, replace=False)]
    weight = 1.0 / np.arange(1, pool_size + 1) ** 0.8
    weight /= weight.sum()
    skills = taxonomy.uris("skill")

    openings: list[Opening] = []
    occ_of_opening = rng.choice(pool_size, n_openings, p=weight)
    for j in range(n_openings):
        occ = pool[int(occ_of_opening[j])]
        country = COUNTRIES[int(rng.integers(len(COUNTRIES)))]
        opts = optional.get(occ, [])
        n_opt = min(len(opts), int(rng.integers(0, 6)))
        picked_opt = sorted(opts[i] for i in rng.choice(len(opts), n_opt, replace=False))
        min_languages: tuple[LanguageLevel, ...] = ()
        if rng.random() < 0.7:
            level = LEVELS[int(rng.integers(1, 4))]
            min_languages = (LanguageLevel(COUNTRY_LANGUAGE[country], level),)
        openings.append(
            Opening(
                id=f"v{j:06d}",
                kind="training" if rng.random() < 0.2 else "job",
                employer=f"e{int(rng.integers(n_openings // 3 + 1)):05d}",
                country=country,
                occupation=occ,
                essential_skills=tuple(sorted(essential[occ])),
                optional_skills=tuple(s for s in picked_opt if s not in essential[occ]),
                min_languages=min_languages,
                min_eqf=int(rng.choice([0, 0, 3, 4, 5])),
                capacity=int(rng.integers(1, 6)),
                start=_DAY0 + dt.timedelta(days=int(rng.integers(60, 300))),
            )
        )

    candidates = _candidates(rng, n_candidates, pool, weight, essential, skills)
    return candidates, openings


def _candidates(
    rng: np.random.Generator,
    n: int,
    pool: list[str],
    weight: npt.NDArray[np.floating[Any]],
    essential: dict[str, list[str]],
    skills: tuple[str, ...],
) -> list[Candidate]:
    """Candidates drawn with whole-array draws (fast enough for 100k)."""
    skill_col = {uri: k for k, uri in enumerate(skills)}
    flat = [[skill_col[u] for u in essential[occ]] for occ in pool]
    sizes = np.array([len(f) for f in flat], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    members = np.array([k for f in flat for k in f], dtype=np.int64)
    primary = rng.choice(len(pool), n, p=weight)
    second = np.where(rng.random(n) < 0.3, rng.integers(len(pool), size=n), -1)
    parts = []
    for rank, (occ, hold) in enumerate(((primary, HOLD), (second, 0.4))):
        who = np.flatnonzero(occ >= 0)
        size = sizes[occ[who]]
        start = indptr[occ[who]]
        offsets = np.repeat(start - (np.cumsum(size) - size), size) + np.arange(int(size.sum()))
        cand = np.repeat(who, size)
        keep = rng.random(len(cand)) < hold
        level = np.round(rng.uniform(0.5, 1.0, len(cand)), 2)
        parts.append((cand[keep], members[offsets][keep], level[keep], np.full(keep.sum(), rank)))
    noise_c = np.repeat(np.arange(n), 3)
    parts.append(
        (
            noise_c,
            rng.integers(len(skills), size=len(noise_c)),
            np.round(rng.uniform(0.3, 1.0, len(noise_c)), 2),
            np.full(len(noise_c), 2),
        )
    )
    cand, skill, level, prio = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((prio, skill, cand))
    cand, skill, level = cand[order], skill[order], level[order]
    first = np.r_[True, (cand[1:] != cand[:-1]) | (skill[1:] != skill[:-1])]
    cand, skill, level = cand[first], skill[first], level[first]
    bounds = np.searchsorted(cand, np.arange(n + 1)).tolist()
    skill_l, level_l = skill.tolist(), level.tolist()

    second_lang = np.where(rng.random(n) < 0.7, "fr", "en")
    second_level = rng.integers(2, 6, n)
    extra = rng.random((n, 4)) < 0.3
    extra_level = rng.integers(0, 4, (n, 4))
    n_dest = rng.choice([0, 0, 1, 2, 3], n)
    dest_order = np.argsort(rng.random((n, len(COUNTRIES))), axis=1)
    lists_occupation = rng.random(n) < 0.5
    eqf = rng.integers(3, 8, n)
    experience = np.round(rng.uniform(0, 15, n), 1)
    female = rng.random(n) < 0.4
    origin = rng.integers(len(ORIGINS), size=n)
    available = rng.integers(0, 200, n)
    out: list[Candidate] = []
    for i in range(n):
        languages = {"ar": "native", str(second_lang[i]): LEVELS[int(second_level[i])]}
        for k, lang in enumerate(("de", "it", "es", "en")):
            if lang not in languages and extra[i, k]:
                languages[lang] = LEVELS[int(extra_level[i, k])]
        a, b = bounds[i], bounds[i + 1]
        out.append(
            Candidate(
                id=f"c{i:07d}",
                skills=tuple(
                    SkillClaim(skills[k], v)
                    for k, v in zip(skill_l[a:b], level_l[a:b], strict=True)
                ),
                occupations=(pool[int(primary[i])],) if lists_occupation[i] else (),
                languages=tuple(LanguageLevel(k, v) for k, v in sorted(languages.items())),
                eqf=int(eqf[i]),
                experience_years=float(experience[i]),
                gender="f" if female[i] else "m",
                origin=ORIGINS[int(origin[i])],
                destinations=tuple(COUNTRIES[int(k)] for k in dest_order[i, : n_dest[i]]),
                available_from=_DAY0 + dt.timedelta(days=int(available[i])),
            )
        )
    return out


def write_jsonl(path: Path, rows: Sequence[Candidate] | Sequence[Opening]) -> None:
    """One JSON object per line, in the CLI's input shape."""
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(_as_json(row), ensure_ascii=False) + "\n")


def _as_json(row: Candidate | Opening) -> dict[str, object]:
    if isinstance(row, Candidate):
        return {
            "id": row.id,
            "skills": [{"uri": s.uri, "level": s.level} for s in row.skills],
            "occupations": list(row.occupations),
            "languages": {lv.language: lv.level for lv in row.languages},
            "eqf": row.eqf,
            "experience_years": row.experience_years,
            "gender": row.gender,
            "origin": row.origin,
            "destinations": list(row.destinations),
            "available_from": None if row.available_from is None else str(row.available_from),
            "preferences": list(row.preferences),
        }
    return {
        "id": row.id,
        "kind": row.kind,
        "employer": row.employer,
        "country": row.country,
        "occupation": row.occupation,
        "essential_skills": list(row.essential_skills),
        "optional_skills": list(row.optional_skills),
        "min_languages": {lv.language: lv.level for lv in row.min_languages},
        "min_eqf": row.min_eqf,
        "capacity": row.capacity,
        "start": None if row.start is None else str(row.start),
        "ranking": list(row.ranking),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--openings", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--taxonomy", help="taxonomy bundle (default: the bundled ESCO copy)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the JSONL files")
    args = parser.parse_args(argv)
    taxonomy = Taxonomy.load(args.taxonomy) if args.taxonomy else Taxonomy.load_bundled()
    cands, opens = generate(
        taxonomy, n_candidates=args.candidates, n_openings=args.openings, seed=args.seed
    )
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "candidates.jsonl", cands)
    write_jsonl(args.out / "openings.jsonl", opens)
    print(f"wrote {len(cands)} candidates and {len(opens)} openings to {args.out}")


if __name__ == "__main__":
    main()
