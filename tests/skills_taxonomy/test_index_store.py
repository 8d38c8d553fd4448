"""The fitted-index store: same index back, and never used when stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skills_taxonomy.importer import import_esco
from skills_taxonomy.index_store import fingerprint, read_store, write_store
from skills_taxonomy.normalizer import KINDS, Normalizer
from skills_taxonomy.taxonomy import Taxonomy
from tests.skills_taxonomy.esco_fixture import write_export


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Taxonomy:
    return import_esco(write_export(tmp_path_factory.mktemp("esco")), version="1.1.1")


@pytest.fixture(scope="module")
def fitted(tiny: Taxonomy) -> Normalizer:
    return Normalizer(tiny, store=None)


def _write(path: Path, norm: Normalizer, key: str) -> Path:
    write_store(path, {kind: index.state() for kind, index in norm.indexes_.items()}, key=key)
    return path


def test_a_stored_index_answers_like_the_fitted_one(
    tmp_path: Path, tiny: Taxonomy, fitted: Normalizer
) -> None:
    store = _write(tmp_path / "index.npz", fitted, fingerprint(tiny))
    loaded = Normalizer(tiny, store=store)
    for kind in KINDS:
        a, b = fitted.indexes_[kind], loaded.indexes_[kind]
        assert (a.label_matrix != b.label_matrix).nnz == 0
        assert (a.doc.matrix_ != b.doc.matrix_).nnz == 0
        assert a.label_key == b.label_key
        assert a.exact == b.exact
        np.testing.assert_array_equal(a.label_group, b.label_group)
        np.testing.assert_array_equal(a.prior, b.prior)
    # The fixture's occupations borrow the name of their ISCO group "Welders and flamecutters".
    assert fitted.indexes_["occupation"].label_group.sum() == 3
    texts = ["pipe welder", "welding", "soudeur", "weldr of pipes", "flamecutters"]
    for kind in KINDS:
        assert loaded.normalize(texts, kind=kind) == fitted.normalize(texts, kind=kind)


def test_a_store_for_another_fingerprint_is_not_used(
    tmp_path: Path, tiny: Taxonomy, fitted: Normalizer
) -> None:
    store = _write(tmp_path / "index.npz", fitted, "another taxonomy")
    assert read_store(store, key=fingerprint(tiny), kinds=KINDS) is None
    assert read_store(store, key="another taxonomy", kinds=KINDS) is not None


def test_a_missing_corrupt_or_partial_store_is_not_used(
    tmp_path: Path, tiny: Taxonomy, fitted: Normalizer
) -> None:
    key = fingerprint(tiny)
    assert read_store(tmp_path / "absent.npz", key=key, kinds=KINDS) is None
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip")
    assert read_store(corrupt, key=key, kinds=KINDS) is None
    path = tmp_path / "skills.npz"
    write_store(path, {"skill": fitted.indexes_["skill"].state()}, key=key)
    assert read_store(path, key=key, kinds=KINDS) is None
    assert read_store(path, key=key, kinds=("skill",)) is not None


def test_the_fingerprint_follows_the_taxonomy_content(tiny: Taxonomy) -> None:
    assert fingerprint(tiny) == fingerprint(tiny)
    fewer = Taxonomy(
        version=tiny.version,
        concepts=tiny.concepts,
        labels=tiny.labels.head(tiny.labels.height - 1),
        descriptions=tiny.descriptions,
        broader=tiny.broader_relations,
        occupation_skills=tiny.occupation_skills,
        skill_relations=tiny.skill_relations,
    )
    assert fingerprint(fewer) != fingerprint(tiny)


def test_the_shipped_store_matches_the_bundled_taxonomy_and_code() -> None:
    # A stale store is never used, but then every start-up rebuilds the index (~20 s of CPU):
    # after changing the taxonomy or the index code, run `python -m skills_taxonomy.index_store`.
    from skills_taxonomy.index_store import BUNDLED_STORE_PATH

    key = fingerprint(Taxonomy.load_bundled())
    assert read_store(BUNDLED_STORE_PATH, key=key, kinds=KINDS) is not None
