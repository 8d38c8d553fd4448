"""Bulk imports: all rows or none, a per-row error report, idempotent retries, duplicates
flagged across agencies, limits."""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.api.factories import World, auth

CSV = {"Content-Type": "text/csv"}
JSONL = {"Content-Type": "application/x-ndjson"}
SKILLS = ["soudure TIG", "lecture de plans", "maçonnerie", "conduite de chariot élévateur"]


def _candidates_csv(n: int, *, bad_row: int | None = None) -> bytes:
    rows = [
        {
            "external_ref": f"R{i}",
            "full_name": f"Candidate {i}",
            "birth_date": "1990-13-40"
            if i == bad_row
            else f"19{80 + i % 20}-0{1 + i % 9}-1{i % 9}",
            "country": "MA",
            "skills": f"{SKILLS[i % 4]}; {SKILLS[(i + 1) % 4]}",
            "job_titles": "soudeur" if i % 2 else "maçon",
            "diplomas": "Technicien spécialisé",
            "languages": "français courant, allemand A2",
            "destinations": "DE;BE",
        }
        for i in range(1, n + 1)
    ]
    buffer = io.BytesIO()
    pl.DataFrame(rows).write_csv(buffer)
    return buffer.getvalue()


def _count(client: TestClient, token: str, path: str = "/api/v1/candidates") -> int:
    total: int = client.get(path, params={"limit": 1}, headers=auth(token)).json()["total"]
    return total


def test_one_bad_row_in_ten_thousand_stores_nothing_and_the_fixed_file_stores_all(
    client: TestClient, world: World
) -> None:
    url = "/api/v1/candidates/import"
    bad = client.post(
        url, content=_candidates_csv(10_000, bad_row=7_777), headers=CSV | auth(world.agency_a)
    )
    assert bad.status_code == 422
    assert [p["loc"] for p in bad.json()["detail"]] == [["row", 7777, "birth_date"]]
    assert _count(client, world.agency_a) == 0

    good = client.post(url, content=_candidates_csv(10_000), headers=CSV | auth(world.agency_a))
    assert good.status_code == 201, good.text
    body = good.json()
    assert body["created"] == 10_000 and len(set(body["ids"])) == 10_000
    assert _count(client, world.agency_a) == 10_000
    one = client.get(f"/api/v1/candidates/{body['ids'][-1]}", headers=auth(world.agency_a)).json()
    assert one["external_ref"] == "R10000" and one["destinations"] == ["DE", "BE"]
    fields = {c["field"] for c in one["concepts"]}
    assert fields == {"skills", "job_titles", "diplomas", "languages"}
    # The same references again: every row is reported, nothing is stored.
    again = client.post(url, content=_candidates_csv(3), headers=CSV | auth(world.agency_a))
    assert again.status_code == 422
    assert [p["loc"][-1] for p in again.json()["detail"]] == ["external_ref"] * 3


def test_idempotency_key_replays_and_refuses_another_body(client: TestClient, world: World) -> None:
    url = "/api/v1/candidates/import"
    first = client.post(
        url,
        content=_candidates_csv(5),
        headers=CSV | auth(world.agency_a) | {"Idempotency-Key": "k1"},
    )
    replay = client.post(
        url,
        content=_candidates_csv(5),
        headers=CSV | auth(world.agency_a) | {"Idempotency-Key": "k1"},
    )
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert _count(client, world.agency_a) == 5
    other = client.post(
        url,
        content=_candidates_csv(6),
        headers=CSV | auth(world.agency_a) | {"Idempotency-Key": "k1"},
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    # Keys are per organisation: agency B's "k1" is its own.
    theirs = client.post(
        url,
        content=_candidates_csv(5),
        headers=CSV | auth(world.agency_b) | {"Idempotency-Key": "k1"},
    )
    assert theirs.status_code == 201
    assert theirs.json()["ids"] != first.json()["ids"]


def test_duplicates_across_agencies_are_flagged_not_merged(
    client: TestClient, world: World
) -> None:
    url = "/api/v1/candidates/import"
    mine = {"full_name": "Amina Benali", "birth_date": "1996-04-12", "country": "MA"}
    assert (
        client.post(url, content=json.dumps(mine), headers=JSONL | auth(world.agency_a)).status_code
        == 201
    )
    rows = [
        {"full_name": "Youssef Alami", "birth_date": "1990-01-01", "country": "MA"},
        {"full_name": "  BENALI   Amïna ", "birth_date": "1996-04-12", "country": "TN"},
    ]
    lines = "\n".join(json.dumps(r) for r in rows)
    answer = client.post(url, content=lines, headers=JSONL | auth(world.agency_b))
    assert answer.status_code == 201
    body = answer.json()
    assert body["created"] == 2
    assert body["duplicates"] == [{"row": 2, "candidate_id": body["ids"][1]}]
    flags = client.get("/api/v1/curation/duplicates", headers=auth(world.staff)).json()["items"]
    assert [(f["candidate_id"]) for f in flags] == [body["ids"][1]]
    assert _count(client, world.staff) == 3  # nothing merged
    assert (
        client.get("/api/v1/curation/duplicates", headers=auth(world.agency_a)).status_code == 403
    )


def test_openings_from_xlsx_and_limits(client: TestClient, world: World) -> None:
    book = Workbook()
    sheet: Any = book.active
    sheet.append(["title", "country", "occupation", "essential_skills", "languages", "capacity"])
    sheet.append(["TIG welder", "DE", "welder", "TIG welding", "German B1", 3])
    sheet.append(["Nurse", "BE", "nurse", "patient care", "French B2", 2])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = client.post(
        "/api/v1/openings/import",
        params={"filename": "openings.xlsx"},
        content=buffer.getvalue(),
        headers={"Content-Type": "application/octet-stream"} | auth(world.employer_e),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["created"] == 2
    assert _count(client, world.employer_e, "/api/v1/openings") == 2
    # Agencies may not import openings, nor employers candidates.
    assert (
        client.post(
            "/api/v1/openings/import", content=b"x", headers=CSV | auth(world.agency_a)
        ).status_code
        == 403
    )
    app: Any = client.app
    app.state.settings = app.state.settings.model_copy(update={"max_import_rows": 3})
    too_many = client.post(
        "/api/v1/candidates/import", content=_candidates_csv(4), headers=CSV | auth(world.agency_a)
    )
    assert too_many.status_code == 413
    unknown = client.post(
        "/api/v1/candidates/import",
        content=b"full_name,country,shoe_size\nA,MA,42\n",
        headers=CSV | auth(world.agency_a),
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["row", 1, "shoe_size"]


def test_a_byte_order_mark_opening_a_file_is_not_part_of_its_first_row(
    client: TestClient, world: World
) -> None:
    """Editors on Windows save "UTF-8 with BOM": CSV and JSON lines alike are read."""
    url = "/api/v1/candidates/import"
    rows = [
        {"external_ref": f"B{i}", "full_name": f"Candidate {i}", "country": "TN"} for i in (1, 2)
    ]
    jsonl = "\ufeff" + "\n".join(json.dumps(r) for r in rows) + "\n"
    answer = client.post(url, content=jsonl.encode(), headers=JSONL | auth(world.agency_a))
    assert answer.status_code == 201, answer.text
    csv = "\ufeffexternal_ref,full_name,country\nB3,Candidate 3,TN\n"
    answer = client.post(url, content=csv.encode(), headers=CSV | auth(world.agency_a))
    assert answer.status_code == 201, answer.text
    assert _count(client, world.agency_a) == 3
