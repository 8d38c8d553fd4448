"""The OpenAPI document bounds every input and output: strings, lists, integers, page sizes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings


@pytest.fixture
def app() -> FastAPI:
    """The document needs no database: the app is built, never started."""
    return create_app(Settings(database_url="sqlite://", secret_key=SecretStr("s")))


def _schemas(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (sub)schema in the document, with a readable location."""
    if isinstance(node, dict):
        if "type" in node or "anyOf" in node or "$ref" in node:
            yield where, node
        for key, value in node.items():
            yield from _schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schemas(value, f"{where}/{i}")


def test_every_string_list_and_integer_is_bounded(app: FastAPI) -> None:
    document = app.openapi()
    unbounded = []
    for where, schema in _schemas(document, ""):
        kind = schema.get("type")
        if kind == "string" and not (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in ("date", "date-time")
        ):
            unbounded.append(f"{where}: string without maxLength")
        if kind == "array" and "maxItems" not in schema:
            unbounded.append(f"{where}: array without maxItems")
        if kind == "integer" and "/parameters/" in where and "maximum" not in schema:
            unbounded.append(f"{where}: integer parameter without maximum")
    assert unbounded == []


def test_page_size_is_limited(app: FastAPI) -> None:
    document = app.openapi()
    for path in ("/api/v1/candidates", "/api/v1/openings"):
        parameters = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}
        assert parameters["limit"]["maximum"] == 200
        assert parameters["limit"]["minimum"] == 1
