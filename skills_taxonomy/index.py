"""Sparse lexical index of the ESCO labels of one concept kind, scored in batches.

One ``ConceptIndex`` per kind ("skill", "occupation"), built once from label rows:

* **labels** — every ESCO label (preferred, alternative, hidden; all languages; gendered pairs
  "boucher/bouchère" split into two labels), reduced to ``label_terms``. Labels are sorted by
  concept so that the best label of a concept is a ``np.maximum.reduceat`` over its slice.
  *Group labels* (``LabelRows.group``: for an occupation, the names of its ISCO unit group,
  "Conducteurs de chariots élévateurs") find a concept like its own labels but never name it
  exactly, and count for neither its prior nor its meaning.
* **char** — TF-IDF of character n-grams (``char_wb``) of each label: typos, compounds and
  morphology ("soudure" ~ "souder"). N-grams in more than 1.5 % of the labels (words and
  document features: 2 %) are left out of the product; they still count in the norms.
* **word** — TF-IDF of words and word bigrams of each label, plus a *head* token (the role
  word: last word of an English title, first word of a French one) so that "sales manager"
  prefers managers over sales people.
* **document** — one TF-IDF document per concept: all its labels, its description and, for
  occupations, the labels of its essential skills, down-weighted. It finds the concept when the
  words of the query are in what the concept *is about* rather than in its name.

``score_batch`` returns, for a batch of queries, a dense ``(n_queries, n_concepts)`` score
matrix ``weights.char * char + weights.word * word`` (max over the labels of a concept, labels in
the query language boosted) ``+ weights.document * document``. Everything is sparse matrix
products; no Python loop over concepts or labels.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from skills_taxonomy.text import forms_of_one_word

__all__ = ["ConceptIndex", "IndexState", "IndexWeights", "LabelRows", "head_token"]

FloatMatrix = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
#: A CSR matrix as its three arrays (``data``, ``indices``, ``indptr``).
CsrParts = tuple[FloatMatrix, IntArray, IntArray]

#: Minimum ``rapidfuzz.fuzz.ratio`` for a typo to be corrected to a label term.
_CORRECTION_CUTOFF = 80.0

#: Languages whose job titles put the role word last; all others put it first.
_HEAD_LAST = frozenset({"en", "de"})


def head_token(terms: Sequence[str], lang: str | None) -> str:
    """The role word of a title as an extra word feature ("§" prefix keeps it apart)."""
    if not terms:
        return ""
    word = terms[-1] if lang in _HEAD_LAST else terms[0]
    return f"§{word}"


@dataclass(frozen=True, slots=True)
class IndexWeights:
    """Weights of the score components (tuned on ESCO self-supervision, see benchmarks)."""

    char: float = 0.45
    word: float = 0.35
    document: float = 0.20
    same_language: float = 0.03
    preferred: float = 0.02
    prior: float = 0.08


@dataclass(frozen=True, slots=True)
class IndexState:
    """Everything a ``ConceptIndex`` learned (``ConceptIndex.state`` / ``from_state``).

    Label columns are sorted by concept; vocabularies list features in id order;
    ``label_matrix`` stacks the char features (``len(char_vocabulary)`` rows) over the word
    features, columns are labels; ``doc_matrix`` is features × concepts. ``*_norms`` are the l2
    norms each label (document) row was divided by before pruning.
    """

    uris: Sequence[str]
    heads: bool
    label_concept: npt.NDArray[np.integer]
    label_text: Sequence[str]
    label_key: Sequence[str]
    label_lang: Sequence[str]
    label_preferred: npt.NDArray[np.floating]
    label_group: npt.NDArray[np.bool_]
    prior: npt.NDArray[np.floating]
    char_vocabulary: Sequence[str]
    char_idf: FloatMatrix
    char_norms: FloatMatrix
    word_vocabulary: Sequence[str]
    word_idf: FloatMatrix
    word_norms: FloatMatrix
    doc_vocabulary: Sequence[str]
    doc_idf: FloatMatrix
    doc_norms: FloatMatrix
    doc_matrix: sp.csr_matrix
    label_matrix: sp.csr_matrix


@dataclass(frozen=True, slots=True)
class LabelRows:
    """Labels of one kind, one row each (parallel tuples).

    ``terms`` are the ``label_terms`` of ``text``; ``preferred`` marks preferred labels;
    ``group`` marks labels the concept borrows from its group (``text`` is then the concept's
    own name to show, ``terms`` those of the group's label).
    """

    concept: tuple[int, ...]
    text: tuple[str, ...]
    terms: tuple[tuple[str, ...], ...]
    lang: tuple[str, ...]
    preferred: tuple[bool, ...]
    group: tuple[bool, ...]


def char_grams(word: str, lo: int = 3, hi: int = 4) -> tuple[str, ...]:
    """Character n-grams of `` word `` (padded, like scikit-learn's ``char_wb``)."""
    padded = f" {word} "
    grams = [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]
    return tuple(grams) if grams else (padded,)


def _single(unit: str) -> tuple[str, ...]:
    return (unit,)


class SparseTfidf:
    """TF-IDF (sublinear tf, smooth idf, l2 rows) over *units* that expand into features.

    A unit is a word (expanded into its character n-grams) or a word/bigram feature itself. The
    expansion of each distinct unit is computed once and cached as an array of feature ids, so
    building and transforming are numpy concatenations rather than per-feature Python work.
    Features found in more than ``max_df`` of the fitted rows (and at least ``min_cap`` rows)
    are left out of ``matrix_`` — they cost time and barely discriminate.
    """

    def __init__(
        self,
        expand: Callable[[str], tuple[str, ...]] = _single,
        *,
        max_df: float = 0.02,
        min_cap: int = 200,
    ) -> None:
        self.expand = expand
        self.max_df = max_df
        self.min_cap = min_cap

    def fit(self, docs: Sequence[Sequence[str]]) -> SparseTfidf:
        self.vocabulary_: dict[str, int] = {}
        self._ids: dict[str, IntArray] = {}
        counts = self._counts(docs, grow=True)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        matrix, self.norms_ = self._weigh_norms(counts)
        cap = max(self.min_cap, int(self.max_df * n))
        keep = sp.diags((df <= cap).astype(np.float32))
        pruned = sp.csr_matrix((matrix @ keep).T, dtype=np.float32)
        pruned.eliminate_zeros()
        self.matrix_: sp.csr_matrix = pruned  # features × rows
        return self

    @classmethod
    def fitted(
        cls,
        expand: Callable[[str], tuple[str, ...]],
        *,
        vocabulary: Sequence[str],
        idf: FloatMatrix,
        norms: FloatMatrix,
        matrix: sp.csr_matrix,
    ) -> SparseTfidf:
        """A fitted model from its learned state (features in id order), e.g. read from disk."""
        model = cls(expand)
        model.vocabulary_ = {feature: i for i, feature in enumerate(vocabulary)}
        model._ids = {}
        model.idf_ = np.asarray(idf, dtype=np.float32)
        model.norms_ = np.asarray(norms, dtype=np.float32)
        model.matrix_ = matrix
        return model

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        return self._matrix(self.transform_parts(docs))

    def transform_parts(self, docs: Sequence[Sequence[str]]) -> CsrParts:
        """``transform``'s rows as plain CSR arrays (no scipy object: for a few queries its
        construction and checks cost more than the arithmetic)."""
        parts = self._count_parts(docs, grow=False)
        self._weigh_parts(parts)
        return parts

    def _matrix(self, parts: CsrParts) -> sp.csr_matrix:
        data, indices, indptr = parts
        return sp.csr_matrix(
            (data, indices, indptr), shape=(len(indptr) - 1, len(self.vocabulary_))
        )

    def _unit_ids(self, unit: str, grow: bool) -> IntArray:
        ids = self._ids.get(unit)
        if ids is None:
            vocab = self.vocabulary_
            feats = self.expand(unit)
            if grow:
                ids = np.asarray([vocab.setdefault(f, len(vocab)) for f in feats], dtype=np.int64)
                self._ids[unit] = ids
            else:
                ids = np.asarray([vocab[f] for f in feats if f in vocab], dtype=np.int64)
                if len(self._ids) < 2_000_000:
                    self._ids[unit] = ids
        return ids

    def _counts(self, docs: Sequence[Sequence[str]], *, grow: bool) -> sp.csr_matrix:
        return self._matrix(self._count_parts(docs, grow=grow))

    def _count_parts(self, docs: Sequence[Sequence[str]], *, grow: bool) -> CsrParts:
        """Feature counts of ``docs`` as canonical CSR arrays (float32 counts; indices sorted
        within each row, each once: what a csr ``sum_duplicates`` leaves)."""
        parts: list[IntArray] = []
        lengths = np.zeros(len(docs), dtype=np.int64)
        for i, doc in enumerate(docs):
            for unit in doc:
                ids = self._unit_ids(unit, grow)
                parts.append(ids)
                lengths[i] += len(ids)
        cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        width = max(len(self.vocabulary_), 1)
        # One sort of (row, feature) keys orders each row and counts its repeats.
        keys, counts = np.unique(
            np.repeat(np.arange(len(docs), dtype=np.int64), lengths) * width + cols,
            return_counts=True,
        )
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // width, minlength=len(docs)), out=indptr[1:])
        return counts.astype(np.float32), keys % width, indptr

    def _weigh_norms(self, counts: sp.csr_matrix) -> tuple[sp.csr_matrix, FloatMatrix]:
        """Weighted rows (in place) and the l2 norm each row was divided by."""
        norms = self._weigh_parts((counts.data, counts.indices, counts.indptr))
        return counts, norms

    def _weigh_parts(self, parts: CsrParts) -> FloatMatrix:
        """Weigh counts in place (sublinear tf × idf, l2 rows); the norm of each row."""
        data, indices, indptr = parts
        data[:] = (1.0 + np.log(data)) * self.idf_[indices]
        # Row sums of the squares, as ``counts.multiply(counts).sum(axis=1)`` computes them
        # (a float32 ``add.reduceat`` over non-empty rows) without two sparse temporaries.
        squares = np.zeros(len(indptr) - 1, dtype=np.float32)
        filled = np.flatnonzero(np.diff(indptr))
        if len(filled):
            squares[filled] = np.add.reduceat(data * data, indptr[filled])
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        norms = norms.astype(np.float32)
        data /= np.repeat(norms, np.diff(indptr))
        return norms


class ConceptIndex:
    """Label and concept-document matrices of one kind (see the module docstring)."""

    def __init__(
        self,
        *,
        uris: Sequence[str],
        rows: LabelRows,
        documents: Sequence[Sequence[str]],
        weights: IndexWeights,
        prior: Sequence[float] | None = None,
        heads: bool = True,
        max_df: float = 0.02,
        char_max_df: float = 0.015,
    ) -> None:
        self.heads = heads
        order = np.argsort(np.asarray(rows.concept, dtype=np.int64), kind="stable")
        concept = np.asarray(rows.concept, dtype=np.int64)[order]
        self.uris: tuple[str, ...] = tuple(uris)
        self.weights = weights
        self.label_concept: IntArray = concept
        self.label_text: tuple[str, ...] = tuple(rows.text[i] for i in order)
        self.label_key: tuple[str, ...] = tuple(" ".join(rows.terms[i]) for i in order)
        self.label_lang: tuple[str, ...] = tuple(rows.lang[i] for i in order)
        present = np.unique(concept)
        if len(present) != len(self.uris):
            missing = sorted(set(range(len(self.uris))) - set(present.tolist()))
            raise ValueError(f"concepts without any label: {[self.uris[i] for i in missing[:5]]}")
        self.starts: IntArray = np.searchsorted(concept, np.arange(len(self.uris)))
        self.label_preferred = np.asarray([rows.preferred[i] for i in order], dtype=np.float32)
        self.label_group = np.asarray([rows.group[i] for i in order], dtype=np.bool_)
        if prior is None:
            # Generic-concept prior: concepts with many names are the common ones ("nurse").
            own = concept[~self.label_group]
            n_labels = np.bincount(own, minlength=len(self.uris)).astype(np.float32)
            prior = np.log1p(n_labels) / np.log1p(n_labels.max())
        self.prior = np.asarray(prior, dtype=np.float32)

        # Character n-grams prune harder than words: the n-grams in 1.5-2 % of the labels
        # ("tion", "ing ") made 30 % of the label product's work for no measurable accuracy
        # (benchmarks/RESULTS.md, session 19).
        self.char = SparseTfidf(char_grams, max_df=char_max_df).fit([rows.terms[i] for i in order])
        self.word = SparseTfidf(max_df=max_df).fit(
            [
                [
                    *rows.terms[i],
                    *_bigrams(rows.terms[i]),
                    *((head_token(rows.terms[i], rows.lang[i]),) if heads else ()),
                ]
                for i in order
            ]
        )
        self.doc = SparseTfidf(max_df=max_df).fit(documents)
        # One product scores both channels: [char | word] features stacked (weights go on
        # the query side, so that they can change without rebuilding).
        self.label_matrix = sp.csr_matrix(
            sp.vstack([self.char.matrix_, self.word.matrix_]), dtype=np.float32
        )

        self._derive()

    def _derive(self) -> None:
        """Lookups derived from the label columns (cheap; not persisted)."""
        self.langs: tuple[str, ...] = tuple(sorted(set(self.label_lang)))
        lang_pos = {lang: i for i, lang in enumerate(self.langs)}
        self.lang_code: dict[str, int] = lang_pos
        self.label_lang_code: IntArray = np.asarray(
            [lang_pos[lang] for lang in self.label_lang], dtype=np.int64
        )
        exact: dict[str, list[int]] = {}
        exact_preferred: dict[str, set[int]] = {}
        for key, concept, preferred, group in zip(
            self.label_key,
            self.label_concept.tolist(),
            self.label_preferred.tolist(),
            self.label_group.tolist(),
            strict=True,
        ):
            if group:
                continue
            exact.setdefault(key, []).append(concept)
            if preferred:
                exact_preferred.setdefault(key, set()).add(concept)
        self.exact: dict[str, tuple[int, ...]] = {
            k: tuple(dict.fromkeys(v)) for k, v in exact.items()
        }
        #: Of the concepts a cleaned label names, those for which it is a preferred label: they
        #: rank before those it is only an alternative or hidden label of ("business analysis"
        #: is one skill's name and three others' synonym).
        self.exact_preferred: dict[str, frozenset[int]] = {
            k: frozenset(v) for k, v in exact_preferred.items()
        }
        counts = Counter(term for key in self.label_key for term in key.split(" "))
        counts.pop("", None)
        self.term_counts: dict[str, int] = counts
        # Correction candidates bucketed by first character (a typo rarely hits the first one).
        buckets: dict[str, list[str]] = {}
        for term in sorted(counts, key=lambda t: (-counts[t], t)):
            buckets.setdefault(term[0], []).append(term)
        self._vocab = {first: tuple(terms) for first, terms in buckets.items()}
        self._corrections: dict[str, str] = {}
        # Per-label bonuses of the query-side scoring, precomputed with the very float32
        # operations ``pools`` used to apply per (query, label) pair.
        w = self.weights
        self._label_concept64: IntArray = np.asarray(self.label_concept, dtype=np.int64)
        self._preferred_bonus: FloatMatrix = w.preferred * self.label_preferred
        self._language_bonus: tuple[FloatMatrix, ...] = tuple(
            (self.label_lang_code == code) * np.float32(w.same_language)
            for code in range(len(self.langs))
        )
        self._prior_bonus: FloatMatrix = w.prior * self.prior

    # --- persistence (see ``index_store``) -----------------------------------------------------
    def state(self) -> IndexState:
        """The learned state, enough for ``from_state`` to rebuild an equal index."""
        return IndexState(
            uris=self.uris,
            heads=self.heads,
            label_concept=self.label_concept,
            label_text=self.label_text,
            label_key=self.label_key,
            label_lang=self.label_lang,
            label_preferred=self.label_preferred,
            label_group=self.label_group,
            prior=self.prior,
            char_vocabulary=_by_id(self.char.vocabulary_),
            char_idf=self.char.idf_,
            char_norms=self.char.norms_,
            word_vocabulary=_by_id(self.word.vocabulary_),
            word_idf=self.word.idf_,
            word_norms=self.word.norms_,
            doc_vocabulary=_by_id(self.doc.vocabulary_),
            doc_idf=self.doc.idf_,
            doc_norms=self.doc.norms_,
            doc_matrix=self.doc.matrix_,
            label_matrix=self.label_matrix,
        )

    @classmethod
    def from_state(cls, state: IndexState, *, weights: IndexWeights) -> ConceptIndex:
        """An index from ``state()`` output (no fitting: loading is fast)."""
        index = object.__new__(cls)
        index.heads = state.heads
        index.uris = tuple(state.uris)
        index.weights = weights
        index.label_concept = np.asarray(state.label_concept, dtype=np.int64)
        index.label_text = tuple(state.label_text)
        index.label_key = tuple(state.label_key)
        index.label_lang = tuple(state.label_lang)
        index.starts = np.searchsorted(index.label_concept, np.arange(len(index.uris)))
        index.label_preferred = np.asarray(state.label_preferred, dtype=np.float32)
        index.label_group = np.asarray(state.label_group, dtype=np.bool_)
        index.prior = np.asarray(state.prior, dtype=np.float32)
        n_char = len(state.char_vocabulary)
        label_matrix = sp.csr_matrix(state.label_matrix, dtype=np.float32)
        index.char = SparseTfidf.fitted(
            char_grams,
            vocabulary=state.char_vocabulary,
            idf=state.char_idf,
            norms=state.char_norms,
            matrix=label_matrix[:n_char],
        )
        index.word = SparseTfidf.fitted(
            _single,
            vocabulary=state.word_vocabulary,
            idf=state.word_idf,
            norms=state.word_norms,
            matrix=label_matrix[n_char:],
        )
        index.doc = SparseTfidf.fitted(
            _single,
            vocabulary=state.doc_vocabulary,
            idf=state.doc_idf,
            norms=state.doc_norms,
            matrix=sp.csr_matrix(state.doc_matrix, dtype=np.float32),
        )
        index.label_matrix = label_matrix
        index._derive()
        return index

    @property
    def n_concepts(self) -> int:
        return len(self.uris)

    def correct(self, terms: Sequence[str]) -> tuple[str, ...]:
        """Replace each term no label holds by the closest label term (typos: "weldr").

        Closest (same first character) by ``rapidfuzz`` similarity ≥ ``_CORRECTION_CUTOFF``,
        ties to the more frequent term; terms shorter than 4 characters, digits and terms with
        no close match are kept. A word of ESCO's texts (the document vocabulary: descriptions,
        skills) is no typo: it only gives way to another form of itself (``forms_of_one_word``:
        "menor" for "meno"), not to a lookalike ("filiale" stays, not "familial"; "régulier",
        not "régleur").
        """
        out: list[str] = []
        for term in terms:
            if term in self.term_counts or len(term) < 4 or term.isdigit():
                out.append(term)
                continue
            fixed = self._corrections.get(term)
            if fixed is None:
                found = process.extractOne(
                    term,
                    self._vocab.get(term[0], ()),
                    scorer=fuzz.ratio,
                    score_cutoff=_CORRECTION_CUTOFF,
                )
                fixed = found[0] if found else term
                if term in self.doc.vocabulary_ and not forms_of_one_word(term, fixed):
                    fixed = term
                if len(self._corrections) < 100_000:
                    self._corrections[term] = fixed
            out.append(fixed)
        return tuple(dict.fromkeys(out))

    def pools(
        self,
        terms: Sequence[Sequence[str]],
        word_docs: Sequence[Sequence[str]],
        langs: Sequence[str | None],
        *,
        pool: int,
        extras: Sequence[Sequence[int]] = (),
        bonus: tuple[npt.NDArray[np.intp], FloatMatrix] | None = None,
    ) -> tuple[npt.NDArray[np.intp], FloatMatrix, npt.NDArray[np.int32]]:
        """The ``pool`` best concepts of each query, plus its ``extras`` (e.g. exact matches).

        Score of a concept: best label score (char + word similarity, label preferred or in
        the query language boosted) + document score + prior, + ``bonus`` (``(rows, matrix)``:
        a ``(len(rows), n_concepts)`` matrix added to those queries' scores). Returns three
        ``(n_queries, pool + max extras)`` arrays: the concepts (``-1`` pads rows with fewer
        extras), their scores and the position of their best label (``-1`` where no label
        scored). The ``pool`` best are those of ``np.argpartition`` over every concept.

        One sparse product scores every (query, label) pair sharing a feature; the per-pair
        work after it (bonuses, best label per concept) is done with flat numpy gathers, and
        the best label is looked up only for the returned concepts.
        """
        n, nc = len(terms), self.n_concepts
        data, cols, indptr = self._label_scores(terms, word_docs, langs)
        # Dense (query, concept) scores: document, then best label, then prior — the same
        # float32 additions in the same order as always.
        doc = self.doc.transform(terms) @ self.doc.matrix_
        best = np.asarray(doc.toarray(), dtype=np.float32)
        best *= self.weights.document
        flat = np.repeat(np.arange(0, n * nc, nc, dtype=np.int64), np.diff(indptr))
        flat += self._label_concept64[cols]
        label_best = np.zeros(n * nc, dtype=np.float32)
        np.maximum.at(label_best, flat, data)
        best += label_best.reshape(n, nc)
        best += self._prior_bonus
        if bonus is not None and len(bonus[0]) == n:
            best += bonus[1]  # every query (the usual case): no gather, the same sums
        elif bonus is not None:
            best[bonus[0]] += bonus[1]
        top = _top_concepts(best, pool)
        outside: dict[int, list[int]] = {}
        for row, extra in enumerate(extras):
            if extra:
                in_pool = set(top[row].tolist())
                outside[row] = [c for c in extra if c not in in_pool]
        width = pool + max(map(len, outside.values()), default=0)
        concepts = np.full((n, width), -1, dtype=np.intp)
        concepts[:, :pool] = top
        for row, extra in outside.items():
            concepts[row, pool : pool + len(extra)] = extra
        valid = concepts >= 0
        rows = np.broadcast_to(np.arange(n)[:, None], concepts.shape)
        wanted = rows[valid] * nc + concepts[valid]
        scores = np.zeros(concepts.shape, dtype=np.float32)
        scores[valid] = best.ravel()[wanted]
        # Best label of the wanted concepts only: among the labels of a concept reaching its
        # maximum, the last one in the product's order (as a scatter of all maxima would do).
        is_wanted = np.zeros(n * nc, dtype=np.bool_)
        is_wanted[wanted] = True
        hit = np.flatnonzero(is_wanted[flat])
        hit_flat = flat[hit]
        at_max = data[hit] >= label_best[hit_flat]
        by_flat = np.argsort(wanted)
        slot = by_flat[np.searchsorted(wanted, hit_flat[at_max], sorter=by_flat)]
        found = np.full(len(wanted), -1, dtype=np.int32)
        found[slot] = cols[hit[at_max]]
        best_label = np.full(concepts.shape, -1, dtype=np.int32)
        best_label[valid] = found
        return concepts, scores, best_label

    def _label_scores(
        self,
        terms: Sequence[Sequence[str]],
        word_docs: Sequence[Sequence[str]],
        langs: Sequence[str | None],
    ) -> CsrParts:
        """Sparse ``(n_queries, n_labels)`` label similarities (char + word + bonuses), as CSR
        arrays with ``intp`` columns (numpy gathers by them without a cast each time).

        Only labels sharing a discriminating feature with the query are present; entries are
        in the order ``csr_matmat`` emits them (not sorted), which decides ties of the best
        label (see ``pools``).
        """
        w = self.weights
        char = self.char.transform_parts(terms)
        word = self.word.transform_parts(word_docs)
        char[0][:] *= w.char
        word[0][:] *= w.word
        # The char features then the word features of each row, side by side (the stacked
        # ``label_matrix`` has the char rows first), as ``sp.hstack`` would place them.
        query = sp.csr_matrix(
            _side_by_side(char, word, offset=len(self.char.vocabulary_)),
            shape=(len(terms), self.label_matrix.shape[0]),
        )
        scores = query @ self.label_matrix  # float32, as both factors
        data, cols, indptr = scores.data, scores.indices.astype(np.intp), scores.indptr
        data += self._preferred_bonus[cols]
        # Same-language bonus, applied per run of queries in one language (adding the 0.0 of
        # the other labels, exactly as an elementwise mask product would).
        codes = [self.lang_code.get(lg, -1) if lg else -1 for lg in langs]
        start = 0
        for stop in range(1, len(codes) + 1):
            if stop == len(codes) or codes[stop] != codes[start]:
                if codes[start] >= 0:
                    a, b = indptr[start], indptr[stop]
                    data[a:b] += self._language_bonus[codes[start]][cols[a:b]]
                start = stop
        return data, cols, indptr

    def label_range(self, concept: int) -> tuple[int, int]:
        """Positions ``[start, stop)`` of the labels of ``concept``."""
        start = int(self.starts[concept])
        stop = (
            int(self.starts[concept + 1]) if concept + 1 < len(self.starts) else len(self.label_key)
        )
        return start, stop


def _side_by_side(left: CsrParts, right: CsrParts, *, offset: int) -> CsrParts:
    """The rows of two CSR matrices with as many rows, ``right``'s columns moved by ``offset``:
    each row holds ``left``'s entries, then ``right``'s."""
    (l_data, l_cols, l_ptr), (r_data, r_cols, r_ptr) = left, right
    indptr = l_ptr + r_ptr
    # Where each entry goes: its row's start plus its place among the row's left, then right,
    # entries.
    l_at = np.arange(len(l_data)) + np.repeat(r_ptr[:-1], np.diff(l_ptr))
    r_at = np.arange(len(r_data)) + np.repeat(l_ptr[1:], np.diff(r_ptr))
    data = np.empty(len(l_data) + len(r_data), dtype=np.float32)
    cols = np.empty(len(data), dtype=np.int64)
    data[l_at], cols[l_at] = l_data, l_cols
    data[r_at], cols[r_at] = r_data, r_cols + offset
    return data, cols, indptr


#: ``_top_concepts`` pre-selects through a sample of one concept in ``_SAMPLE_STEP`` when there
#: are more than ``_SAMPLE_MIN`` concepts per pool place.
_SAMPLE_STEP = 8
_SAMPLE_MIN = 64


def _top_concepts(best: FloatMatrix, pool: int) -> npt.NDArray[np.intp]:
    """Columns of the ``pool`` largest scores of each row: the set
    ``np.argpartition(-best, pool - 1, axis=1)[:, :pool]`` gives, whatever the row.

    Large rows are cut first: the ``pool``-th largest score of a sample of columns bounds the
    ``pool``-th largest of the row from below, so the columns at or above it hold the answer;
    only those are partitioned. Where the ``pool``-th and next value tie, which tied column gets in
    is ``argpartition``'s choice, so those rows are handed to it.
    """
    n, nc = best.shape
    if nc < _SAMPLE_MIN * pool:
        whole: npt.NDArray[np.intp] = np.argpartition(-best, pool - 1, axis=1)[:, :pool]
        return whole
    sample = best[:, ::_SAMPLE_STEP]
    floor = np.partition(sample, sample.shape[1] - pool, axis=1)[:, sample.shape[1] - pool]
    # The columns at or above each row's floor (>= pool of them: the sample's own top values),
    # packed left into an (n, widest) matrix of negated scores padded with +inf.
    flat = np.flatnonzero(best >= floor[:, None])
    rows = flat // nc
    counts = np.bincount(rows, minlength=n)
    at = np.arange(len(flat)) - (np.cumsum(counts) - counts)[rows]
    neg = np.full((n, int(counts.max())), np.inf, dtype=np.float32)
    neg[rows, at] = -best.ravel()[flat]
    col = np.zeros(neg.shape, dtype=np.intp)
    col[rows, at] = flat - rows * nc
    part = np.argpartition(neg, pool - 1, axis=1)
    top: npt.NDArray[np.intp] = np.take_along_axis(col, part[:, :pool], axis=1)
    if neg.shape[1] > pool:
        last = np.take_along_axis(neg, part[:, pool - 1 : pool], axis=1)[:, 0]
        after = np.take_along_axis(neg, part[:, pool:], axis=1).min(axis=1)
        for row in np.flatnonzero(last == after).tolist():
            top[row] = np.argpartition(-best[row], pool - 1)[:pool]
    return top


def _by_id(vocabulary: dict[str, int]) -> tuple[str, ...]:
    """Features of a vocabulary in id order."""
    out = [""] * len(vocabulary)
    for feature, i in vocabulary.items():
        out[i] = feature
    return tuple(out)


def _bigrams(terms: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in itertools.pairwise(terms)]


def word_features(terms: Sequence[str], lang: str | None, *, heads: bool) -> list[str]:
    """Word features of a query: terms, bigrams and (``heads``) the head token — both
    orders' head when the language is unknown."""
    feats = [*terms, *_bigrams(terms)]
    if not heads or not terms:
        return feats
    if lang is None:
        feats.extend(dict.fromkeys((head_token(terms, "en"), head_token(terms, "fr"))))
    else:
        feats.append(head_token(terms, lang))
    return feats
