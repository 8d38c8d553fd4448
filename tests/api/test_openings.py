"""Openings CRUD and listing, on every configured database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.factories import World, auth, opening_body

URL = "/api/v1/openings"


def test_create_read_update_delete(client: TestClient, world: World) -> None:
    created = client.post(URL, json=opening_body(), headers=auth(world.employer_e))
    assert created.status_code == 201, created.text
    opening = created.json()
    assert (opening["title"], opening["capacity"], opening["kind"]) == ("TIG welder", 3, "job")
    url = f"{URL}/{opening['id']}"

    assert client.get(url, headers=auth(world.employer_e)).json() == opening
    assert client.get(url, headers=auth(world.staff)).json() == opening

    changed = client.patch(url, json={"capacity": 0}, headers=auth(world.employer_e))
    assert changed.status_code == 200
    assert changed.json()["capacity"] == 0  # a paused opening

    assert client.delete(url, headers=auth(world.employer_e)).status_code == 204
    assert client.get(url, headers=auth(world.employer_e)).status_code == 404


def test_list_filters_by_kind_and_tenant(client: TestClient, world: World) -> None:
    client.post(URL, json=opening_body(), headers=auth(world.employer_e))
    client.post(
        URL,
        json=opening_body(kind="training", title="German B1 course"),
        headers=auth(world.employer_e),
    )
    client.post(URL, json=opening_body(title="Other employer's"), headers=auth(world.employer_f))

    def titles(token: str, **params: str) -> list[str]:
        page = client.get(URL, params=params, headers=auth(token)).json()
        return [item["title"] for item in page["items"]]

    assert titles(world.employer_e) == ["TIG welder", "German B1 course"]
    assert titles(world.employer_e, kind="training") == ["German B1 course"]
    assert len(titles(world.staff)) == 3


def test_capacity_is_bounded(client: TestClient, world: World) -> None:
    for capacity in (-1, 10_001):
        response = client.post(
            URL, json=opening_body(capacity=capacity), headers=auth(world.employer_e)
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "capacity"]


def test_created_answer_is_what_is_stored(client: TestClient, world: World) -> None:
    """The POST answer's concepts are built from what was inserted, not read back."""
    created = client.post(URL, json=opening_body(), headers=auth(world.employer_e)).json()
    assert {c["field"] for c in created["concepts"]} == {
        "occupation",
        "essential_skills",
        "optional_skills",
        "languages",
    }
    read = client.get(f"{URL}/{created['id']}", headers=auth(world.employer_e)).json()
    assert read == created


def test_a_missing_or_foreign_opening_is_a_404_before_an_invalid_body(
    client: TestClient, world: World
) -> None:
    own = client.post(URL, json=opening_body(), headers=auth(world.employer_e)).json()["id"]
    foreign = client.post(URL, json=opening_body(), headers=auth(world.employer_f)).json()["id"]
    for body, expected in (({"capacity": "lots"}, 422), ({"capacity": 3}, 200)):
        for opening_id, status in ((own, expected), (foreign, 404), (999_999, 404)):
            answer = client.patch(f"{URL}/{opening_id}", json=body, headers=auth(world.employer_e))
            assert answer.status_code == status, (body, opening_id, answer.text)
