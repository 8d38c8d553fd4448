"""The staff pages in a real browser: Playwright drives Debian's Chromium (headless) against a
live server (uvicorn, a free port) holding a small demo programme with a finished round.

One walk through the review: sign in, open the round, read an explanation, override a pair with
a reason (the browser refuses it without one), see the override in the audit view, confirm a
curation item, publish — then an employer's token (API) sees only its own published rows,
pseudonymised. A screenshot of each page at 1280×800 goes to ``docs/screenshots/``.

Chromium comes from apt (``make test`` installs it when missing); without it the test
skips, except in CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from pydantic import SecretStr
from sqlmodel import col, select

from api.app import create_app
from api.db import create_db_engine, open_session
from api.demo import queue_and_wait
from api.demo_data import DemoTokens, seed_demo
from api.esco_normaliser import EscoProfileNormaliser
from api.migrations import upgrade
from api.models.organisations import Organisation
from api.models.placements import Placement
from api.round_runner import RoundRunner
from api.settings import Settings
from skills_taxonomy.normalizer import Normalizer

CHROMIUM = "/usr/bin/chromium"
#: The committed screenshots are rewritten only when asked (``UPDATE_SCREENSHOTS=1``): a test
#: run must not leave the working tree changed. Otherwise they go to a temporary folder.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}

#: In CI (``.ci/run`` sets ``CI``) a missing browser is a failure, never a skip.
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and not os.environ.get("CI"),
    reason=f"{CHROMIUM} missing (make test installs it via apt)",
)


@dataclass(frozen=True)
class Live:
    base: str
    tokens: DemoTokens
    round_id: int
    database_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, normalizer: Normalizer) -> Iterator[Live]:
    """A seeded demo-like programme (60 candidates), one finished round, a server on it."""
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    engine = create_db_engine(url)
    runner = RoundRunner(engine)
    try:
        upgrade(engine)
        tokens = seed_demo(
            engine,
            normaliser=EscoProfileNormaliser(normalizer),
            taxonomy=normalizer.taxonomy,
            seed=1,
            candidates=60,
            employers=8,
            vacancies=12,
            trainings=2,
        )
        done = queue_and_wait(runner, engine, seed=1)
        assert done.status == "done", done.error
        assert done.id is not None
    finally:
        runner.close()
        engine.dispose()
    settings = Settings(
        database_url=url,
        secret_key=SecretStr("browser-test"),
        secret_file=folder / "unused.secret",
    )
    app = create_app(settings, normalizer=normalizer)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", tokens, done.id, url)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def page(live: Live) -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def shoot(page: Any, name: str) -> None:
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else _scratch()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
    assert (folder / f"{name}.png").stat().st_size > 0


@functools.cache
def _scratch() -> Path:
    folder = tempfile.mkdtemp(prefix="screenshots-")
    atexit.register(shutil.rmtree, folder, True)
    return Path(folder)


def flash(page: Any) -> str:
    text: str = page.locator("p.flash").first.inner_text()
    return text


def employer_rows(live: Live) -> dict[str, tuple[int, set[tuple[int, int]]]]:
    """Per employer name: its organisation id and its published (candidate, opening) pairs."""
    engine = create_db_engine(live.database_url)
    try:
        with open_session(engine, mode="read") as session:
            names = dict(session.exec(select(Organisation.name, Organisation.id)).all())
            published: dict[int, set[tuple[int, int]]] = {}
            for p in session.exec(
                select(Placement).where(col(Placement.round_id) == live.round_id)
            ).all():
                assert p.candidate_id is not None
                published.setdefault(p.employer_id, set()).add((p.candidate_id, p.opening_id))
    finally:
        engine.dispose()
    return {
        name: (names[name], published.get(names[name], set())) for name in live.tokens.employers
    }


def accept_the_rest(live: Live) -> int:
    """Accept, through the API, every pair still undecided (the browser decided the others)."""
    headers = {"Authorization": f"Bearer {live.tokens.staff}"}
    url = f"{live.base}/api/v1/rounds/{live.round_id}/decisions"
    state = httpx.get(url, headers=headers, timeout=30).json()
    accepted = 0
    for pair in state["pairs"]:
        if pair["state"] != "undecided":
            continue
        body = {
            "candidate_id": pair["candidate_id"],
            "opening_id": pair["opening_id"],
            "action": "accept",
            "reason_code": "good_match",
            "reason": "Reviewed in the browser test",
        }
        response = httpx.post(url, json=body, headers=headers, timeout=30)
        assert response.status_code == 201, response.text
        accepted += 1
    return accepted


def test_staff_review_a_round_in_the_browser(page: Any, live: Live) -> None:
    base = live.base

    # Sign in (the sign-in page first: a page that needs a session sends us there).
    page.goto(f"{base}/ui/rounds/{live.round_id}")
    assert "/ui/signin" in page.url
    shoot(page, "signin")
    page.fill("#token", live.tokens.employers[next(iter(live.tokens.employers))])
    page.click("form button[type=submit]")
    assert "not a programme staff token" in flash(page)
    page.fill("#token", live.tokens.staff)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/ui/rounds/{live.round_id}$"))

    # The round: a table of assignments; one click opens a pair's explanation in the panel.
    rows = page.locator("#assignments tbody tr")
    assert rows.count() > 3
    page.fill(".filter-text", "zzz-no-such-employer")
    assert page.locator("#assignments tbody tr:visible").count() == 0
    page.fill(".filter-text", "")
    page.locator("#assignments th", has_text="Score").click()  # ascending
    scores = [float(s) for s in page.locator("#assignments tbody td.num").all_inner_texts()]
    assert scores == sorted(scores)
    first = page.locator("a.pair-link").first
    first.click()
    panel = page.locator("#panel .pair")
    panel.wait_for()
    assert "score breakdown" in panel.inner_text().lower()
    assert panel.locator("svg.chart").count() == 1
    explained = panel.locator("ul.skills li").all_inner_texts()
    assert explained, "the explanation lists no skill"
    assert "eligibility rules" in panel.inner_text().lower()
    shoot(page, "round")

    # Override the pair with an unassigned candidate: refused without a reason (the browser
    # keeps the form), recorded with one.
    pair = panel.get_attribute("data-pair")
    assert pair is not None
    opening_id, candidate_id = (int(x) for x in pair.split("-"))
    page.locator("details summary").click()  # the unassigned candidates, folded at first
    unassigned = page.locator("details table tbody tr td:first-child").all_inner_texts()
    newcomer = int(unassigned[0])
    panel.locator("#new_candidate_id").fill(str(newcomer))
    panel.locator("button[value=override]").click()
    assert panel.locator("#reason:invalid").count() == 1  # required: nothing was sent
    panel.locator("#reason_code").select_option("better_candidate")
    panel.locator("#reason").fill("Speaks the language the site needs")
    panel.locator("button[value=override]").click()
    page.wait_for_url(re.compile(rf".*pair={opening_id}-{newcomer}.*"))
    assert "Decision recorded: overridden." in flash(page)
    assert "Speaks the language the site needs" in page.locator("#panel").inner_text()
    replaced = page.locator(
        "#assignments tbody tr", has=page.locator(f"a[href*='-{candidate_id}#']")
    )
    assert "overridden" in replaced.first.inner_text()

    # The audit view shows the override (its code, never the free text).
    page.click("header nav >> text=Audit log")
    override = page.locator("#audit tbody tr", has_text="decision.override").first
    assert f"candidate_id={candidate_id}" in override.inner_text()
    assert f"new_candidate_id={newcomer}" in override.inner_text()
    assert "Speaks the language" not in page.content()
    shoot(page, "audit")

    # Curation: confirm the first guess of the first open item.
    page.click("header nav >> text=Curation")
    items = page.locator("section.curation-item")
    assert items.count() > 0, "the demo programme left no text unresolved"
    shoot(page, "curation")
    text = items.first.locator("h2").inner_text()
    items.first.locator("ul.guesses button", has_text="Confirm").first.click()
    assert "Confirmed" in flash(page)
    page.goto(f"{base}/ui/curation?status=confirmed")
    assert text.split("”")[0].strip("“") in page.locator("table").inner_text()

    # Publish: every pair decided first (the rest through the API), then the form.
    assert accept_the_rest(live) > 0
    page.goto(f"{base}/ui/rounds/{live.round_id}")
    page.fill("#sign_off_reason", "Pilot round reviewed pair by pair")
    page.click("section.publish button[type=submit]")
    assert re.search(r"Published: \d+ pairs", flash(page))
    assert page.locator("section.publish form").count() == 0

    # The dashboard now draws the funnel; the reports chart the round.
    page.click("header nav >> text=Dashboard")
    assert page.locator("svg.chart").count() >= 2
    shoot(page, "dashboard")
    page.goto(f"{base}/ui/reports?round={live.round_id}")
    assert page.locator("svg.chart").count() >= 3
    shoot(page, "reports")
    page.goto(f"{base}/ui/dashboard?lang=fr")
    assert "Tableau de bord du programme" in page.locator("h1").inner_text()
    shoot(page, "dashboard-fr")

    # Each employer's token sees exactly its published pairs, pseudonymised.
    rows_by_employer = employer_rows(live)
    assert sum(len(pairs) for _id, pairs in rows_by_employer.values()) > 0
    with_rows = 0
    for name, token in live.tokens.employers.items():
        _org, published = rows_by_employer[name]
        response = httpx.get(
            f"{base}/api/v1/rounds/{live.round_id}/my-assignments",
            params={"limit": 200},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        items_seen = response.json()["items"]
        assert {item["opening_id"] for item in items_seen} <= {o for _c, o in published}
        assert len(items_seen) == len(published)
        for item in items_seen:
            assert re.fullmatch(r"C-[A-Z2-7]{20}", item["candidate"]["pseudonym"])
            assert not {"full_name", "email", "phone", "birth_date"} & item["candidate"].keys()
        with_rows += bool(items_seen)
    assert with_rows > 0
    # The overridden-out candidate was not published; the newcomer was.
    assert all((candidate_id, opening_id) not in p for _o, p in rows_by_employer.values())
    assert any((newcomer, opening_id) in p for _o, p in rows_by_employer.values())
