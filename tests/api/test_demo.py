"""The demo programme: generated deterministically from ESCO labels, seeded through the
create path (profiles normalised on the way in), then ``api.demo --no-serve`` end to end on a
small size (the stored result's determinism is tested in ``test_rounds``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import func
from sqlmodel import select

from api import demo
from api.db import create_db_engine, open_session
from api.demo_data import generate
from api.models.candidates import Candidate, CandidateConcept
from api.models.openings import Opening
from api.models.rounds import Round, RoundAssignment
from skills_taxonomy.normalizer import Normalizer

ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_same_seed_same_programme(normalizer: Normalizer) -> None:
    taxonomy = normalizer.taxonomy
    one = generate(taxonomy, seed=3, candidates=60, employers=8, vacancies=12, trainings=2)
    assert one == generate(taxonomy, seed=3, candidates=60, employers=8, vacancies=12, trainings=2)
    other = generate(taxonomy, seed=4, candidates=60, employers=8, vacancies=12, trainings=2)
    assert one.candidates != other.candidates

    assert len(one.agencies) == 3 and len(one.employers) == 8
    assert {body.country for _, body in one.candidates} == {"MA", "TN", "EG"}
    assert {body.country for _, body in one.openings} <= {"BE", "DE", "IT", "ES"}
    assert [body.kind for _, body in one.openings].count("training") == 2
    texts = " ".join(body.job_titles + body.languages for _, body in one.candidates)
    assert ARABIC.search(texts)  # Arabic titles or language lines
    assert re.search(r"\b[AB][12]\b", texts)  # CEFR levels as agencies write them
    refs = [body.external_ref for _, body in one.candidates]
    assert len(set(refs)) == len(refs)


def test_demo_seeds_runs_a_round_and_prints_tokens(
    normalizer: Normalizer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(demo, "bundled_normalizer", lambda: normalizer)  # the session's index
    db = tmp_path / "demo.sqlite"
    argv = ["--db", str(db), "--candidates", "90", "--vacancies", "20", "--no-serve"]
    assert demo.main(argv) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/api/v1/docs" in out
    assert re.search(r"programme staff : mm_\S+", out)
    assert "round 1: done" in out

    engine = create_db_engine(f"sqlite:///{db}")
    try:
        with open_session(engine, mode="read") as session:
            count = session.exec(select(func.count()).select_from(Candidate)).one()
            assert count == 90
            assert session.exec(select(func.count()).select_from(Opening)).one() == 30
            resolved = session.exec(
                select(func.count())
                .select_from(CandidateConcept)
                .where(CandidateConcept.concept_uri.is_not(None))  # type: ignore[union-attr]
            ).one()
            assert resolved > 90  # profiles were normalised on the way in
            [done] = session.exec(select(Round)).all()
            assert done.status == "done" and done.output_hash
            placed = session.exec(select(func.count()).select_from(RoundAssignment)).one()
            assert placed == done.result["metrics"]["candidates_placed"] > 0  # type: ignore[index]
    finally:
        engine.dispose()


def test_the_demo_server_keeps_no_access_log(
    normalizer: Normalizer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Query strings (a name filter, say) may hold personal data: never in a log."""
    served: list[dict[str, object]] = []
    monkeypatch.setattr(demo, "bundled_normalizer", lambda: normalizer)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(options))
    monkeypatch.delenv("MOBILITY_MATCH_DEMO_NO_SERVE", raising=False)
    argv = ["--db", str(tmp_path / "demo.sqlite"), "--candidates", "30", "--vacancies", "10"]
    assert demo.main(argv) == 0
    [options] = served
    assert options["access_log"] is False
    assert options["host"] == "127.0.0.1"
