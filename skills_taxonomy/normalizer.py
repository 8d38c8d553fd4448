"""Free text (job titles, skills; fr/ar/en/…) → ranked ESCO concepts with a confidence.

``Normalizer(taxonomy)`` loads (``index_store``; fitted by ``index_build`` when the stored
index does not match) a ``ConceptIndex`` per concept kind (see ``index``);
``normalize(texts, kind=..., lang=None, top_k=10)`` then scores whole batches with sparse
matrix products and returns one ``NormalizedText`` per input, in order.

Ranking, per text:

1. **synonym** — a staff-confirmed mapping (``synonyms``: text → URI, compared after
   ``synonym_key`` folding) comes first with score 1.0.
2. **exact** — the query as written ("Head Chef"), else the cleaned query ("Soudeur H/F"),
   equals the cleaned form of an ESCO label (any language): score 1.0. A query whose words had
   to be corrected first is never exact.
3. **lexical / fuzzy / related** — the index score (char n-grams, words, head word, concept
   document; labels in the text's language slightly boosted, but every language searched),
   reranked over a short candidate list with ``rapidfuzz`` token-sort similarity. ``method`` says
   what carried the match: ``"lexical"`` when the best label shares a whole word with the query,
   ``"fuzzy"`` when only character n-grams matched (typos, compounds), ``"related"`` when the
   concept was found through its description, its skills or its meaning rather than a label.

   For an **English, French, German or Spanish** text (given or detected), meaning counts
   too: the cosine similarity of the text and the concept (``semantic``: static word-piece
   vectors fitted to a sentence encoder on ESCO's English labels; the other languages' pieces
   fitted to the same space on ESCO's labels in that language) is added with the weight of all
   the lexical evidence together, and the concepts closest in meaning join the pool even when
   no word is shared ("car repair" → "carry out repair of vehicles"). Texts in other languages
   (Arabic, Italian…) are ranked exactly as without it. The model reads ``semantic_text``: a
   French skill text with the ESCO wording ``FRENCH_SKILL_WORDS`` adds to it.

Agencies write the same short lines again and again: the model's answer per (kind, language
given, ``top_k``, text) is memoised (``memo_size`` entries, least recently used dropped first;
``memo_info()`` counts hits). The memo holds the answer *before* synonyms and the threshold are
applied, and is shared by the normalisers ``with_synonyms`` derives (same index, same
weights): a synonym added or changed is applied on every call, never read from the memo.

``score`` is in [0, 1]. A text whose best score is below ``threshold`` is *unresolved*
(``resolved=False``) but keeps its best guesses. Default 0.5: an exact label scores 1.0, a
label sharing the main words of the text ≈ 0.55–0.75, character-only or description-only
guesses fall below 0.4 (spot checks on ESCO labels; not yet calibrated on a labelled set).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, get_args

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz import fuzz, process
from threadpoolctl import ThreadpoolController

from skills_taxonomy.errors import TaxonomyError, UnknownConceptError
from skills_taxonomy.index import ConceptIndex, IndexWeights, word_features
from skills_taxonomy.index_build import Kind, build_index
from skills_taxonomy.index_store import (
    BUNDLED_STORE_PATH,
    fingerprint,
    read_concept_vectors,
    read_store,
)
from skills_taxonomy.langdetect import detect_language
from skills_taxonomy.memo import BoundedMemo, MemoInfo
from skills_taxonomy.semantic import (
    BUNDLED_SEMANTIC_PATH,
    CROSS_LINGUAL,
    QuantisedRows,
    SemanticModel,
    exact_cosines,
    semantic_path,
)
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import label_terms, query_terms, semantic_text

__all__ = [
    "DEFAULT_MEMO_SIZE",
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
#: Queries scored per dense block, at most. A block's dense (texts × concepts) float32 scores
#: are read and written several times: fewer texts per block where the kind has many concepts,
#: so that they stay cache-sized (``_BLOCK_FLOATS``, 8 MB): 256 texts for the 3,007 occupations,
#: 128 for the 13,896 skills (256 cost the skills ~10 % more CPU per text on a 32 MB L3).
_BLOCK = 256
_BLOCK_FLOATS = 2**21
#: Weight of the rapidfuzz similarity in the final score.
_FUZZ_WEIGHT = 0.25
#: Weight of the semantic similarity (about that of all the lexical evidence together).
_SEMANTIC_WEIGHT = 1.4
#: Cosine similarity that any text reaches with some concept: the vectors are not centred, and
#: even an unrelated text ("the weather is nice today") has a concept at ~0.6 (median over 20
#: made-up unrelated texts: 0.58 occupations, 0.69 skills).
_SEMANTIC_LEVEL = 0.6
#: What the semantic term adds to a text's score scale. Ranks do not depend on it (one
#: constant per text); the meaning of the score does. Chosen so that at the default threshold
#: 0.5, a text whose semantic similarity is only that level keeps the score its lexical
#: evidence alone gives: (L + w·level) / (S + x) = 0.5 when L / S = 0.5 ⇔ x = 2·w·level.
#: (Growing by the term's maximum w, as before, made "test" a resolved skill and most unrelated
#: lines resolved; a perfect match now scores (S + w) / (S + x) < 1, exact labels still 1.)
_SEMANTIC_SCALE = 2 * _SEMANTIC_WEIGHT * _SEMANTIC_LEVEL
#: Language of the concept vectors (centroids of the English label vectors).
_SEMANTIC_LANG = "en"
#: The similarity product runs on one BLAS thread: OpenBLAS's idle threads spin after each
#: call, which took ~40 % more CPU for no gain in time (and starves the other worker of
#: ``normalize --jobs 2`` or of the server).
_BLAS = ThreadpoolController()
#: Texts whose model answer is memoised, by default (~0.45 KB each at ``top_k=1``, ~1.4 KB at
#: ``top_k=10``: 7–23 MB when full).
DEFAULT_MEMO_SIZE = 16_384


class InvalidNormalizeArgumentError(TaxonomyError, ValueError):
    """A bad argument to ``normalize`` (unknown kind, bad top_k, non-str text…)."""


class Match(NamedTuple):
    """One candidate concept for a text. ``label`` is the concept's label that matched the
    text best, in whichever language it is (it shows why the concept came up; one of its
    labels when no label matched); the preferred label in a given language is
    ``Taxonomy.preferred_label``."""

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


#: (kind, language given, top_k, text) → (language used, matches before synonyms).
_MemoKey = tuple[Kind, str | None, int, str]
_Answer = tuple[str | None, tuple[Match, ...]]


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
    memo_size:
        Texts whose answer is kept for the next call (0: none; see the module docstring).
    semantic:
        The static semantic vectors (``semantic``; default: the shipped ones), used for English
        texts; ``None`` ranks every text by the lexical score alone.
    cross_lingual:
        Languages whose texts also get semantic vectors, from the shipped tables fitted into
        the English space (``semantic_lang_build``; by default French, and German and Spanish
        for occupations: ``semantic.CROSS_LINGUAL``); only with ``semantic``. Texts in other
        languages are ranked by the lexical score alone.
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
        memo_size: int = DEFAULT_MEMO_SIZE,
        semantic: str | Path | None = BUNDLED_SEMANTIC_PATH,
        cross_lingual: Sequence[str] = tuple(CROSS_LINGUAL),
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise InvalidNormalizeArgumentError(f"threshold must be in [0, 1]; got {threshold!r}")
        self.memo_: BoundedMemo[_MemoKey, _Answer] = BoundedMemo(memo_size)
        self.taxonomy = taxonomy
        self.threshold = threshold
        self.weights = weights or IndexWeights()
        wanted = tuple(dict.fromkeys(_check_kind(kind) for kind in kinds))
        key = fingerprint(taxonomy)
        states = read_store(store, key=key, kinds=wanted) if store is not None and wanted else None
        self.indexes_: dict[Kind, ConceptIndex] = {
            kind: (
                ConceptIndex.from_state(states[kind], weights=self.weights)
                if states is not None
                else build_index(taxonomy, kind=kind, weights=self.weights)
            )
            for kind in wanted
        }
        # Language → piece vectors. The cross-lingual ones live in the English space: such a
        # text is compared with the same concept vectors (centroids of the English labels').
        self.semantic_: dict[str, tuple[SemanticModel, tuple[str, ...]]] = {}
        if semantic is not None:
            self.semantic_[_SEMANTIC_LANG] = (SemanticModel.load(semantic), KINDS)
            for lang in cross_lingual:
                if lang not in CROSS_LINGUAL:
                    raise InvalidNormalizeArgumentError(
                        f"no semantic vectors for language {lang!r}; "
                        f"shipped: {tuple(CROSS_LINGUAL)!r}"
                    )
                model = SemanticModel.load(semantic_path(lang))
                self.semantic_[lang] = (model, CROSS_LINGUAL[lang])
        # The store holds the concept vectors of the shipped semantic vectors only.
        stored = (
            read_concept_vectors(store, key=key, kinds=wanted)
            if states is not None
            and store is not None
            and semantic is not None
            and Path(semantic).resolve() == BUNDLED_SEMANTIC_PATH.resolve()
            else None
        )
        english = self.semantic_[_SEMANTIC_LANG][0] if self.semantic_ else None
        self.concept_codes_: dict[Kind, QuantisedRows] = (
            {}
            if english is None
            else {kind: QuantisedRows.of(stored[kind]) for kind in wanted}
            if stored is not None
            else {
                kind: QuantisedRows.of(_concept_vectors(english, ix))
                for kind, ix in self.indexes_.items()
            }
        )
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
        """A new normaliser with ``mapping`` added to the synonyms, sharing this one's index
        and memo (which holds answers before synonyms)."""
        new = object.__new__(Normalizer)
        new.taxonomy = self.taxonomy
        new.threshold = self.threshold
        new.weights = self.weights
        new.indexes_ = self.indexes_
        new.semantic_ = self.semantic_
        new.concept_codes_ = self.concept_codes_
        new.memo_ = self.memo_
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
        # Agencies repeat titles: each distinct text is normalised once, and not again while
        # the memo holds it.
        keys = {text: (kind, lang, top_k, text) for text in dict.fromkeys(texts)}
        known = self.memo_.get_many(keys.values())
        missing = [text for text, key in keys.items() if key not in known]
        if missing:
            fresh = self._answers(missing, lang, index, kind, top_k)
            self.memo_.put_many({keys[text]: fresh[text] for text in missing})
            known.update((keys[text], fresh[text]) for text in missing)
        done = {
            text: self._with_synonyms(text, *known[key], kind, top_k) for text, key in keys.items()
        }
        return [done[text] for text in texts]

    @property
    def concept_vectors_(self) -> dict[Kind, npt.NDArray[np.float32]]:
        """The concept vectors of each kind with semantic vectors (unit rows, up to the int8
        rounding they are kept in), as the index store writes them."""
        return {kind: rows.vectors() for kind, rows in self.concept_codes_.items()}

    def memo_info(self) -> MemoInfo:
        """Hits, misses and size of the memo (shared with the ``with_synonyms`` normalisers)."""
        return self.memo_.info()

    def _index(self, kind: object) -> ConceptIndex:
        checked = _check_kind(kind)
        if checked not in self.indexes_:
            raise InvalidNormalizeArgumentError(
                f"this normaliser was built without kind {checked!r}; "
                f"built: {tuple(self.indexes_)!r}"
            )
        return self.indexes_[checked]

    def _answers(
        self, texts: Sequence[str], lang: str | None, index: ConceptIndex, kind: Kind, top_k: int
    ) -> dict[str, _Answer]:
        """The model's answer (language, matches before synonyms) for each of ``texts``
        (distinct). Texts of one language go side by side (each text's result is independent
        of its block): the per-label language bonus is then applied once per run of a
        language."""
        langs = {t: lang if lang is not None else detect_language(t) for t in texts}
        ordered = sorted(langs, key=lambda t: langs[t] or "")
        out: dict[str, _Answer] = {}
        size = _block_size(index.n_concepts)
        for start in range(0, len(ordered), size):
            block = ordered[start : start + size]
            block_langs = [langs[t] for t in block]
            found = self._block(block, block_langs, index, kind, top_k)
            out.update(zip(block, zip(block_langs, found, strict=True), strict=True))
        return out

    def _block(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None],
        index: ConceptIndex,
        kind: Kind,
        top_k: int,
    ) -> list[tuple[Match, ...]]:
        written = [query_terms(t, lang=lg, kind=kind) for t, lg in zip(texts, langs, strict=True)]
        terms = [index.correct(ts) for ts in written]
        keys = [" ".join(ts) for ts in terms]
        live = [i for i, ts in enumerate(terms) if ts]
        results: dict[int, tuple[Match, ...]] = {}
        if live:
            # Exact concepts (``_exact_key``) may lie outside the pool: they join it as extras.
            # The semantic score of a text in a language with vectors joins the index score
            # before the pool is chosen; ``semantic`` holds what it adds to each text's scale
            # (0: none).
            exact_keys = [self._exact_key(index, texts[i], written[i], terms[i]) for i in live]
            exact = [index.exact.get(key, ()) for key in exact_keys]
            bonus = self._semantic_bonus(kind, [texts[i] for i in live], [langs[i] for i in live])
            semantic = np.zeros(len(live), dtype=np.float64)
            if bonus is not None:
                semantic[bonus[0]] = _SEMANTIC_SCALE
            concepts, scores, best_label = index.pools(
                [terms[i] for i in live],
                [word_features(terms[i], langs[i], heads=index.heads) for i in live],
                [langs[i] for i in live],
                pool=min(max(_RERANK_POOL, top_k), index.n_concepts),
                extras=exact,
                bonus=bonus,
            )
            ranked = self._rank_pools(
                index,
                concepts,
                scores,
                best_label,
                [keys[i] for i in live],
                exact_keys,
                exact,
                top_k,
                semantic,
            )
            results = dict(zip(live, ranked, strict=True))
        return [results.get(i, ()) for i in range(len(texts))]

    @staticmethod
    def _exact_key(
        index: ConceptIndex, text: str, written: tuple[str, ...], terms: tuple[str, ...]
    ) -> str:
        """The label key a text is exact for, "" for none: the whole text as written ("Head
        Chef" names the head chef, though "head" is advert noise elsewhere), else its cleaned
        terms, unless a word had to be corrected ("coffreur" → "coiffeur" is no exact match)."""
        whole = " ".join(label_terms(text))
        if whole in index.exact:
            return whole
        return " ".join(terms) if terms == written else ""

    def _semantic_bonus(
        self, kind: Kind, texts: Sequence[str], langs: Sequence[str | None]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]] | None:
        """The texts in a language with semantic vectors and a known word piece (positions),
        and their semantic score for every concept: ``_SEMANTIC_WEIGHT`` × cosine similarity
        (negative as 0)."""
        vectors = self.concept_codes_.get(kind)
        if vectors is None:
            return None
        rows = np.zeros((len(texts), vectors.codes.shape[1]), dtype=np.float32)
        for lang, (model, kinds) in self.semantic_.items():
            mine = [i for i, lg in enumerate(langs) if lg == lang] if kind in kinds else []
            if mine:
                rows[mine] = model.encode(
                    [semantic_text(texts[i], lang=lang, kind=kind) for i in mine]
                )
        known = np.flatnonzero(rows.any(axis=1))
        if not len(known):
            return None
        with _BLAS.limit(limits=1, user_api="blas"):
            similarity = exact_cosines(rows[known], vectors)
        np.maximum(similarity, 0.0, out=similarity)
        similarity *= np.float32(_SEMANTIC_WEIGHT)
        return known, similarity

    def _with_synonyms(
        self, text: str, lang: str | None, matches: tuple[Match, ...], kind: Kind, top_k: int
    ) -> NormalizedText:
        """The answer for ``text``: the model's ``matches``, a synonym of ``kind`` first."""
        synonym = self.synonyms_.get(synonym_key(text)) if self.synonyms_ else None
        if synonym is not None and synonym[0] == kind:
            uri = synonym[1]
            label = self.taxonomy.preferred_label(uri, lang=lang or "en")
            rest = tuple(m for m in matches if m.uri != uri)
            matches = (Match(uri, label, 1.0, "synonym"), *rest)[:top_k]
        resolved = bool(matches) and matches[0].score >= self.threshold
        return NormalizedText(text=text, lang=lang, resolved=resolved, matches=matches)

    def _rank_pools(
        self,
        index: ConceptIndex,
        concepts: npt.NDArray[np.intp],
        own_scores: npt.NDArray[np.float32],
        best_label: npt.NDArray[np.int32],
        keys: Sequence[str],
        exact_keys: Sequence[str],
        exact: Sequence[Sequence[int]],
        top_k: int,
        semantic: npt.NDArray[np.float64],
    ) -> list[tuple[Match, ...]]:
        """Final ranking of each text's pool (``index.pools``; ``-1`` pads are skipped): index
        score + ``rapidfuzz`` token-sort similarity of the text and the concept's best label,
        exact-label concepts first (``exact``: the concepts of each text's ``exact_keys``, those
        it names by their preferred label before the others). Similarities of every (text,
        candidate) pair come from one ``rapidfuzz.process.cpdist`` call; scores and order are
        computed in numpy, and only the ``top_k`` kept per text become ``Match`` objects.
        ``semantic`` is what the semantic term adds to each text's scale (its score is in the
        index score; 0: none)."""
        n, width = concepts.shape
        valid = concepts >= 0
        concept = np.where(valid, concepts, index.n_concepts)
        pos = best_label.astype(np.int64)
        pos = np.where(pos < 0, index.starts[np.where(valid, concepts, 0)], pos)
        rows, cols = np.nonzero(valid)
        fz = np.zeros((n, width), dtype=np.float64)
        fz[rows, cols] = process.cpdist(
            [keys[r] for r in rows.tolist()],
            [index.label_key[p] for p in pos[rows, cols].tolist()],
            scorer=fuzz.token_sort_ratio,
            dtype=np.float64,
            workers=1,
        )
        # The index score of a ``semantic`` text holds its semantic score: its scale grows by
        # ``_SEMANTIC_SCALE`` (``semantic``: per text, 0 without); scores stay within [0, 1].
        scale = self._scale() + semantic[:, None]
        score = (own_scores.astype(np.float64) + _FUZZ_WEIGHT * fz / 100.0) / scale
        pair = np.arange(n)[:, None] * index.n_concepts + concepts
        exact_pairs = [row * index.n_concepts + c for row, found in enumerate(exact) for c in found]
        is_exact = np.isin(pair, exact_pairs) & valid
        # Above every non-exact match; a concept the text names by its preferred label first.
        preferred_keys = [
            row * index.n_concepts + c
            for row, key in enumerate(exact_keys)
            if exact[row]
            for c in index.exact_preferred.get(key, ())
        ]
        is_preferred = np.isin(pair, preferred_keys) & is_exact
        score = np.where(is_exact, 1.0 + is_preferred + score, score)
        score[~valid] = -np.inf
        order = np.lexsort((concept, -score), axis=1)[:, :top_k]

        # The kept columns of each row as plain lists, read in one pass per text below.
        def kept(values: npt.NDArray[np.generic]) -> list[list[object]]:
            listed: list[list[object]] = np.take_along_axis(values, order, axis=1).tolist()
            return listed

        columns = zip(
            kept(valid),
            kept(pos),
            kept(concept),
            kept(np.minimum(score, 1.0)),
            kept(is_exact),
            kept(fz >= 50),
            strict=True,
        )
        uris, label_text, label_key = index.uris, index.label_text, index.label_key
        out: list[tuple[Match, ...]] = []
        for key, (ok, at, found, value, exact_row, fuzzy_row) in zip(keys, columns, strict=True):
            term_set = set(key.split(" "))
            matches: list[Match] = []
            for keep, p, c, s, is_exact_match, is_fuzzy in zip(
                ok, at, found, value, exact_row, fuzzy_row, strict=True
            ):
                if not keep:
                    break
                method: Method
                if is_exact_match:
                    method = "exact"
                elif not term_set.isdisjoint(label_key[p].split()):
                    method = "lexical"
                elif is_fuzzy:
                    method = "fuzzy"
                else:
                    method = "related"
                matches.append(Match(uris[c], label_text[p], round(s, 4), method))
            out.append(tuple(matches))
        return out

    def _scale(self) -> float:
        w = self.weights
        return w.char + w.word + w.document + w.same_language + w.preferred + w.prior + _FUZZ_WEIGHT


def _block_size(n_concepts: int) -> int:
    """Texts per dense block for a kind of ``n_concepts`` (see ``_BLOCK_FLOATS``)."""
    size = _BLOCK
    while size > 16 and size * n_concepts > _BLOCK_FLOATS:
        size //= 2
    return size


def _concept_vectors(semantic: SemanticModel, index: ConceptIndex) -> npt.NDArray[np.float32]:
    """The unit mean of the semantic vectors of each concept's own English labels (not the
    labels it borrows from its ISCO group).

    The index store keeps these vectors, but its fingerprint does not cover this module: a
    change here leaves the stored ones stale without notice. Rebuild the store after one
    (``python -m skills_taxonomy.index_store``);
    ``test_the_stored_concept_vectors_are_those_of_the_shipped_vectors`` fails until then."""
    english = np.flatnonzero((np.asarray(index.label_lang) == _SEMANTIC_LANG) & ~index.label_group)
    return semantic.centroids(
        [index.label_text[i] for i in english], index.label_concept[english], index.n_concepts
    )
