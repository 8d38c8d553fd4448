"""Until ``matching.solvers.optimal`` lands, rounds in these tests use the MILP placeholder."""

from __future__ import annotations

import importlib.util

import pytest

import matching.round
from skills_taxonomy.taxonomy import Taxonomy
from tests.matching.factories import make_taxonomy, milp_optimal


@pytest.fixture(autouse=True)
def _optimal_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("matching.solvers.optimal") is None:
        original = matching.round.resolve_solver

        def resolve(mode: str):  # type: ignore[no-untyped-def]
            return milp_optimal if mode == "optimal" else original(mode)  # type: ignore[arg-type]

        monkeypatch.setattr(matching.round, "resolve_solver", resolve)


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return make_taxonomy()
