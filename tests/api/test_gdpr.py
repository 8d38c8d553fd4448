"""GDPR: the access export, erasure (no trace of the candidate left in any table, notices to
the employers who had received the data) and retention — on every configured database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    Table,
    inspect,
    text,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

import api.models  # noqa: F401  (registers every table)
from api import audit
from api.audit import verify
from api.cli import main
from api.db import open_session
from api.gdpr import UNTOUCHED, base_type, candidate_links, free_text_columns
from api.gdpr.erasure import without_candidates
from api.models.audit import AuditRecord
from api.models.candidates import Candidate
from api.models.gdpr import Erasure, ErasureNotice
from api.models.organisations import Organisation
from api.models.placements import Placement, Stage
from api.models.rounds import Round, RoundAssignment
from api.models.users import User
from api.pseudonyms import pseudonym
from api.settings import get_settings
from tests.api.factories import World, auth, candidate_body, opening_body

URL = "/api/v1/candidates"
SECRET = b"test-server-secret"  # conftest's Settings.secret_key

#: Strings only the erased candidate holds (lower case: the scan ignores case).
MARKERS = {
    "name": "qxmarkname",
    "email": "qxmarkmail",
    "phone": "699 314159",
    "ref": "qxmarkref",
    "skill": "qxmarkskill",
    "job": "qxmarkjob",
    "diploma": "qxmarkdiploma",
    "language": "qxmarklang",
    "free text": "qxmarkfree",
}


def _marked_body() -> dict[str, Any]:
    return candidate_body(
        external_ref="QXMARKREF-1",
        full_name="Qxmarkname Benali",
        birth_date="1987-06-05",
        email="qxmarkmail@example.org",
        phone="+212 699 314159",
        skills="qxmarkskill; soudure TIG",
        job_titles="qxmarkjob",
        diplomas="Qxmarkdiploma",
        languages="qxmarklang, allemand B1",
    )


def _value(column: Any, parents: dict[str, int], marker: str | None) -> Any:
    """A plausible value for ``column`` of a generic row; ``marker`` goes in free text."""
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        if target in parents:
            return parents[target]
        if column.nullable:
            return None
        raise LookupError(target)
    kind = base_type(column.type)
    if isinstance(kind, String):
        if marker is not None and column in free_text_columns(column.table):
            return f"{marker} {column.table.name}.{column.name}"
        return "other"[: kind.length or 5]
    if isinstance(kind, DateTime):
        return datetime.now(UTC)
    if isinstance(kind, Date):
        return date.today()
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Float):
        return 0.5
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, JSON):
        return None if column.nullable else {}
    return None


def _seed_row(engine: Engine, table: Table, parents: dict[str, int], marker: str | None) -> int:
    row = {
        c.name: _value(c, parents, marker)
        for c in table.columns
        if not (c.primary_key and c.autoincrement in (True, "auto"))
    }
    with open_session(engine, mode="write") as session:
        new_id = session.execute(table.insert().values(row).returning(table.c.id)).scalar_one()
        session.commit()
    return int(new_id)


#: Tables the test fills through the API or their models; every other table about a candidate
#: (decisions, stage events, consents, identity reveals, …) gets a generic row.
_SEEDED = frozenset(
    {"candidates", "candidate_concepts", "duplicate_flags", "round_assignments", "placements"}
)


def _seed_other_tables(engine: Engine, parents: dict[str, int]) -> list[str]:
    """A row, free text marked, in every table referring to a candidate or a placement;
    and the round's publication when rounds are published."""
    seeded = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _SEEDED or table.name in UNTOUCHED:
            continue
        targets = {fk.column.table.name for fk in table.foreign_keys}
        if table.name == "round_publications":
            parents[table.name] = _seed_row(engine, table, parents, marker=None)
        elif targets & {"candidates", "placements"}:
            parents[table.name] = _seed_row(engine, table, parents, MARKERS["free text"])
            seeded.append(table.name)
    return seeded


def _scan(engine: Engine, needles: dict[str, str]) -> list[str]:
    """Every (table, column, marker) where a marker appears, any column cast to text."""
    hits = []
    tables = inspect(engine).get_table_names()
    with engine.connect() as connection:
        for table in tables:
            for column in inspect(engine).get_columns(table):
                for what, needle in needles.items():
                    count = connection.execute(
                        text(
                            f'SELECT count(*) FROM "{table}" '
                            f'WHERE lower(CAST("{column["name"]}" AS TEXT)) LIKE :needle'
                        ),
                        {"needle": f"%{needle}%"},
                    ).scalar_one()
                    if count:
                        hits.append(f"{table}.{column['name']}: {what}")
    return hits


def _in_sqlite_file(engine: Engine, needles: dict[str, str]) -> list[str]:
    """The markers still in the bytes of a SQLite database file (free pages, unused cell
    space), after a checkpoint has copied the write-ahead log into it; [] on PostgreSQL."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return []
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    data = Path(engine.url.database).read_bytes().lower()
    return [what for what, needle in needles.items() if needle.encode() in data]


def test_every_table_referring_to_candidates_is_found() -> None:
    """The footprint follows the schema: every foreign key to candidates.id, whatever module
    declares it."""
    declared = {
        (table.name, fk.parent.name)
        for table in SQLModel.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "candidates"
    }
    found = {(link.child.name, link.column.name) for link in candidate_links()}
    assert found == declared
    assert {"candidate_concepts", "duplicate_flags", "round_assignments", "placements"} <= {
        name for name, _ in found
    }


def test_erasure_leaves_no_trace_in_any_table(
    client: TestClient, world: World, engine: Engine
) -> None:
    # Agency B's candidate shares the birth date and (accent-folded) name: import flags it.
    twin = candidate_body(full_name="Qxmärkname Benali", birth_date="1987-06-05")
    assert client.post(URL, json=twin, headers=auth(world.agency_b)).status_code == 201
    imported = client.post(
        f"{URL}/import",
        content=json.dumps(_marked_body()) + "\n",
        headers=auth(world.agency_a)
        | {"Content-Type": "application/x-ndjson", "Idempotency-Key": "batch-1"},
    )
    assert imported.status_code == 201, imported.text
    [marked] = imported.json()["ids"]
    assert imported.json()["duplicates"] == [{"row": 1, "candidate_id": marked}]
    other = client.post(URL, json=candidate_body(), headers=auth(world.agency_a)).json()
    opening = client.post(
        "/api/v1/openings", json=opening_body(), headers=auth(world.employer_e)
    ).json()
    employer_e = opening["employer_id"]

    # The curation queue holds the marked texts; staff confirm one (a synonym holds it too).
    queue = client.get("/api/v1/curation?limit=200", headers=auth(world.staff)).json()["items"]
    marked_items = [i for i in queue if "qxmark" in i["text"].lower()]
    assert marked_items, "the marked skill and job title wait for curation"
    job_item = next(i for i in marked_items if i["kind"] == "occupation")
    occupation = client.app.state.normaliser.normalizer.taxonomy.uris("occupation")[0]  # type: ignore[attr-defined]
    confirmed = client.post(
        f"/api/v1/curation/{job_item['id']}/confirm",
        json={"concept_uri": occupation},
        headers=auth(world.staff),
    )
    assert confirmed.status_code == 200, confirmed.text

    # A finished round that placed the candidate at employer E (and left the other out), and
    # the placement it published.
    round_id, placement_id = _round(
        engine,
        marked,
        opening,
        result={
            "metrics": {"candidates": 2},
            "manifest": {},
            "unassigned": [
                {"candidate": str(other["id"]), "reason": "no_eligible_opening", "details": {}}
            ],
            "reserves": {str(opening["id"]): [{"candidate": str(marked), "score": 0.4}]},
        },
        stage="shortlisted",
    )
    with open_session(engine, mode="read") as session:
        staff_user = session.exec(
            select(User.id).join(Organisation).where(Organisation.name == "Programme")
        ).first()
    assert placement_id is not None and staff_user is not None
    parents = {
        "candidates": marked,
        "rounds": round_id,
        "openings": opening["id"],
        "organisations": employer_e,
        "placements": placement_id,
        "users": staff_user,
    }
    seeded = _seed_other_tables(engine, parents)
    with open_session(engine, mode="write") as session:  # as the pipeline audits a move
        for candidate_id in (marked, other["id"]):
            audit.append(
                session,
                actor_user_id=staff_user,
                action="stage.changed",
                subject_type="placement",
                subject_id=placement_id,
                payload={"candidate_id": candidate_id, "to": "interview"},
            )
        session.commit()

    # Before: the markers are there, and the export shows every table and who saw what.
    assert {"candidates", "candidate_concepts", "curation_items", "synonyms"} <= {
        hit.split(".")[0] for hit in _scan(engine, MARKERS)
    }
    exported = client.get(f"{URL}/{marked}/export", headers=auth(world.agency_a))
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["candidate"]["full_name"] == "Qxmarkname Benali"
    assert {"candidate_concepts", "duplicate_flags", "round_assignments", "placements"} <= set(
        body["records"]
    )
    assert set(seeded) <= set(body["records"])
    e_pseudonym = pseudonym(SECRET, employer_id=employer_e, candidate_id=marked)
    assert {(d["employer_id"], d["what"], d["pseudonym"]) for d in body["disclosures"]} >= {
        (employer_e, "placement", e_pseudonym),
        (employer_e, "shortlist", e_pseudonym),
    }
    assert [(a["action"], a["payload"]["candidate_id"]) for a in body["audit"]] == [
        ("stage.changed", marked)
    ]
    assert [(m["round_id"], m["score"], m["explanation"]["terms"]) for m in body["matches"]] == [
        (round_id, 0.7, [["essential", 0.7]])
    ]

    erased = client.delete(f"{URL}/{marked}?erase=true", headers=auth(world.staff))
    assert erased.status_code == 204, erased.text

    assert _scan(engine, MARKERS) == []
    assert _in_sqlite_file(engine, MARKERS) == []
    with open_session(engine, mode="read") as session:
        kept = session.get(Placement, placement_id)
        assert kept is not None and kept.candidate_id is None  # the counts survive
        assert session.get(Candidate, other["id"]) is not None
        erasure = session.exec(select(Erasure)).one()
        assert erasure.trigger == "request" and erasure.subject.startswith("E-")
        assert erasure.counts["candidates"] == {"deleted": 1, "cleared": 0}
        assert erasure.counts["placements"] == {"deleted": 0, "cleared": 1}
        [notice] = session.exec(select(ErasureNotice)).all()
        assert (notice.employer_id, notice.pseudonym) == (employer_e, e_pseudonym)
        assert {"placement", "shortlist"} <= set(notice.received)
        stored = session.get(Round, round_id)
        assert stored is not None and stored.result is not None
        assert stored.result["reserves"] == {str(opening["id"]): []}
        assert stored.result["unassigned"][0]["candidate"] == str(other["id"])
        assert verify(session).ok
        actions = session.exec(select(AuditRecord.action)).all()
        assert "candidate.erased" in actions and "candidate.exported" in actions

    # The employer is told, under the pseudonym it knew; the other employer is not.
    notices = client.get("/api/v1/erasure-notices", headers=auth(world.employer_e)).json()
    assert [n["pseudonym"] for n in notices["items"]] == [e_pseudonym]
    assert (
        client.get("/api/v1/erasure-notices", headers=auth(world.employer_f)).json()["total"] == 0
    )
    assert client.get(f"{URL}/{marked}", headers=auth(world.agency_a)).status_code == 404
    # A replay of the import answers without the erased id.
    replay = client.post(
        f"{URL}/import",
        content=json.dumps(_marked_body()) + "\n",
        headers=auth(world.agency_a)
        | {"Content-Type": "application/x-ndjson", "Idempotency-Key": "batch-1"},
    )
    assert replay.json()["ids"] == [None] and replay.json()["duplicates"] == []


def test_who_may_export_and_erase(client: TestClient, world: World) -> None:
    candidate = client.post(URL, json=candidate_body(), headers=auth(world.agency_a)).json()
    url = f"{URL}/{candidate['id']}"
    assert client.get(f"{url}/export", headers=auth(world.agency_b)).status_code == 404
    assert client.get(f"{url}/export", headers=auth(world.employer_e)).status_code == 403
    assert client.get(f"{url}/export", headers=auth(world.staff)).status_code == 200
    # Staff erase on request only; another agency cannot reach the candidate.
    assert client.delete(url, headers=auth(world.staff)).status_code == 403
    assert client.delete(f"{url}?erase=true", headers=auth(world.agency_b)).status_code == 404
    assert client.delete(f"{url}?erase=true", headers=auth(world.employer_e)).status_code == 403
    assert client.get(url, headers=auth(world.agency_a)).status_code == 200
    assert client.delete(f"{url}?erase=true", headers=auth(world.agency_a)).status_code == 204
    assert client.get(f"{url}/export", headers=auth(world.staff)).status_code == 404
    erasures = client.get("/api/v1/erasures", headers=auth(world.staff)).json()
    assert [e["trigger"] for e in erasures["items"]] == ["request"]
    assert client.get("/api/v1/erasures", headers=auth(world.agency_a)).status_code == 403


def test_plain_delete_erases_too(client: TestClient, world: World, engine: Engine) -> None:
    """An agency deleting its candidate leaves no more behind than an erasure does."""
    body = candidate_body(skills="qxmarkskill")
    candidate = client.post(URL, json=body, headers=auth(world.agency_a)).json()
    assert client.get("/api/v1/curation", headers=auth(world.staff)).json()["total"] >= 1
    assert _scan(engine, {"skill": "qxmarkskill"}) != []
    assert (
        client.delete(f"{URL}/{candidate['id']}", headers=auth(world.agency_a)).status_code == 204
    )
    assert _scan(engine, {"skill": "qxmarkskill"}) == []
    with open_session(engine, mode="read") as session:
        assert session.exec(select(Erasure.trigger)).all() == ["deletion"]


def test_a_text_another_profile_holds_stays_queued(
    client: TestClient, world: World, engine: Engine
) -> None:
    first = client.post(
        URL, json=candidate_body(skills="Qxsharedskill"), headers=auth(world.agency_a)
    ).json()
    client.get("/api/v1/curation", headers=auth(world.staff))  # queued as the first wrote it
    client.post(URL, json=candidate_body(skills="qxsharedskill"), headers=auth(world.agency_b))
    assert client.delete(f"{URL}/{first['id']}", headers=auth(world.agency_a)).status_code == 204
    queue = client.get("/api/v1/curation", headers=auth(world.staff)).json()["items"]
    # Still queued (the second candidate holds it), in the second candidate's spelling.
    assert [i["text"] for i in queue if "qxshared" in i["text"].lower()] == ["qxsharedskill"]


def _age(engine: Engine, candidate_id: int, days: int) -> None:
    old = datetime.now(UTC) - timedelta(days=days)
    with open_session(engine, mode="write") as session:
        session.execute(
            update(Candidate).where(col(Candidate.id) == candidate_id).values(updated_at=old)
        )
        session.execute(
            update(Placement)
            .where(col(Placement.candidate_id) == candidate_id)
            .values(updated_at=old)
        )
        session.commit()


def _round(
    engine: Engine,
    candidate_id: int,
    opening: dict[str, Any],
    *,
    result: dict[str, Any] | None = None,
    assigned: bool = True,
    stage: Stage | None = None,
) -> tuple[int, int | None]:
    """A finished round that proposed the candidate for the opening (``assigned``) and, with a
    ``stage``, published the pair as a placement: (round id, placement id)."""
    with open_session(engine, mode="write") as session:
        found = Round(
            status="done",
            progress=1.0,
            result=result or {"unassigned": []},
            finished_at=datetime.now(UTC),
        )
        session.add(found)
        session.flush()
        assert found.id is not None
        pair = {
            "round_id": found.id,
            "candidate_id": candidate_id,
            "opening_id": opening["id"],
            "employer_id": opening["employer_id"],
            "score": 0.7,
        }
        if assigned:
            explanation = {"terms": [["essential", 0.7]], "rules": []}
            session.add(RoundAssignment(**pair, explanation=explanation))
        placement = None if stage is None else Placement(**pair, stage=stage)
        if placement is not None:
            session.add(placement)
        session.commit()
        return found.id, None if placement is None else placement.id


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MOBILITY_MATCH_SECRET_KEY", SECRET.decode())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_retention_run_erases_closed_candidates_only(
    client: TestClient,
    world: World,
    engine: Engine,
    cli_env: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    opening = client.post(
        "/api/v1/openings", json=opening_body(), headers=auth(world.employer_e)
    ).json()
    ids = {}
    for name in ("old_no_placement", "old_closed", "old_open", "recent", "old_in_new_round"):
        created = client.post(
            URL, json=candidate_body(full_name=name), headers=auth(world.agency_a)
        )
        ids[name] = created.json()["id"]
    _round(engine, ids["old_closed"], opening, assigned=False, stage="returned")
    _round(engine, ids["old_open"], opening, assigned=False, stage="interview")
    _round(engine, ids["old_in_new_round"], opening)  # proposed by a round just now
    for name in ("old_no_placement", "old_closed", "old_open", "old_in_new_round"):
        _age(engine, ids[name], days=800)

    assert main(["retention", "run", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 candidate(s) due")
    assert sorted(int(line) for line in out[1:]) == sorted(
        [ids["old_no_placement"], ids["old_closed"]]
    )
    with open_session(engine, mode="read") as session:
        assert len(session.exec(select(Candidate)).all()) == 5  # the dry run changed nothing

    assert main(["retention", "run"]) == 0
    assert "erased 2 candidate(s) after 730 days" in capsys.readouterr().out
    with open_session(engine, mode="read") as session:
        left = {c.full_name for c in session.exec(select(Candidate)).all()}
        assert left == {"old_open", "recent", "old_in_new_round"}
        assert session.exec(select(Erasure.trigger)).all() == ["retention", "retention"]
        runs = session.exec(
            select(AuditRecord).where(col(AuditRecord.action) == "retention.run")
        ).all()
        assert [r.payload["erased"] for r in runs] == [2]
        # The closed placement stays for the counts, without the candidate.
        stages = session.execute(sa_select(col(Placement.stage), col(Placement.candidate_id))).all()
        assert ("returned", None) in [tuple(s) for s in stages]
    # A longer period set on the command line spares them all.
    assert main(["retention", "run", "--days", "3000", "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("0 candidate(s) due")


def test_stored_json_loses_only_the_erased_entries() -> None:
    result = {
        "metrics": {"candidates": 12, "placed": 1},
        "unassigned": [{"candidate": "12", "reason": "x"}, {"candidate": "120", "reason": "y"}],
        "reserves": {"7": [{"candidate": "12", "score": 0.5}, {"candidate": "3"}]},
        "ids": [12, 1, True],
        "duplicates": [{"row": 1, "candidate_id": 12}],
    }
    scrubbed, found = without_candidates(result, {12, 1})
    assert found == {12, 1}
    assert scrubbed == {
        "metrics": {"candidates": 12, "placed": 1},  # counts are not ids
        "unassigned": [{"candidate": "120", "reason": "y"}],
        "reserves": {"7": [{"candidate": "3"}]},
        "ids": [None, None, True],
        "duplicates": [],
    }
    assert without_candidates(result, {99}) == (result, set())
