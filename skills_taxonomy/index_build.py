"""Fitting the ``ConceptIndex`` of one concept kind from an ESCO taxonomy.

Labels (occupation labels with gendered pairs split), their ``label_terms``, one concept document
per concept (labels, description words, and for occupations the English labels of essential
skills) and the prior (skills: occupations using them; occupations: number of labels). Concepts
none of whose labels holds a word are left out. The fitted result can be persisted with
``index_store``; the source of this module is part of the store's fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import polars as pl

from skills_taxonomy.index import ConceptIndex, IndexWeights, LabelRows
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import label_terms, split_gendered_label

__all__ = ["build_index"]

Kind = Literal["skill", "occupation"]


def build_index(taxonomy: Taxonomy, *, kind: Kind, weights: IndexWeights) -> ConceptIndex:
    """Fit the ``ConceptIndex`` of one kind from the taxonomy's labels, descriptions, links."""
    uris = (
        taxonomy.concepts.filter(pl.col("kind") == kind).select("uri").sort("uri").to_series()
    ).to_list()
    pos = {uri: i for i, uri in enumerate(uris)}
    labels = taxonomy.labels.filter(pl.col("uri").is_in(uris))
    concept: list[int] = []
    text: list[str] = []
    terms: list[tuple[str, ...]] = []
    langs: list[str] = []
    preferred: list[bool] = []
    documents: list[list[str]] = [[] for _ in uris]
    for uri, lang, label_type, label in labels.select(
        "uri", "lang", "label_type", "text"
    ).iter_rows():
        forms = split_gendered_label(label) if kind == "occupation" else (label,)
        for form in forms:
            form_terms = label_terms(form)
            if not form_terms:
                continue
            i = pos[uri]
            concept.append(i)
            text.append(form)
            terms.append(form_terms)
            langs.append(lang)
            preferred.append(label_type == "preferred")
            documents[i].extend(form_terms)
    descriptions = taxonomy.descriptions.filter(pl.col("uri").is_in(uris))
    for uri, desc in descriptions.select("uri", "text").iter_rows():
        words = (t for word in desc.split() for t in label_terms(word))
        documents[pos[uri]].extend(dict.fromkeys(words))
    if kind == "occupation":
        _add_skill_labels(taxonomy, pos, documents)
    # A concept none of whose labels holds a word cannot be found: leave it out of the index.
    kept = sorted(set(concept))
    if len(kept) < len(uris):
        remap = {old: new for new, old in enumerate(kept)}
        uris = [uris[i] for i in kept]
        documents = [documents[i] for i in kept]
        concept = [remap[c] for c in concept]
    rows = LabelRows(
        concept=tuple(concept),
        text=tuple(text),
        terms=tuple(terms),
        lang=tuple(langs),
        preferred=tuple(preferred),
    )
    skill = kind == "skill"
    return ConceptIndex(
        uris=uris,
        rows=rows,
        documents=documents,
        weights=weights,
        prior=_skill_prior(taxonomy, uris) if skill else None,
        # Skill labels are verb phrases ("operate forklift"), queries noun phrases: no head word.
        heads=not skill,
    )


def _skill_prior(taxonomy: Taxonomy, uris: Sequence[str]) -> list[float]:
    """How common a skill is: occupations requiring it (essential 1, optional ½), log-scaled."""
    links = (
        taxonomy.occupation_skills.group_by("skill_uri")
        .agg((pl.when(pl.col("relation") == "essential").then(1.0).otherwise(0.5)).sum())
        .rows()
    )
    weight = dict(links)
    raw = np.log1p(np.asarray([weight.get(u, 0.0) for u in uris], dtype=np.float64))
    top = float(raw.max()) or 1.0
    return [float(x) for x in raw / top]


def _add_skill_labels(taxonomy: Taxonomy, pos: Mapping[str, int], docs: list[list[str]]) -> None:
    """Append the English preferred labels of each occupation's essential skills (once each)."""
    preferred = taxonomy.labels.filter(
        (pl.col("label_type") == "preferred") & (pl.col("lang") == "en")
    ).select(skill_uri="uri", skill_label="text")
    pairs = (
        taxonomy.occupation_skills.filter(pl.col("relation") == "essential")
        .join(preferred, on="skill_uri")
        .group_by("occupation_uri")
        .agg(pl.col("skill_label"))
    )
    for occ, skill_labels in pairs.iter_rows():
        if occ in pos:
            words = dict.fromkeys(w for label in skill_labels for w in label_terms(label))
            docs[pos[occ]].extend(words)
