"""Staff pages (``/ui``) through the test client: sign-in and session refusal, CSRF, every page
with data and empty, decisions and publication through the forms, curation, reports, audit,
French and English, and errors shown as messages. (The real-browser run is test_ui_browser.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import col, select

from api.db import open_session
from api.models.audit import AuditRecord
from api.models.curation import CurationItem
from api.models.placements import Placement
from api.models.review import Decision
from api.models.rounds import Round, RoundAssignment
from api.ui import charts, routes
from api.ui.i18n import MESSAGES, Translator, pick_language
from api.ui.session import COOKIE
from tests.api.factories import World, auth, candidate_body, opening_body

ESCO = "http://data.europa.eu/esco/"
WELD = ESCO + "skill/050dc15e-a41f-4958-bb2c-3fa46c2182be"  # fr: "souder en milieu hyperbare"
CONTROL = ESCO + "skill/0a0532c2-ee60-4410-8e07-70e4d69370ec"
TEMPLATES = Path(routes.__file__).parent / "templates"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> Any:
    page = client.get("/ui/signin")
    return client.post(
        "/ui/signin",
        data={"token": token, "csrf_token": csrf_of(page.text), "next": "/ui/dashboard"},
        follow_redirects=False,
    )


def flash(html: str) -> str:
    found = re.search(r'class="flash flash-\w+"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def explanation(score: float) -> dict[str, Any]:
    return {
        "terms": [["essential_skills", score - 0.1], ["language", 0.1]],
        "matched_essential": [
            {
                "uri": WELD,
                "label": "weld in hyperbaric conditions",
                "level": 1.0,
                "via_occupation": False,
            }
        ],
        "matched_optional": [],
        "partial_credits": [],
        "missing_essential": [{"uri": CONTROL, "label": "operate automated process control"}],
        "rules": [{"rule": "language_below_minimum", "passed": True, "detail": "needs de B1"}],
        "locked": False,
    }


@pytest.fixture
def programme(client: TestClient, world: World, engine: Engine) -> dict[str, Any]:
    """Three candidates of agency A, one opening of employer E (2 places), and a finished
    round placing the first two (the third unassigned, outcompeted)."""
    ids = [
        client.post(
            "/api/v1/candidates",
            json=candidate_body(full_name=f"Person {i}", email=f"p{i}@example.org"),
            headers=auth(world.agency_a),
        ).json()["id"]
        for i in range(3)
    ]
    opening = client.post(
        "/api/v1/openings",
        json=opening_body(capacity=2, title="Welder Stuttgart"),
        headers=auth(world.employer_e),
    ).json()
    with open_session(engine, mode="write") as session:
        found = Round(
            status="done",
            progress=1.0,
            candidates=3,
            openings=1,
            result={
                "metrics": {
                    "candidates": 3,
                    "candidates_placed": 2,
                    "places_total": 2,
                    "places_filled": 2,
                },
                "manifest": {},
                "unassigned": [
                    {
                        "candidate": str(ids[2]),
                        "reason": "outcompeted",
                        "details": {"best_opening": str(opening["id"])},
                    }
                ],
            },
        )
        session.add(found)
        session.flush()
        for cid, score in zip(ids[:2], (0.9, 0.7), strict=True):
            session.add(
                RoundAssignment(
                    round_id=found.id,
                    candidate_id=cid,
                    opening_id=opening["id"],
                    employer_id=opening["employer_id"],
                    score=score,
                    explanation=explanation(score),
                )
            )
        session.commit()
        return {"round": found.id, "candidates": ids, "opening": opening["id"]}


@pytest.fixture
def staff(client: TestClient, world: World) -> TestClient:
    assert sign_in(client, world.staff).status_code == 303
    return client


# --- sessions -------------------------------------------------------------------------------


def test_pages_send_the_unsigned_to_sign_in(client: TestClient) -> None:
    for path in ("/ui/dashboard", "/ui/rounds/1", "/ui/curation", "/ui/reports", "/ui/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/ui/signin?next=%2Fui%2F")


def test_sign_in_sets_a_signed_httponly_lax_cookie(client: TestClient, world: World) -> None:
    response = sign_in(client, world.staff)
    assert response.status_code == 303 and response.headers["location"] == "/ui/dashboard"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie")
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
    assert world.staff not in cookie  # the digest, never the token
    page = client.get("/ui/dashboard")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"

    # A tampered cookie is no session at all.
    value = client.cookies.get(COOKIE)
    assert value is not None
    client.cookies.clear()
    client.cookies.set(COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("who", ["agency_a", "employer_e"])
def test_tenants_cannot_sign_in(client: TestClient, world: World, who: str) -> None:
    response = sign_in(client, getattr(world, who))
    assert response.headers["location"] == "/ui/signin?next=%2Fui%2Fdashboard"
    page = client.get("/ui/signin")
    assert "not a programme staff token" in flash(page.text)
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303


def test_unknown_token_is_refused(client: TestClient) -> None:
    sign_in(client, "mm_not-a-token")
    assert "unknown or revoked" in flash(client.get("/ui/signin").text)
    assert client.get("/ui/audit", follow_redirects=False).status_code == 303


def test_sign_in_without_the_forms_csrf_token_is_refused(client: TestClient, world: World) -> None:
    client.get("/ui/signin")
    response = client.post(
        "/ui/signin",
        data={"token": world.staff, "csrf_token": "forged"},
        headers={"referer": "http://testserver/ui/signin"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].endswith("/ui/signin")
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(staff: TestClient) -> None:
    page = staff.get("/ui/dashboard")
    staff.post("/ui/signout", data={"csrf_token": csrf_of(page.text)})
    assert staff.get("/ui/dashboard", follow_redirects=False).status_code == 303


def test_next_page_never_leaves_the_site(client: TestClient, world: World) -> None:
    page = client.get("/ui/signin", params={"next": "https://evil.example/ui/x"})
    assert 'value="/ui/dashboard"' in page.text
    response = client.post(
        "/ui/signin",
        data={"token": world.staff, "csrf_token": csrf_of(page.text), "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/ui/dashboard"


# --- pages ----------------------------------------------------------------------------------


def test_every_page_has_an_empty_state(staff: TestClient) -> None:
    expected = {
        "/ui/dashboard": "No placement yet",
        "/ui/rounds": "No round yet",
        "/ui/curation": "Nothing to curate",
        "/ui/reports": "No finished round yet",
        "/ui/audit": "<h1>Audit log</h1>",
    }
    for path, text in expected.items():
        response = staff.get(path)
        assert response.status_code == 200, path
        assert text in response.text, path


def test_round_page_lists_assignments_unassigned_and_explains_a_pair(
    staff: TestClient, programme: dict[str, Any]
) -> None:
    round_id, (c1, c2, c3), opening = (
        programme["round"],
        programme["candidates"],
        programme["opening"],
    )
    page = staff.get(f"/ui/rounds/{round_id}")
    assert page.status_code == 200
    assert page.text.count('class="pair-link"') == 2
    assert "Employer E (DE)" in page.text and "welder" in page.text
    assert "outcompeted" in page.text and f"<td>{c3}</td>" in page.text
    assert "2 pairs still need a decision" in page.text

    panel = staff.get(f"/ui/rounds/{round_id}/pairs/{opening}/{c1}")
    assert panel.status_code == 200
    assert "weld in hyperbaric conditions" in panel.text  # matched, ESCO label
    assert "operate automated process control" in panel.text  # missing
    assert "<svg" in panel.text and "language_below_minimum" in panel.text
    french = staff.get(f"/ui/rounds/{round_id}?pair={opening}-{c1}&lang=fr")
    assert "souder en milieu hyperbare" in french.text and "Explication" in french.text
    assert staff.get(f"/ui/rounds/{round_id}/pairs/{opening}/{c3}").status_code == 404
    del c2


def decide(staff: TestClient, programme: dict[str, Any], candidate: int, **form: str) -> Any:
    round_id = programme["round"]
    page = staff.get(f"/ui/rounds/{round_id}?pair={programme['opening']}-{candidate}")
    data = {
        "csrf_token": csrf_of(page.text),
        "opening_id": str(programme["opening"]),
        "candidate_id": str(candidate),
        "reason_code": "good_match",
        **form,
    }
    return staff.post(
        f"/ui/rounds/{round_id}/decisions",
        data=data,
        headers={"referer": f"http://testserver/ui/rounds/{round_id}"},
        follow_redirects=False,
    )


def decisions(engine: Engine) -> list[Decision]:
    with open_session(engine, mode="read") as session:
        return list(session.exec(select(Decision).order_by(col(Decision.id))).all())


def test_a_decision_needs_a_reason_and_the_forms_token(
    staff: TestClient, programme: dict[str, Any], engine: Engine
) -> None:
    c1 = programme["candidates"][0]
    refused = decide(staff, programme, c1, action="accept", reason="  ")
    assert refused.status_code == 303
    assert "reason" in flash(staff.get(refused.headers["location"]).text)
    forged = decide(staff, programme, c1, action="accept", reason="fine", csrf_token="forged")
    assert "stale or not sent by this site" in flash(staff.get(forged.headers["location"]).text)
    assert decisions(engine) == []

    done = decide(staff, programme, c1, action="accept", reason="Strong welder")
    assert done.status_code == 303
    page = staff.get(done.headers["location"])
    assert "Decision recorded: accepted." in flash(page.text)
    [decision] = decisions(engine)
    assert (decision.action, decision.reason, decision.candidate_id) == (
        "accept",
        "Strong welder",
        c1,
    )
    assert "Strong welder" in page.text  # the pair's history in the panel


def test_override_publish_and_the_audit_view(
    staff: TestClient, programme: dict[str, Any], engine: Engine
) -> None:
    c1, c2, c3 = programme["candidates"]
    round_id = programme["round"]
    decide(staff, programme, c1, action="lock", reason="Employer asked for them")
    publish_page = staff.get(f"/ui/rounds/{round_id}")
    early = staff.post(
        f"/ui/rounds/{round_id}/publish",
        data={"csrf_token": csrf_of(publish_page.text)},
        headers={"referer": f"http://testserver/ui/rounds/{round_id}"},
    )
    assert "have no decision" in flash(early.text)

    decide(
        staff,
        programme,
        c2,
        action="override",
        reason="Better German",
        new_candidate_id=str(c3),
        reason_code="better_candidate",
    )
    page = staff.get(f"/ui/rounds/{round_id}")
    assert "put in by override" in page.text and "overridden" in page.text
    newcomer = staff.get(f"/ui/rounds/{round_id}/pairs/{programme['opening']}/{c3}")
    assert "Put on the place by an override" in newcomer.text
    assert 'class="decide"' not in newcomer.text  # decisions are taken on proposed pairs
    published = staff.post(
        f"/ui/rounds/{round_id}/publish",
        data={"csrf_token": csrf_of(page.text), "sign_off_reason": "Small pilot, checked by hand"},
        headers={"referer": f"http://testserver/ui/rounds/{round_id}"},
    )
    assert "Published: 2 pairs" in flash(published.text)
    with open_session(engine, mode="read") as session:
        placed = {p.candidate_id for p in session.exec(select(Placement)).all()}
    assert placed == {c1, c3}
    # Published: no more decision form; the dashboard's funnel counts the placements.
    assert (
        'class="decide"'
        not in staff.get(f"/ui/rounds/{round_id}?pair={programme['opening']}-{c1}").text
    )
    dashboard = staff.get("/ui/dashboard")
    assert "<svg" in dashboard.text and "shortlisted" in dashboard.text

    audit = staff.get("/ui/audit", params={"action": "decision."})
    assert "decision.override" in audit.text and "decision.lock" in audit.text
    assert "round.published" not in audit.text
    assert "Better German" not in staff.get("/ui/audit").text  # free text never in the log


def test_curation_confirm_search_and_dismiss(
    staff: TestClient, client: TestClient, world: World, engine: Engine
) -> None:
    client.post(
        "/api/v1/candidates",
        json=candidate_body(skills="zqxw frobnication"),
        headers=auth(world.agency_a),
    )
    page = staff.get("/ui/curation")
    assert "zqxw frobnication" in page.text
    assert "Applies to 1 candidates" in page.text
    with open_session(engine, mode="read") as session:
        items = session.exec(select(CurationItem).where(col(CurationItem.status) == "open")).all()
    item = next(i for i in items if i.text == "zqxw frobnication")
    searched = staff.get("/ui/curation", params={"item": item.id, "q": "welding"})
    uris = re.findall(
        rf'action="/ui/curation/{item.id}/confirm".*?name="concept_uri" value="([^"]+)"',
        searched.text,
        flags=re.S,
    )
    assert len(uris) > len(item.guesses)  # the search offered more concepts
    confirmed = staff.post(
        f"/ui/curation/{item.id}/confirm",
        data={"csrf_token": csrf_of(searched.text), "concept_uri": uris[-1]},
    )
    assert "1 profile rows re-resolved" in flash(confirmed.text)
    listed = staff.get("/ui/curation", params={"status": "confirmed"})
    assert (
        "zqxw frobnication" in listed.text
        and "Resolves 1 profile rows (1 candidates" in listed.text
    )

    others = [i for i in items if i.id != item.id]
    if others:
        dismissed = staff.post(
            f"/ui/curation/{others[0].id}/dismiss", data={"csrf_token": csrf_of(listed.text)}
        )
        assert "Dismissed" in flash(dismissed.text)


def test_reports_page_and_csv(staff: TestClient, programme: dict[str, Any]) -> None:
    page = staff.get("/ui/reports", params={"round": programme["round"]})
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2  # score histogram, training needs, group rates
    assert "operate automated process control" in page.text  # the missing skill: a training need
    csv = staff.get("/ui/reports.csv", params={"round": programme["round"]})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("section,basis,dimension,item,measure,value")
    assert "attachment" in csv.headers["content-disposition"]
    # Each chart's own CSV: its section of the report alone.
    needs = staff.get(
        "/ui/reports.csv", params={"round": programme["round"], "section": "training_needs"}
    )
    header, *rows = needs.text.splitlines()
    assert header == "section,basis,dimension,item,measure,value"
    assert rows and all(row.startswith("training_needs,") for row in rows)
    assert any(row.endswith(",operate automated process control") for row in rows)
    assert "section=training_needs&amp;round=" in page.text
    assert staff.get("/ui/reports.csv", params={"section": "nope"}).status_code == 422


def test_pages_speak_french(staff: TestClient, programme: dict[str, Any]) -> None:
    page = staff.get("/ui/dashboard", params={"lang": "fr"})
    assert '<html lang="fr">' in page.text and "Tableau de bord du programme" in page.text
    # Remembered in a cookie for the next pages.
    assert "Journal d'audit" in staff.get("/ui/audit").text.replace("&#39;", "'")
    english = staff.get("/ui/rounds", params={"lang": "en"})
    assert '<html lang="en">' in english.text


def test_a_round_still_running_says_so_and_refreshes(staff: TestClient, engine: Engine) -> None:
    with open_session(engine, mode="write") as session:
        found = Round(status="running", stage="shortlist", progress=0.4)
        session.add(found)
        session.commit()
        round_id = found.id
    page = staff.get(f"/ui/rounds/{round_id}")
    assert page.status_code == 200
    assert "This round is running" in page.text and 'http-equiv="refresh"' in page.text
    assert 'class="pair-link"' not in page.text


def test_errors_are_messages_not_tracebacks(
    staff: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = staff.get("/ui/rounds/999")
    assert missing.status_code == 404 and "round 999 not found" in missing.text
    bad = staff.get("/ui/audit", params={"before": "x"})
    assert bad.status_code == 422 and "Please check the form" in bad.text

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("Person 0 secret detail")

    monkeypatch.setattr(routes.views, "dashboard", broken)
    failed = staff.get("/ui/dashboard")
    assert failed.status_code == 500
    assert "unexpected error" in failed.text and "Traceback" not in failed.text
    assert "secret detail" not in failed.text


# --- parts ----------------------------------------------------------------------------------


def test_every_message_the_templates_use_is_in_both_languages() -> None:
    used = set()
    for template in [*TEMPLATES.glob("*.html"), Path(routes.__file__)]:
        used |= set(re.findall(r"""t\(\s*["']([a-z_]+\.[a-z_.]*)["']""", template.read_text()))
    assert len(used) > 50, "few messages found: the pattern is stale"
    # A key built in the template ("status." ~ r.status) must at least start some keys.
    missing = [k for k in used if k not in MESSAGES and not any(m.startswith(k) for m in MESSAGES)]
    assert sorted(missing) == []
    assert [k for k in used if k.endswith(("_", "."))], "no built key found: the pattern is stale"
    assert all(en and fr for en, fr in MESSAGES.values())
    assert Translator("fr")("round.title", id=3) == "Tour 3"


def test_language_choice() -> None:
    assert pick_language(query="fr", cookie="en", accept="en") == "fr"
    assert pick_language(query=None, cookie="fr", accept="en") == "fr"
    assert pick_language(query="xx", cookie=None, accept="de-DE,fr;q=0.8,en;q=0.5") == "fr"
    assert pick_language(query=None, cookie=None, accept="en;q=0.2, fr-CA;q=0.9") == "fr"
    assert pick_language(query=None, cookie=None, accept="de") == "en"
    assert pick_language(query=None, cookie=None, accept=None) == "en"


def test_charts_escape_labels_and_check_their_input() -> None:
    svg = charts.hbars([charts.Bar("<script>x</script>", 2.0)], title="t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    with pytest.raises(ValueError, match="expected 3 bin edges, got 2"):
        charts.histogram([0.0, 1.0], [1, 2], title="t")
    # Parts are drawn to scale against the maximum (a score of 0.5 fills half the bar).
    half = charts.stacked_bar([("a", 0.25), ("b", 0.25)], title="t", maximum=1.0)
    assert half.count('width="160.0"') == 2


def test_audit_records_are_paged_newest_first(staff: TestClient, engine: Engine) -> None:
    from api import audit

    with open_session(engine, mode="write") as session:
        for i in range(105):
            audit.append(
                session,
                actor_user_id=None,
                action="round.created",
                subject_type="round",
                subject_id=i + 1,
                payload={"n": i},
            )
        session.commit()
        newest = session.exec(select(AuditRecord.id).order_by(col(AuditRecord.id).desc())).first()
    first = staff.get("/ui/audit")
    ids = [int(x) for x in re.findall(r"<tr><td>(\d+)</td>", first.text)]
    assert ids[0] == newest and len(ids) == 100 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/ui/audit\?before=\d+[^"]*)"', first.text)
    assert older
    second = staff.get(older.group(1).replace("&amp;", "&"))
    assert len(re.findall(r"<tr><td>(\d+)</td>", second.text)) >= 5
