"""Static semantic vectors for English text: what a sentence encoder would say, by lookup.

Lexical scores cannot tell that "work in a team" is ESCO's "work in teams" once the words
differ, nor that a "barista" serves coffee. ``SemanticModel`` maps a text to a unit vector:
the mean of its word pieces' vectors (WordPiece, the tokenizer of ``all-MiniLM-L6-v2``), then
normalised; texts meaning the same thing point the same way (cosine similarity).

The piece vectors (``data/semantic_en.npz``, 29,525 × 128, int8 with a scale per piece) were
distilled from the sentence encoder ``all-MiniLM-L6-v2`` (sentence-transformers, Apache-2.0)
and fitted so that a label's mean vector agrees with the encoder's embedding of the whole label,
over every English ESCO label, then reduced from 384 dimensions by a PCA (``semantic_build``
builds them; nothing is downloaded at run time). The encoder is English: other languages are
left to the lexical scores (see ``normalizer``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

# Our parallelism is per process (CLI --jobs, server workers); the tokenizer's own thread pool
# would only warn and switch itself off in a forked child.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tokenizers import Tokenizer

from skills_taxonomy.errors import TaxonomyError

__all__ = [
    "BUNDLED_SEMANTIC_PATH",
    "CROSS_LINGUAL",
    "QuantisedRows",
    "SemanticModel",
    "exact_cosines",
    "piece_ids",
    "quantise",
    "semantic_path",
    "unknown_piece_id",
    "whole_texts",
]

BUNDLED_SEMANTIC_PATH = Path(__file__).parent / "data" / "semantic_en.npz"
#: Languages with piece vectors of their own in the same space as the English ones
#: (``semantic_lang_build``), and the concept kinds they were fitted on (the bundle has German
#: and Spanish occupation labels only): their texts of those kinds are compared with the same
#: concept vectors.
CROSS_LINGUAL: dict[str, tuple[str, ...]] = {
    "fr": ("skill", "occupation"),
    "de": ("occupation",),
    "es": ("occupation",),
}


def semantic_path(lang: str) -> Path:
    """The shipped piece vectors of ``lang`` (``en`` or one of ``CROSS_LINGUAL``)."""
    return Path(__file__).parent / "data" / f"semantic_{lang}.npz"


FloatMatrix = npt.NDArray[np.float32]


def quantise(vectors: FloatMatrix) -> tuple[npt.NDArray[np.int8], FloatMatrix]:
    """int8 codes and a float32 scale per row: ``codes * scale`` ≈ ``vectors`` (max error
    ``scale / 2``)."""
    peak = np.abs(vectors).max(axis=1)
    # A row too small for a float32 scale (zero, or subnormal) keeps scale 1: its codes are 0.
    scales = np.where(peak > np.finfo(np.float32).tiny * 127, peak / 127.0, 1.0).astype(np.float32)
    codes = np.rint(vectors / scales[:, None]).astype(np.int8)
    return codes, scales


class QuantisedRows(NamedTuple):
    """Rows kept as their int8 codes (``quantise``), held as float32 for BLAS, and a scale per
    row: ``codes * scales[:, None]`` ≈ the rows."""

    codes: FloatMatrix
    scales: npt.NDArray[np.float32]

    @classmethod
    def of(cls, vectors: FloatMatrix) -> QuantisedRows:
        codes, scales = quantise(np.asarray(vectors, dtype=np.float32))
        return cls(codes.astype(np.float32), scales)

    def vectors(self) -> FloatMatrix:
        return self.codes * self.scales[:, None]


def exact_cosines(queries: FloatMatrix, rows: QuantisedRows) -> FloatMatrix:
    """``queries @ rows.T`` (queries: non-zero rows), computed so that a query's results do
    not depend on the other queries, their number or the machine's BLAS kernel.

    A matrix product sums in an order its kernel picks by shape, and on some kernels (OpenBLAS
    Haswell/Zen) by a row's position in the batch, so float results differ in their last bits.
    Here each query is rounded to integers of at most ``levels`` (about 1/2,000 of its largest
    component) and multiplied by the int8 codes: every partial sum is then an integer below
    2**24, which float32 holds exactly, so every order gives the same sum. The scales are
    applied after, element by element."""
    levels = (2**24 - 1) // (127 * rows.codes.shape[1])
    peak = np.abs(queries).max(axis=1)
    step = (peak / np.float32(levels)).astype(np.float32)
    integers = np.rint(queries / step[:, None]).astype(np.float32)
    product: FloatMatrix = integers @ rows.codes.T
    product *= rows.scales[None, :]
    product *= step[:, None]
    return product


def piece_ids(tokenizer: Tokenizer, texts: Sequence[str]) -> list[npt.NDArray[np.int64]]:
    """The known word-piece ids of each text (special and unknown pieces left out)."""
    unknown = unknown_piece_id(tokenizer)
    encoded = tokenizer.encode_batch(list(texts), add_special_tokens=False)
    return [np.asarray([i for i in e.ids if i != unknown], dtype=np.int64) for e in encoded]


def unknown_piece_id(tokenizer: Tokenizer) -> int | None:
    """The id of the tokenizer's unknown piece, by the name its model gives it ("[UNK]" in BERT's
    and MPNet's WordPiece; "<unk>" in many others)."""
    return tokenizer.token_to_id(getattr(tokenizer.model, "unk_token", "[UNK]"))


def whole_texts(tokenizer: Tokenizer) -> Tokenizer:
    """``tokenizer``, set to give all of a text's pieces and no more: an encoder's tokenizer
    file may ask for padding to a fixed length (MPNet's asks for 128) or for truncation."""
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class SemanticModel:
    """Unit vectors for texts (``encode``) and for groups of texts (``centroids``)."""

    def __init__(self, vectors: FloatMatrix, tokenizer: Tokenizer) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.tokenizer = whole_texts(tokenizer)
        self.dim = int(self.vectors.shape[1])

    @classmethod
    def load(cls, path: str | Path = BUNDLED_SEMANTIC_PATH) -> SemanticModel:
        try:
            with np.load(io.BytesIO(Path(path).read_bytes())) as data:
                codes, scales, tokenizer = data["codes"], data["scales"], data["tokenizer"]
        except (OSError, ValueError, KeyError) as exc:
            raise TaxonomyError(f"cannot read the semantic vectors {path}: {exc}") from exc
        vectors = codes.astype(np.float32) * scales[:, None]
        return cls(vectors, Tokenizer.from_str(tokenizer.tobytes().decode()))

    def save(self, path: str | Path) -> None:
        """Write the vectors (int8, ``quantise``) and the tokenizer in the format ``load``
        reads."""
        codes, scales = quantise(self.vectors)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            codes=codes,
            scales=scales,
            tokenizer=np.frombuffer(self.tokenizer.to_str().encode(), dtype=np.uint8),
        )
        Path(path).write_bytes(buffer.getvalue())

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        """One unit row per text; a zero row for a text with no known word piece."""
        ids = piece_ids(self.tokenizer, texts)
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in ids], out=indptr[1:])
        flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        counts = sp.csr_matrix(
            (np.ones(len(flat), dtype=np.float32), flat, indptr),
            shape=(len(ids), len(self.vectors)),
        )
        return _unit_rows(np.asarray(counts @ self.vectors, dtype=np.float32))

    def centroids(
        self, texts: Sequence[str], group: npt.NDArray[np.integer], n_groups: int
    ) -> FloatMatrix:
        """Unit mean of the unit vectors of each group's texts (``group[i]`` is the group of
        ``texts[i]``); a zero row for a group without a known piece."""
        members = sp.csr_matrix(
            (np.ones(len(texts), dtype=np.float32), (np.asarray(group), np.arange(len(texts)))),
            shape=(n_groups, len(texts)),
        )
        return _unit_rows(np.asarray(members @ self.encode(texts), dtype=np.float32))


def _unit_rows(matrix: FloatMatrix) -> FloatMatrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: FloatMatrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return unit
