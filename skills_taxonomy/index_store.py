"""The fitted normaliser index on disk, so that a ``Normalizer`` is ready in a second or two.

Fitting the index (folding ~280k ESCO labels, TF-IDF over them) costs ~20 s of CPU; reading the
fitted state back costs ~1 s. ``write_store`` saves the ``ConceptIndex.state`` of each kind in
one compressed ``.npz`` (numeric arrays as they are, string columns joined by ``\\x1f``, no
pickle); ``read_store`` gives them back **only if** the file was written for the same
*fingerprint*: the taxonomy version and a hash of its label, description, concept and
occupation–skill tables, plus a hash of the source of the modules whose code decides what the
index holds (``text``, ``_text``, ``index``, ``index_build``, this one). Any mismatch — new
taxonomy, changed folding rules, another file format — makes ``read_store`` return ``None`` and
the caller fits the index in memory: a stale store is never used.

The store also keeps each kind's *concept vectors* (``semantic``: the unit mean of the semantic
vectors of a concept's English labels), int8 with a scale per concept; the fingerprint then
covers the shipped semantic vectors too (``read_concept_vectors``).

Build the bundled store (after changing the taxonomy bundle or those modules)::

    .venv/bin/python -m skills_taxonomy.index_store [--output PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from skills_taxonomy.index import IndexState
from skills_taxonomy.semantic import BUNDLED_SEMANTIC_PATH, quantise
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "BUNDLED_STORE_PATH",
    "STORE_FORMAT",
    "fingerprint",
    "read_concept_vectors",
    "read_store",
    "write_store",
]

#: Where the store of the bundled taxonomy lives (next to the taxonomy bundle).
BUNDLED_STORE_PATH = Path(__file__).parent / "data" / "normalizer_index.npz"
#: Bumped when the layout of the file changes.
STORE_FORMAT = "mobility-match/normalizer-index/3"
#: Modules whose source decides the content of the index.
_CODE = ("text.py", "_text.py", "index.py", "index_build.py", "index_store.py")
_SEP = "\x1f"
_STRINGS = ("uris", "label_text", "label_key", "label_lang")
_VOCABS = ("char_vocabulary", "word_vocabulary", "doc_vocabulary")
_ARRAYS = (
    "label_concept",
    "label_preferred",
    "label_group",
    "prior",
    *(f"{channel}_{part}" for channel in ("char", "word", "doc") for part in ("idf", "norms")),
)
_MATRICES = ("doc_matrix", "label_matrix")


def fingerprint(taxonomy: Taxonomy) -> str:
    """What a store must have been built from: taxonomy content, index code, file format."""
    digest = hashlib.sha256(STORE_FORMAT.encode())
    digest.update(taxonomy.version.encode())
    for frame in (
        taxonomy.concepts,
        taxonomy.labels,
        taxonomy.descriptions,
        taxonomy.occupation_skills,
    ):
        rows = frame.sort(frame.columns).hash_rows(seed=0)
        digest.update(str(frame.shape).encode())
        digest.update(rows.to_numpy().tobytes())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    digest.update(BUNDLED_SEMANTIC_PATH.read_bytes())
    return digest.hexdigest()


def write_store(
    path: str | Path,
    states: Mapping[str, IndexState],
    *,
    key: str,
    concept_vectors: Mapping[Any, npt.NDArray[np.float32]] | None = None,
) -> None:
    """Write the index ``states`` (kind → state) built for fingerprint ``key``, and the
    ``concept_vectors`` of the kinds given, atomically."""
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for kind, vectors in (concept_vectors or {}).items():
        codes, scales = quantise(np.asarray(vectors, dtype=np.float32))
        arrays[f"{kind}.concept_vector_codes"] = codes
        arrays[f"{kind}.concept_vector_scales"] = scales
    meta: dict[str, object] = {"format": STORE_FORMAT, "fingerprint": key, "kinds": {}}
    for kind, state in states.items():
        kinds = meta["kinds"]
        assert isinstance(kinds, dict)
        kinds[kind] = {"heads": state.heads}
        for name in (*_STRINGS, *_VOCABS):
            arrays[f"{kind}.{name}"] = _pack(getattr(state, name))
        for name in _ARRAYS:
            arrays[f"{kind}.{name}"] = np.asarray(getattr(state, name))
        for name in _MATRICES:
            matrix = sp.csr_matrix(getattr(state, name), dtype=np.float32)
            idf, norms = _weighting(state, name)
            arrays.update(_encode(f"{kind}.{name}", matrix, idf, norms))
    arrays["meta"] = _pack([json.dumps(meta, sort_keys=True)])
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez_compressed(out, allow_pickle=False, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_store(path: str | Path, *, key: str, kinds: Sequence[str]) -> dict[str, IndexState] | None:
    """The states of ``kinds`` stored at ``path`` for fingerprint ``key``; ``None`` when the
    file is missing, unreadable, of another format or fingerprint, or lacks a kind."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(_unpack(data["meta"])[0])
            stored = meta.get("kinds", {})
            if (
                meta.get("format") != STORE_FORMAT
                or meta.get("fingerprint") != key
                or any(kind not in stored for kind in kinds)
            ):
                return None
            return {kind: _state(data, kind, heads=bool(stored[kind]["heads"])) for kind in kinds}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def read_concept_vectors(
    path: str | Path, *, key: str, kinds: Sequence[str]
) -> dict[str, npt.NDArray[np.float32]] | None:
    """The concept vectors of ``kinds`` stored at ``path`` for fingerprint ``key`` (unit rows,
    as written up to the int8 rounding); ``None`` on any mismatch or when one is missing."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(_unpack(data["meta"])[0])
            if meta.get("format") != STORE_FORMAT or meta.get("fingerprint") != key:
                return None
            return {
                kind: data[f"{kind}.concept_vector_codes"].astype(np.float32)
                * data[f"{kind}.concept_vector_scales"][:, None]
                for kind in kinds
            }
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _state(data: Mapping[str, npt.NDArray[np.generic]], kind: str, *, heads: bool) -> IndexState:
    def array(name: str) -> npt.NDArray[np.float32]:
        return np.asarray(data[f"{kind}.{name}"], dtype=np.float32)

    def matrix(name: str) -> sp.csr_matrix:
        if name == "label_matrix":
            idf = np.concatenate([array("char_idf"), array("word_idf")])
            n_char = len(array("char_idf"))
            norms = (array("char_norms"), array("word_norms"), n_char)
        else:
            idf, norms = array("doc_idf"), (array("doc_norms"), array("doc_norms"), 0)
        return _decode(data, f"{kind}.{name}", idf, norms)

    def strings(name: str) -> list[str]:
        return _unpack(data[f"{kind}.{name}"])

    return IndexState(
        uris=strings("uris"),
        heads=heads,
        label_concept=np.asarray(data[f"{kind}.label_concept"], dtype=np.int64),
        label_text=strings("label_text"),
        label_key=strings("label_key"),
        label_lang=strings("label_lang"),
        label_preferred=array("label_preferred"),
        label_group=array("label_group").astype(np.bool_),
        prior=array("prior"),
        char_vocabulary=strings("char_vocabulary"),
        char_idf=array("char_idf"),
        word_vocabulary=strings("word_vocabulary"),
        word_idf=array("word_idf"),
        doc_vocabulary=strings("doc_vocabulary"),
        doc_idf=array("doc_idf"),
        char_norms=array("char_norms"),
        word_norms=array("word_norms"),
        doc_norms=array("doc_norms"),
        doc_matrix=matrix("doc_matrix"),
        label_matrix=matrix("label_matrix"),
    )


_Norms = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], int]


def _weighting(state: IndexState, name: str) -> tuple[npt.NDArray[np.float32], _Norms]:
    """Per-row idf and the column norms (label rows below ``n_char`` use the first array)."""
    if name == "label_matrix":
        idf = np.concatenate([state.char_idf, state.word_idf]).astype(np.float32)
        return idf, (state.char_norms, state.word_norms, len(state.char_idf))
    return state.doc_idf, (state.doc_norms, state.doc_norms, 0)


def _tfidf(
    counts: npt.NDArray[np.float32],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int32],
    idf: npt.NDArray[np.float32],
    norms: _Norms,
) -> npt.NDArray[np.float32]:
    """``SparseTfidf`` weighting of raw counts, in the same float32 operations."""
    first, second, split = norms
    col_norm = np.where(rows < split, first[cols], second[cols]).astype(np.float32)
    weighted = (np.float32(1.0) + np.log(counts)) * idf[rows]
    return np.asarray(weighted / col_norm, dtype=np.float32)


def _encode(
    prefix: str, matrix: sp.csr_matrix, idf: npt.NDArray[np.float32], norms: _Norms
) -> dict[str, npt.NDArray[np.generic]]:
    """A features × documents TF-IDF matrix as raw counts (small, compressible) when they give
    back exactly the same float32 values, else as the values themselves."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    indices = matrix.indices.astype(np.int32)
    first, second, split = norms
    col_norm = np.where(rows < split, first[indices], second[indices])
    tf = matrix.data.astype(np.float64) * col_norm / idf[rows]
    counts = np.rint(np.exp(tf - 1.0)).clip(1, 65535).astype(np.uint16)
    exact = np.array_equal(
        _tfidf(counts.astype(np.float32), rows, indices, idf, norms), matrix.data
    )
    return {
        f"{prefix}.data": matrix.data if not exact else np.zeros(0, dtype=np.float32),
        f"{prefix}.counts": counts if exact else np.zeros(0, dtype=np.uint16),
        f"{prefix}.indices": indices,
        f"{prefix}.indptr": matrix.indptr.astype(np.int64),
        f"{prefix}.shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def _decode(
    data: Mapping[str, npt.NDArray[np.generic]],
    prefix: str,
    idf: npt.NDArray[np.float32],
    norms: _Norms,
) -> sp.csr_matrix:
    indptr = np.asarray(data[f"{prefix}.indptr"], dtype=np.int64)
    indices = np.asarray(data[f"{prefix}.indices"], dtype=np.int32)
    shape = (int(data[f"{prefix}.shape"][0]), int(data[f"{prefix}.shape"][1]))
    counts = np.asarray(data[f"{prefix}.counts"], dtype=np.float32)
    if len(counts) == len(indices):
        rows = np.repeat(np.arange(shape[0]), np.diff(indptr))
        values = _tfidf(counts, rows, indices, idf, norms)
    else:
        values = np.asarray(data[f"{prefix}.data"], dtype=np.float32)
    return sp.csr_matrix((values, indices, indptr), shape=shape)


def _pack(strings: Sequence[str]) -> npt.NDArray[np.uint8]:
    text = _SEP.join(strings)
    return np.frombuffer(f"{len(strings)}{_SEP}{text}".encode(), dtype=np.uint8)


def _unpack(packed: npt.NDArray[np.generic]) -> list[str]:
    count, _, text = bytes(np.asarray(packed, dtype=np.uint8)).decode().partition(_SEP)
    return text.split(_SEP) if int(count) else []


def main(argv: Sequence[str] | None = None) -> int:
    """Fit the index of the bundled taxonomy (both kinds) and write the store."""
    from skills_taxonomy.normalizer import Normalizer  # the normaliser reads this module

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=BUNDLED_STORE_PATH)
    args = parser.parse_args(argv)
    taxonomy = Taxonomy.load_bundled()
    norm = Normalizer(taxonomy, store=None)
    states: dict[str, IndexState] = {kind: index.state() for kind, index in norm.indexes_.items()}
    write_store(
        args.output, states, key=fingerprint(taxonomy), concept_vectors=norm.concept_vectors_
    )
    size = args.output.stat().st_size / 1e6
    print(f"wrote {args.output} ({size:.1f} MB) for {taxonomy.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
