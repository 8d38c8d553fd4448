"""The audit log: chained appends, append-only storage, and ``mobility-match audit verify``
naming the first record that was changed or removed."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from api.audit import append, record_digest, verify
from api.cli import main
from api.db import open_session
from api.models.audit import GENESIS_HASH, AuditRecord
from api.settings import get_settings


def _append_n(engine: Engine, n: int, *, start: int = 0) -> None:
    for i in range(start, start + n):
        with open_session(engine, mode="write") as session:
            append(
                session,
                actor_user_id=7,
                action="decision.accept",
                subject_type="pair",
                subject_id=f"{i}:{i + 1}",
                payload={"round": 1, "reason_code": "good_fit", "score": 0.5 + i / 100},
            )
            session.commit()


def _tamper(engine: Engine, statement: str) -> None:
    """What someone with direct database access could do: lift the guard, then write."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        connection.execute(text(statement))


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_appends_form_an_intact_chain(engine: Engine) -> None:
    _append_n(engine, 5)
    with open_session(engine, mode="read") as session:
        records = session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
        report = verify(session)
    assert [r.id for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(records))
    assert report.ok and report.records == 5


def test_empty_log_verifies(engine: Engine) -> None:
    with open_session(engine, mode="read") as session:
        assert verify(session).ok


def test_a_changed_payload_is_named(engine: Engine) -> None:
    _append_n(engine, 6)
    _tamper(engine, """UPDATE audit_log SET payload = '{"round": 2}' WHERE id = 4""")
    with open_session(engine, mode="read") as session:
        report = verify(session)
    assert not report.ok
    assert report.first_broken == 4
    assert report.problem is not None and "content" in report.problem


def test_a_removed_record_is_named(engine: Engine) -> None:
    _append_n(engine, 5)
    _tamper(engine, "DELETE FROM audit_log WHERE id = 3")
    with open_session(engine, mode="read") as session:
        report = verify(session)
    assert (report.ok, report.first_broken) == (False, 4)
    assert report.problem is not None and "record 3 is missing" in report.problem


def test_a_recomputed_record_breaks_the_next_link(engine: Engine) -> None:
    """Rewriting a record and its own hash still breaks the link from its successor."""
    _append_n(engine, 4)
    with open_session(engine, mode="read") as session:
        victim = session.get(AuditRecord, 2)
        assert victim is not None
        victim.actor_user_id = 99
        forged = record_digest(victim)
        session.rollback()
    _tamper(engine, f"UPDATE audit_log SET actor_user_id = 99, hash = '{forged}' WHERE id = 2")
    with open_session(engine, mode="read") as session:
        report = verify(session)
    assert (report.ok, report.first_broken) == (False, 3)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'x' WHERE id = 1", "DELETE FROM audit_log WHERE id = 1"],
)
def test_the_log_is_append_only(engine: Engine, statement: str) -> None:
    _append_n(engine, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with open_session(engine, mode="read") as session:
        assert verify(session).ok


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"full_name": "Amina"}, "payload.full_name: personal data"),
        ({"pairs": [{"email": "a@b.c"}]}, r"payload.pairs\[0\].email: personal data"),
        ({"why": "x" * 201}, "payload.why: strings are limited"),
    ],
)
def test_personal_data_is_refused(engine: Engine, payload: dict[str, object], problem: str) -> None:
    with open_session(engine, mode="write") as session, pytest.raises(ValueError, match=problem):
        append(
            session,
            actor_user_id=1,
            action="decision.reject",
            subject_type="pair",
            subject_id="1:2",
            payload=payload,
        )


def test_a_rolled_back_transaction_leaves_no_record(engine: Engine) -> None:
    with open_session(engine, mode="write") as session:
        append(session, actor_user_id=1, action="round.created", subject_type="round", subject_id=1)
        session.rollback()
    _append_n(engine, 1)
    with open_session(engine, mode="read") as session:
        report = verify(session)
    assert report.ok and report.records == 1


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda k: _append_n(engine, 5, start=10 * k), range(4)))
    with open_session(engine, mode="read") as session:
        report = verify(session)
    assert report.ok and report.records == 20


def test_cli_verify_names_the_first_broken_record(
    engine: Engine, cli_database: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _append_n(engine, 3)
    assert main(["audit", "verify"]) == 0
    assert "intact: 3 records" in capsys.readouterr().out
    _tamper(engine, "UPDATE audit_log SET subject_id = '9:9' WHERE id = 2")
    assert main(["audit", "verify"]) == 1
    assert "broken at record 2" in capsys.readouterr().err
