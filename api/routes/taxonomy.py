"""``/taxonomy``: search ESCO and normalise free text, for any authenticated user.

* ``GET /taxonomy/search?q=&kind=&lang=&limit=`` — the best ESCO concepts for one text.
* ``POST /taxonomy/normalize`` — up to 1,000 texts (each ≤ 1,000 characters) at once, in order.

Both use the app's normaliser, so the programme's confirmed synonyms apply (``method`` is then
``"synonym"``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import StringConstraints, field_validator
from sqlmodel import Field, SQLModel

from api.auth import Principal
from api.deps import Allow
from api.errors import ERROR_RESPONSES
from api.models._types import ApiModel
from api.routes._esco import EscoDep
from skills_taxonomy.language_names import LANGUAGE_CODE_PATTERN
from skills_taxonomy.normalizer import Kind, NormalizedText

__all__ = ["MAX_TEXTS", "MAX_TEXT_CHARS", "router"]

router = APIRouter(prefix="/taxonomy", tags=["taxonomy"], responses=ERROR_RESPONSES)

Anyone = Annotated[Principal, Depends(Allow("agency", "employer", "staff", "admin"))]

MAX_TEXTS = 1_000
MAX_TEXT_CHARS = 1_000
MAX_TOP_K = 20
Lang = Annotated[str, StringConstraints(pattern=LANGUAGE_CODE_PATTERN, max_length=3)]


class ConceptMatch(SQLModel):
    uri: str = Field(max_length=255)
    label: str = Field(max_length=1000)
    score: float = Field(ge=0.0, le=1.0)
    method: str = Field(max_length=32)


class NormalizedTextPublic(SQLModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)
    lang: str | None = Field(default=None, max_length=8)
    resolved: bool
    matches: list[ConceptMatch] = Field(max_length=MAX_TOP_K)


class NormalizeRequest(ApiModel):
    texts: list[Annotated[str, Field(max_length=MAX_TEXT_CHARS)]] = Field(
        min_length=1, max_length=MAX_TEXTS
    )
    kind: Kind
    #: ISO 639-1 language of every text; detected per text when omitted.
    lang: Lang | None = None
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)

    @field_validator("texts", mode="after")
    @classmethod
    def _no_nul_in_texts(cls, texts: list[str]) -> list[str]:
        if any("\x00" in t for t in texts):
            raise ValueError("must not contain NUL (\\u0000) characters")
        return texts


class NormalizeResponse(SQLModel):
    results: list[NormalizedTextPublic] = Field(max_length=MAX_TEXTS)


def _public(result: NormalizedText) -> NormalizedTextPublic:
    return NormalizedTextPublic(
        text=result.text,
        lang=result.lang,
        resolved=result.resolved,
        matches=[
            ConceptMatch(uri=m.uri, label=m.label, score=m.score, method=m.method)
            for m in result.matches
        ],
    )


@router.get("/search")
def search_taxonomy(
    _principal: Anyone,
    normaliser: EscoDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_TEXT_CHARS, description="Free text")],
    kind: Annotated[Kind, Query(description="Concept kind")] = "skill",
    lang: Annotated[
        str | None,
        Query(
            pattern=LANGUAGE_CODE_PATTERN,
            max_length=3,
            description="Language (detected if omitted)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TOP_K)] = 10,
) -> NormalizedTextPublic:
    [result] = normaliser.normalizer.normalize(
        [q.replace("\x00", " ")], kind=kind, lang=lang, top_k=limit
    )
    return _public(result)


@router.post("/normalize")
def normalize_texts(
    body: NormalizeRequest, _principal: Anyone, normaliser: EscoDep
) -> NormalizeResponse:
    results = normaliser.normalizer.normalize(
        body.texts, kind=body.kind, lang=body.lang, top_k=body.top_k
    )
    return NormalizeResponse(results=[_public(r) for r in results])
