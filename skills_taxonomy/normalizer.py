"""Free text (job titles, skills; fr/ar/en/…) → ranked ESCO concepts with a confidence.

``Normalizer(taxonomy)`` loads (``index_store``; fitted by ``index_build`` when the stored
index does not match) a ``ConceptIndex`` per concept kind (see ``index``);
``normalize(texts, kind=..., lang=None, top_k=10)`` then scores whole batches with sparse
matrix products and returns one ``NormalizedText`` per input, in order.

Ranking, per text:

1. **synonym** — a staff-confirmed mapping (``synonyms``: text → URI, compared after
   ``synonym_key`` folding) comes first with score 1.0.
2. **exact** — the cleaned query equals the cleaned form of an ESCO label (any language):
   score 1.0.
3. **lexical / fuzzy / related** — the index score (char n-grams, words, head word, concept
   document; labels in the text's language slightly boosted, but every language searched),
   reranked over a short candidate list with ``rapidfuzz`` token-sort similarity. ``method`` says
   what carried the match: ``"lexical"`` when the best label shares a whole word with the query,
   ``"fuzzy"`` when only character n-grams matched (typos, compounds), ``"related"`` when the
   concept was found through its description or its skills rather than a label.

``score`` is in [0, 1]. A text whose best score is below ``threshold`` is *unresolved*
(``resolved=False``) but keeps its best guesses. Default 0.5: an exact label scores 1.0, a
label sharing the main words of the text ≈ 0.55–0.75, character-only or description-only
guesses fall below 0.4 (spot checks on ESCO labels; not yet calibrated on a labelled set).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, get_args

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz import fuzz, process

from skills_taxonomy.errors import TaxonomyError, UnknownConceptError
from skills_taxonomy.index import ConceptIndex, IndexWeights, word_features
from skills_taxonomy.index_build import Kind, build_index
from skills_taxonomy.index_store import BUNDLED_STORE_PATH, fingerprint, read_store
from skills_taxonomy.langdetect import detect_language
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import label_terms, query_terms

__all__ = [
    "DEFAULT_THRESHOLD",
    "InvalidNormalizeArgumentError",
    "Kind",
    "Match",
    "Method",
    "NormalizedText",
    "Normalizer",
    "synonym_key",
]

Method = Literal["synonym", "exact", "lexical", "fuzzy", "related"]
KINDS: tuple[Kind, ...] = get_args(Kind)

#: Below this score a text is reported unresolved (see the module docstring).
DEFAULT_THRESHOLD = 0.5
#: Candidates per text passed to the fuzzy rerank.
_RERANK_POOL = 30
#: Queries scored per dense block (bounds memory: block × labels float32).
_BLOCK = 256
#: Weight of the rapidfuzz similarity in the final score.
_FUZZ_WEIGHT = 0.25


class InvalidNormalizeArgumentError(TaxonomyError, ValueError):
    """A bad argument to ``normalize`` (unknown kind, bad top_k, non-str text…)."""


class Match(NamedTuple):
    """One candidate concept for a text."""

    uri: str
    label: str
    score: float
    method: Method


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The concepts found for one input text (``matches`` best first, possibly empty)."""

    text: str
    lang: str | None
    resolved: bool
    matches: tuple[Match, ...]


def synonym_key(text: str) -> str:
    """The folded form under which a synonym is stored and looked up."""
    return " ".join(label_terms(text))


def _check_kind(kind: object) -> Kind:
    if kind not in KINDS:
        raise InvalidNormalizeArgumentError(f"kind must be one of {KINDS!r}; got {kind!r}")
    return kind


class Normalizer:
    """Maps free text onto ESCO skills or occupations; built once, then reused (thread-safe).

    Parameters
    ----------
    taxonomy:
        The ESCO taxonomy to normalise onto.
    synonyms:
        Staff-confirmed mappings ``text → concept URI``; they take precedence over the model.
    threshold:
        Minimum best score for a text to be *resolved* (0..1).
    kinds:
        The concept kinds to index (both by default; one is faster to build).
    weights:
        Weights of the index score components (defaults tuned on ESCO itself).
    store:
        A fitted index written by ``index_store`` (default: the one shipped with the bundled
        taxonomy). Used only when its fingerprint matches ``taxonomy`` and this code; otherwise,
        or with ``None``, the index is fitted in memory (~20 s of CPU instead of ~1–2 s).
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        synonyms: Mapping[str, str] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        kinds: Sequence[Kind] = KINDS,
        weights: IndexWeights | None = None,
        store: str | Path | None = BUNDLED_STORE_PATH,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise InvalidNormalizeArgumentError(f"threshold must be in [0, 1]; got {threshold!r}")
        self.taxonomy = taxonomy
        self.threshold = threshold
        self.weights = weights or IndexWeights()
        wanted = tuple(dict.fromkeys(_check_kind(kind) for kind in kinds))
        states = (
            read_store(store, key=fingerprint(taxonomy), kinds=wanted)
            if store is not None and wanted
            else None
        )
        self.indexes_: dict[Kind, ConceptIndex] = {
            kind: (
                ConceptIndex.from_state(states[kind], weights=self.weights)
                if states is not None
                else build_index(taxonomy, kind=kind, weights=self.weights)
            )
            for kind in wanted
        }
        self.synonyms_: dict[str, tuple[Kind, str]] = {}
        self.synonyms_ = self._resolve_synonyms(synonyms or {})

    # --- construction ------------------------------------------------------------------------
    def _resolve_synonyms(self, mapping: Mapping[str, str]) -> dict[str, tuple[Kind, str]]:
        kinds = dict(
            self.taxonomy.concepts.filter(pl.col("kind").is_in(KINDS))
            .select("uri", "kind")
            .iter_rows()
        )
        resolved = dict(self.synonyms_)
        for text, uri in mapping.items():
            if not isinstance(text, str) or not isinstance(uri, str):
                raise InvalidNormalizeArgumentError(
                    f"synonyms must map str to str; got {text!r} → {uri!r}"
                )
            if uri not in kinds:
                raise UnknownConceptError(uri)
            key = synonym_key(text)
            if key:
                resolved[key] = (kinds[uri], uri)
        return resolved

    def with_synonyms(self, mapping: Mapping[str, str]) -> Normalizer:
        """A new normaliser with ``mapping`` added to the synonyms, sharing this one's index."""
        new = object.__new__(Normalizer)
        new.taxonomy = self.taxonomy
        new.threshold = self.threshold
        new.weights = self.weights
        new.indexes_ = self.indexes_
        new.synonyms_ = self.synonyms_
        new.synonyms_ = new._resolve_synonyms(mapping)
        return new

    # --- normalisation -----------------------------------------------------------------------
    def normalize(
        self,
        texts: Sequence[str],
        *,
        kind: Kind,
        lang: str | None = None,
        top_k: int = 10,
    ) -> list[NormalizedText]:
        """Ranked ESCO concepts of ``kind`` for each text, in input order."""
        index = self._index(kind)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise InvalidNormalizeArgumentError(f"top_k must be a positive int; got {top_k!r}")
        if isinstance(texts, str) or not isinstance(texts, Sequence):
            raise InvalidNormalizeArgumentError(
                f"texts must be a sequence of str; got {type(texts).__name__}"
            )
        if lang is not None and not isinstance(lang, str):
            raise InvalidNormalizeArgumentError(f"lang must be a str or None; got {lang!r}")
        for pos, text in enumerate(texts):
            if not isinstance(text, str):
                raise InvalidNormalizeArgumentError(
                    f"texts[{pos}] must be str; got {type(text).__name__}: {text!r:.60}"
                )
        # Agencies repeat titles: each distinct text is normalised once.
        distinct = list(dict.fromkeys(texts))
        done: dict[str, NormalizedText] = {}
        for start in range(0, len(distinct), _BLOCK):
            block = distinct[start : start + _BLOCK]
            done.update(zip(block, self._block(block, index, kind, lang, top_k), strict=True))
        return [done[text] for text in texts]

    def _index(self, kind: object) -> ConceptIndex:
        checked = _check_kind(kind)
        if checked not in self.indexes_:
            raise InvalidNormalizeArgumentError(
                f"this normaliser was built without kind {checked!r}; "
                f"built: {tuple(self.indexes_)!r}"
            )
        return self.indexes_[checked]

    def _block(
        self,
        texts: Sequence[str],
        index: ConceptIndex,
        kind: Kind,
        lang: str | None,
        top_k: int,
    ) -> Iterable[NormalizedText]:
        langs = [lang if lang is not None else detect_language(t) for t in texts]
        terms = [
            index.correct(query_terms(t, lang=lg, kind=kind))
            for t, lg in zip(texts, langs, strict=True)
        ]
        keys = [" ".join(ts) for ts in terms]
        live = [i for i, ts in enumerate(terms) if ts]
        results: dict[int, tuple[Match, ...]] = {}
        if live:
            label_scores = index.label_scores(
                [terms[i] for i in live],
                [word_features(terms[i], langs[i], heads=index.heads) for i in live],
                [langs[i] for i in live],
            )
            concept_scores, best_label = index.concept_scores(
                label_scores, [terms[i] for i in live]
            )
            pool = min(max(_RERANK_POOL, top_k), index.n_concepts)
            candidates = np.argpartition(-concept_scores, pool - 1, axis=1)[:, :pool]
            exact_rows = [row for row, i in enumerate(live) if keys[i] in index.exact]
            for row in exact_rows:  # rare: exact concepts may lie outside the pool
                i = live[row]
                results[i] = self._rank(
                    index,
                    candidates[row].tolist(),
                    concept_scores[row],
                    best_label[row],
                    keys[i],
                    set(terms[i]),
                    top_k,
                )
            pooled = np.setdiff1d(np.arange(len(live)), exact_rows)
            if len(pooled):
                ranked = self._rank_pools(
                    index,
                    candidates[pooled],
                    concept_scores[pooled],
                    best_label[pooled],
                    [keys[live[row]] for row in pooled.tolist()],
                    top_k,
                )
                for row, found in zip(pooled.tolist(), ranked, strict=True):
                    results[live[row]] = found
        for i, text in enumerate(texts):
            matches = results.get(i, ())
            synonym = self.synonyms_.get(synonym_key(text))
            if synonym is not None and synonym[0] == kind:
                uri = synonym[1]
                label = self.taxonomy.preferred_label(uri, lang=langs[i] or "en")
                rest = tuple(m for m in matches if m.uri != uri)
                matches = (Match(uri, label, 1.0, "synonym"), *rest)[:top_k]
            resolved = bool(matches) and matches[0].score >= self.threshold
            yield NormalizedText(text=text, lang=langs[i], resolved=resolved, matches=matches)

    def _rank_pools(
        self,
        index: ConceptIndex,
        candidates: npt.NDArray[np.intp],
        concept_scores: npt.NDArray[np.float32],
        best_label: npt.NDArray[np.int32],
        keys: Sequence[str],
        top_k: int,
    ) -> list[tuple[Match, ...]]:
        """``_rank`` for many texts without exact matches at once: the fuzzy similarity of every
        (text, candidate label) pair in one ``rapidfuzz.process.cpdist`` call, scores and order
        in numpy; only the ``top_k`` kept per text are turned into ``Match`` objects."""
        n, pool = candidates.shape
        rows = np.arange(n)[:, None]
        own = concept_scores[rows, candidates].astype(np.float64)
        pos = best_label[rows, candidates].astype(np.int64)
        pos = np.where(pos < 0, index.starts[candidates], pos)
        label_keys = [index.label_key[p] for p in pos.ravel().tolist()]
        fz = process.cpdist(
            [key for key in keys for _ in range(pool)],
            label_keys,
            scorer=fuzz.token_sort_ratio,
            dtype=np.float64,
            workers=1,
        ).reshape(n, pool)
        score = (own + _FUZZ_WEIGHT * fz / 100.0) / self._scale()
        order = np.lexsort((candidates, -score), axis=1)[:, :top_k]
        out: list[tuple[Match, ...]] = []
        for row, key in enumerate(keys):
            term_set = set(key.split(" "))
            matches: list[Match] = []
            for j in order[row].tolist():
                p = int(pos[row, j])
                f = float(fz[row, j])
                method: Method
                if term_set.intersection(index.label_key[p].split()):
                    method = "lexical"
                elif f >= 50:
                    method = "fuzzy"
                else:
                    method = "related"
                matches.append(
                    Match(
                        index.uris[int(candidates[row, j])],
                        index.label_text[p],
                        round(min(float(score[row, j]), 1.0), 4),
                        method,
                    )
                )
            out.append(tuple(matches))
        return out

    def _scale(self) -> float:
        w = self.weights
        return w.char + w.word + w.document + w.same_language + w.preferred + w.prior + _FUZZ_WEIGHT

    def _rank(
        self,
        index: ConceptIndex,
        candidates: list[int],
        concept_row: npt.NDArray[np.float32],
        label_row: npt.NDArray[np.int32],
        key: str,
        term_set: set[str],
        top_k: int,
    ) -> tuple[Match, ...]:
        exact = set(index.exact.get(key, ()))
        concepts = [*candidates, *exact.difference(candidates)]
        scale = self._scale()
        scored: list[tuple[float, int, int, Method]] = []
        for concept in concepts:
            pos = int(label_row[concept])
            if pos < 0:
                pos = index.label_range(concept)[0]
            label_key = index.label_key[pos]
            fz = fuzz.token_sort_ratio(key, label_key)
            score = (float(concept_row[concept]) + _FUZZ_WEIGHT * fz / 100.0) / scale
            method: Method
            if concept in exact:
                method, score = "exact", 1.0 + score  # above every non-exact match
            elif term_set.intersection(label_key.split()):
                method = "lexical"
            elif fz >= 50:
                method = "fuzzy"
            else:
                method = "related"
            scored.append((score, concept, pos, method))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return tuple(
            Match(index.uris[c], index.label_text[p], round(min(s, 1.0), 4), m)
            for s, c, p, m in scored[:top_k]
        )
