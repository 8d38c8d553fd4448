"""Rounds: staff run one over the programme (in a worker process), read the results; an
employer reads only its own rows, pseudonymised; a round can be stopped; a bad policy is 422;
the same programme and policy give the same stored result."""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.db import open_session
from api.models.rounds import RoundAssignment
from api.normalisation import NormalisedItem, ProfileKind
from api.round_runner import RoundRunner
from api.round_views import EMPLOYER_EXPLANATION_KEYS
from tests.api._slow_worker import slow_serve
from tests.api.factories import World, auth, candidate_body, opening_body

URL = "/api/v1/rounds"
ESCO = "http://data.europa.eu/esco/"
#: Text → ESCO URI for the few items the profiles below use (real concepts of the bundle).
KNOWN = {
    "soudure tig": ESCO + "skill/050dc15e-a41f-4958-bb2c-3fa46c2182be",
    "tig welding": ESCO + "skill/050dc15e-a41f-4958-bb2c-3fa46c2182be",
    "lecture de plans": ESCO + "skill/0a0532c2-ee60-4410-8e07-70e4d69370ec",
    "reading technical drawings": ESCO + "skill/0a0532c2-ee60-4410-8e07-70e4d69370ec",
    "mig welding": ESCO + "skill/0b472dad-1a3f-456e-99ba-de5ffe8665c2",
    "soudeur": ESCO + "occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b",
    "welder": ESCO + "occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b",
}


class KeywordNormaliser:
    """Stands in for the ESCO normaliser: skills and occupations it knows (language and
    diploma lines give no rows: the converter reads them from the text)."""

    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        return [
            [
                NormalisedItem(field, part, KNOWN.get(part.lower()), 1.0, "exact")
                for field, text in texts.items()
                if field not in ("languages", "diplomas")
                for part in filter(None, (p.strip() for p in text.replace(";", ",").split(",")))
            ]
            for texts in profiles
        ]


NAMES = ("Amina Benali", "Youssef Trabelsi", "Salma Haddad", "Omar Fathy")
BIRTH_DATES = ("1990-01-10", "1991-02-11", "1992-03-12", "1993-04-13")


@pytest.fixture
def programme(client: TestClient, world: World) -> dict[str, Any]:
    """Four welders (agencies A and B), an opening of employer E (2 places) and one of F."""
    app: Any = client.app
    app.state.normaliser = KeywordNormaliser()
    ids: dict[str, Any] = {"candidates": []}
    for i, name in enumerate(NAMES):
        body = candidate_body(
            full_name=name,
            email=f"person{i}@example.org",
            birth_date=BIRTH_DATES[i],
            languages="arabe, allemand B2",
            skills="soudure TIG, lecture de plans" if i % 2 == 0 else "soudure TIG",
            experience_years=i + 1,
        )
        token = world.agency_a if i < 3 else world.agency_b
        response = client.post("/api/v1/candidates", json=body, headers=auth(token))
        ids["candidates"].append(response.json()["id"])
    ids["opening_e"] = client.post(
        "/api/v1/openings", json=opening_body(capacity=2), headers=auth(world.employer_e)
    ).json()["id"]
    ids["opening_f"] = client.post(
        "/api/v1/openings",
        json=opening_body(capacity=1, country="BE", title="Welder Liège"),
        headers=auth(world.employer_f),
    ).json()["id"]
    return ids


def _ends(process: BaseProcess, timeout: float = 10) -> bool:
    """Whether the worker process ends within ``timeout``. Its sentinel is watched rather than
    ``join``-ed: the supervisor joins it too, and two threads reaping one child race (the
    loser's ``waitpid`` fails, and ``is_alive`` answered True for a killed process)."""
    return bool(wait([process.sentinel], timeout=timeout))


def _supervisor_stacks() -> str:
    """Where each round-runner supervisor thread is (the failure message of ``_ends``)."""
    frames = sys._current_frames()
    return "\n".join(
        f"{thread.name}:\n{''.join(traceback.format_stack(frames[thread.ident]))}"
        for thread in threading.enumerate()
        if thread.name == "round-runner" and thread.ident in frames
    )


def _wait(
    client: TestClient, round_id: int, token: str, statuses: set[str], stage: str | None = None
) -> dict[str, Any]:
    """The round once its status is one of ``statuses`` (and its stage ``stage``)."""
    deadline = time.monotonic() + 180
    while True:
        body: dict[str, Any] = client.get(f"{URL}/{round_id}", headers=auth(token)).json()
        reached = body["status"] in statuses and (stage is None or body["stage"] == stage)
        if reached or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_round_runs_and_each_role_reads_its_part(
    client: TestClient, world: World, programme: dict[str, Any]
) -> None:
    created = client.post(URL, json={"seed": 7}, headers=auth(world.staff))
    assert created.status_code == 202
    assert created.json()["status"] == "queued"
    done = _wait(client, created.json()["id"], world.staff, {"done", "failed", "stopped"})
    assert done["status"] == "done", done["error"]
    assert done["progress"] == 1.0
    assert (done["candidates"], done["openings"]) == (4, 2)
    assert done["result"]["metrics"]["candidates_placed"] == 3
    assert done["result"]["manifest"]["policy"]["seed"] == 7
    assert done["output_hash"] == done["result"]["manifest"]["output_hash"]
    [left] = done["result"]["unassigned"]
    assert left["reason"] == "outcompeted" and int(left["candidate"]) in programme["candidates"]

    round_url = f"{URL}/{done['id']}"
    staff_rows = client.get(f"{round_url}/assignments", headers=auth(world.staff)).json()
    assert staff_rows["total"] == 3
    assert {r["opening_id"] for r in staff_rows["items"]} == {
        programme["opening_e"],
        programme["opening_f"],
    }
    assert all(r["explanation"]["matched_essential"] for r in staff_rows["items"])

    # Nothing reaches an employer before staff decide on every pair and publish the round.
    mine = client.get(f"{round_url}/my-assignments", headers=auth(world.employer_e))
    assert mine.status_code == 404
    for row in staff_rows["items"]:
        decision = {
            "candidate_id": row["candidate_id"],
            "opening_id": row["opening_id"],
            "action": "accept",
            "reason_code": "good_match",
            "reason": "fits",
        }
        posted = client.post(f"{round_url}/decisions", json=decision, headers=auth(world.staff))
        assert posted.status_code == 201
    published = client.post(f"{round_url}/publish", json={}, headers=auth(world.staff))
    assert published.status_code == 200

    # Employer E: its two rows only, candidates pseudonymised, nothing personal in the body.
    mine = client.get(f"{round_url}/my-assignments", headers=auth(world.employer_e))
    assert mine.status_code == 200
    rows = mine.json()["items"]
    assert [r["opening_id"] for r in rows] == [programme["opening_e"]] * 2
    assert all(r["candidate"]["pseudonym"].startswith("C-") for r in rows)
    for secret in (*NAMES, *BIRTH_DATES, "example.org", "outcompeted", '"candidate_id"'):
        assert secret not in mine.text
    assert set(rows[0]["explanation"]) <= set(EMPLOYER_EXPLANATION_KEYS)
    # Employer F sees its one row, under a pseudonym unrelated to E's.
    theirs = client.get(f"{round_url}/my-assignments", headers=auth(world.employer_f)).json()
    assert [r["opening_id"] for r in theirs["items"]] == [programme["opening_f"]]
    assert theirs["items"][0]["candidate"]["pseudonym"] not in mine.text
    # Who may read what.
    assert client.get(round_url, headers=auth(world.employer_e)).status_code == 403
    assert client.get(f"{round_url}/assignments", headers=auth(world.employer_e)).status_code == 403
    assert client.get(round_url, headers=auth(world.agency_a)).status_code == 403
    assert client.post(URL, json={}, headers=auth(world.agency_a)).status_code == 403
    # Stopping a finished round is a conflict.
    assert client.post(f"{round_url}/stop", headers=auth(world.staff)).status_code == 409

    # Determinism: the same programme and policy give the same stored result.
    again = client.post(URL, json={"seed": 7}, headers=auth(world.admin)).json()
    again = _wait(client, again["id"], world.staff, {"done", "failed", "stopped"})
    assert again["output_hash"] == done["output_hash"]
    assert again["result"] == done["result"]
    again_rows = client.get(f"{URL}/{again['id']}/assignments", headers=auth(world.staff)).json()
    strip = [{k: v for k, v in r.items()} for r in again_rows["items"]]
    assert strip == staff_rows["items"]


@pytest.mark.parametrize(
    ("policy", "loc"),
    [
        ({"mode": "greedy"}, ["body", "mode"]),
        ({"shortlist": 0}, ["body", "shortlist"]),
        ({"weights": {"essential": -1}}, ["body", "weights", "essential"]),
        ({"weights": {"bogus": 1}}, ["body", "weights", "bogus"]),
        ({"colour": "red"}, ["body", "colour"]),
    ],
)
def test_invalid_policy_is_refused_with_the_field(
    client: TestClient, world: World, policy: dict[str, Any], loc: list[str]
) -> None:
    response = client.post(URL, json=policy, headers=auth(world.staff))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert client.get(URL, headers=auth(world.staff)).json()["total"] == 0


def test_running_and_queued_rounds_can_be_stopped(
    client: TestClient, world: World, programme: dict[str, Any]
) -> None:
    app: Any = client.app
    app.state.round_runner.close()
    runner = app.state.round_runner = RoundRunner(app.state.engine, target=slow_serve)
    try:
        first = client.post(URL, json={}, headers=auth(world.staff)).json()
        second = client.post(URL, json={}, headers=auth(world.staff)).json()
        running = _wait(client, first["id"], world.staff, {"running"}, stage="validate")
        assert running["status"] == "running" and running["stage"] == "validate"
        assert 0 < running["progress"] < 1
        # The second waits for the only worker: stopped while queued.
        stopped = client.post(f"{URL}/{second['id']}/stop", headers=auth(world.staff))
        assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
        process = runner._workers[0].process
        assert process is not None and process.is_alive()
        stopped = client.post(f"{URL}/{first['id']}/stop", headers=auth(world.staff))
        assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
        assert not process.is_alive()  # the worker running it was terminated
        time.sleep(0.2)  # the supervisor notices the ended worker; the round stays stopped
        for round_id in (first["id"], second["id"]):
            body = client.get(f"{URL}/{round_id}", headers=auth(world.staff)).json()
            assert (body["status"], body["result"]) == ("stopped", None)
        with open_session(app.state.engine, mode="read") as session:
            assert session.exec(select(RoundAssignment)).all() == []
        assert (
            client.post(f"{URL}/{first['id']}/stop", headers=auth(world.staff)).json()["status"]
            == "stopped"
        )  # stopping again changes nothing
    finally:
        runner.close()


def test_a_round_stopped_by_another_server_process_halts_its_worker(
    client: TestClient, world: World, programme: dict[str, Any]
) -> None:
    """``serve --workers N``: the stop request may reach a process that is not running the
    round; the one running it notices and terminates its worker."""
    app: Any = client.app
    app.state.round_runner.close()
    runner = app.state.round_runner = RoundRunner(
        app.state.engine, target=slow_serve, stop_check_seconds=0.05
    )
    elsewhere = RoundRunner(app.state.engine, target=slow_serve)  # another process's runner
    try:
        created = client.post(URL, json={}, headers=auth(world.staff)).json()
        _wait(client, created["id"], world.staff, {"running"}, stage="validate")
        process = runner._workers[0].process
        assert process is not None and process.is_alive()
        assert elsewhere.stop(created["id"])  # only marks it: no worker of its own runs it
        assert _ends(process), _supervisor_stacks()
        body = client.get(f"{URL}/{created['id']}", headers=auth(world.staff)).json()
        assert (body["status"], body["result"]) == ("stopped", None)
        with open_session(app.state.engine, mode="read") as session:
            assert session.exec(select(RoundAssignment)).all() == []
    finally:
        elsewhere.close()
        runner.close()


def test_a_supervisor_error_fails_the_round_and_ends_its_worker(
    client: TestClient, world: World, programme: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database outage (or a bug) while a round runs: the round fails and the worker that
    was computing it, now watched by nobody, is ended."""
    app: Any = client.app
    app.state.round_runner.close()
    runner = app.state.round_runner = RoundRunner(
        app.state.engine, target=slow_serve, stop_check_seconds=0.05
    )
    try:
        created = client.post(URL, json={}, headers=auth(world.staff)).json()
        _wait(client, created["id"], world.staff, {"running"}, stage="validate")
        process = runner._workers[0].process
        assert process is not None and process.is_alive()

        def outage(*_: object) -> bool:
            raise RuntimeError("database unreachable")

        monkeypatch.setattr("api.round_runner.round_store.is_running", outage)
        assert _ends(process), _supervisor_stacks()
        monkeypatch.undo()
        body = _wait(client, created["id"], world.staff, {"failed"})
        assert (body["status"], body["result"]) == ("failed", None)
    finally:
        runner.close()
