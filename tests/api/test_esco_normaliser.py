"""``EscoProfileNormaliser.warm_up``: what a server runs at start-up so that its first requests
do not build the parsers' and the language detector's tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from api import esco_normaliser
from api.curation import load_normaliser
from api.db import create_db_engine
from api.esco_normaliser import FIELD_KINDS, EscoProfileNormaliser
from api.migrations import upgrade
from skills_taxonomy import cefr, eqf, langdetect
from skills_taxonomy.memo import BoundedMemo
from skills_taxonomy.normalizer import Normalizer

#: Tables built on first use (``functools.cache`` of no argument).
_LAZY: tuple[Any, ...] = (cefr._rules, eqf._compiled, langdetect._profile)


def _cleared() -> None:
    """The lazy tables dropped, with the answers memoised above them (which skip them)."""
    for table in (*_LAZY, cefr._parse_line, eqf._find):
        table.cache_clear()


def _memo_free(normalizer: Normalizer) -> Normalizer:
    """``normalizer`` with a memo of its own, empty (the shared one may hold the samples)."""
    fresh = normalizer.with_synonyms({})
    fresh.memo_ = BoundedMemo(16)
    return fresh


def _built() -> list[bool]:
    return [table.cache_info().currsize == 1 for table in _LAZY]


def test_the_warm_up_profiles_cover_every_field_of_each_kind() -> None:
    assert {k: set(v) for k, v in esco_normaliser._WARM_UP.items()} == {
        k: set(v) for k, v in FIELD_KINDS.items()
    }


def test_warm_up_builds_the_lazy_tables(normalizer: Normalizer) -> None:
    _cleared()
    assert _built() == [False] * len(_LAZY)
    EscoProfileNormaliser(_memo_free(normalizer)).warm_up()
    assert _built() == [True] * len(_LAZY)


@pytest.fixture
def engine(tmp_path: Any) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'warm.db'}")
    upgrade(engine)
    return engine


def test_the_app_normaliser_is_loaded_warm(
    engine: Engine, normalizer: Normalizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed: list[EscoProfileNormaliser] = []
    original: Callable[[EscoProfileNormaliser], None] = EscoProfileNormaliser.warm_up

    def warm_up(self: EscoProfileNormaliser) -> None:
        warmed.append(self)
        original(self)

    monkeypatch.setattr(EscoProfileNormaliser, "warm_up", warm_up)
    _cleared()
    loaded = load_normaliser(engine, _memo_free(normalizer))
    engine.dispose()
    assert warmed == [loaded]
    assert _built() == [True] * len(_LAZY)
