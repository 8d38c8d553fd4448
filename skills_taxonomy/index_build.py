"""Fitting the ``ConceptIndex`` of one concept kind from an ESCO taxonomy.

Labels (occupation labels with gendered pairs split), their ``label_terms``, for occupations
the names of their ISCO unit group as group labels, one concept document per concept (labels,
description words, and for occupations the English labels of essential skills) and the prior
(skills: occupations using them; occupations: number of labels). Concepts none of whose labels
holds a word are left out. The fitted result can be persisted with ``index_store``; the source
of this module is part of the store's fingerprint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

import numpy as np
import polars as pl

from skills_taxonomy.index import ConceptIndex, IndexWeights, LabelRows
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import label_terms, split_gendered_label

__all__ = ["build_index"]

#: Most occupations an ISCO unit group may hold to lend its labels to them (the default
#: ``top_k``: a text naming the group then finds all of its members in one answer list).
_GROUP_MAX = 10

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
    group: list[bool] = []
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
            group.append(False)
            documents[i].extend(form_terms)
    if kind == "occupation":
        for i, lang, name, name_terms in _group_labels(taxonomy, uris):
            concept.append(i)
            text.append(name)
            terms.append(name_terms)
            langs.append(lang)
            preferred.append(False)
            group.append(True)
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
        group=tuple(group),
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


def _group_labels(
    taxonomy: Taxonomy, uris: Sequence[str]
) -> Iterator[tuple[int, str, str, tuple[str, ...]]]:
    """``(concept, lang, name, terms)`` for each label of each occupation's ISCO unit group:
    ``terms`` those of the group's label ("Conducteurs de chariots élévateurs"), ``name`` the
    occupation's own preferred label in that language, which is what a match shows.

    ESCO's occupation labels often lack the plain wording of the job that the ISCO group has
    (no French label of forklift operator says "chariot élévateur"; its group's does).
    Groups of more than ``_GROUP_MAX`` occupations lend no labels: their name is too general
    to name a member ("Vendeurs, magasin" covers 44), and a text naming them would find more
    members, all tied, than an answer list shows, in place of the one its own words name."""
    groups = taxonomy.concepts.filter(pl.col("kind") == "isco_group").select(
        group_uri="uri", isco_group="code"
    )
    group_labels = (
        taxonomy.labels.join(groups, left_on="uri", right_on="group_uri")
        .select("isco_group", "lang", "text")
        .sort("isco_group", "lang", "text")
    )
    by_group: dict[str, list[tuple[str, str]]] = {}
    for code, lang, label in group_labels.iter_rows():
        by_group.setdefault(code, []).append((lang, label))
    codes = dict(
        taxonomy.concepts.filter(pl.col("kind") == "occupation")
        .select("uri", "isco_group")
        .iter_rows()
    )
    members = Counter(codes.get(uri) for uri in uris)
    for i, uri in enumerate(uris):
        code = codes.get(uri)
        if code is None or members[code] > _GROUP_MAX:
            continue
        for lang, label in by_group.get(code, ()):
            group_terms = label_terms(label)
            if group_terms:
                name = split_gendered_label(taxonomy.preferred_label(uri, lang=lang))[0]
                yield i, lang, name, group_terms


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
