"""One normaliser over the bundled ESCO taxonomy, built once per test session (it is slow)."""

from __future__ import annotations

from functools import cache

from skills_taxonomy.normalizer import Normalizer
from skills_taxonomy.taxonomy import Taxonomy


@cache
def shared_normalizer() -> Normalizer:
    return Normalizer(Taxonomy.load_bundled())


def preferred_en(uri: str) -> str:
    return shared_normalizer().taxonomy.preferred_label(uri, lang="en")
