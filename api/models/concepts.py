"""What the normaliser made of one free-text item of a profile: an ESCO concept (or none, when
unresolved), with confidence and method. Candidates and openings each keep their own rows."""

from __future__ import annotations

from sqlmodel import Field

from api.models._types import ApiModel

__all__ = ["NormalisedConceptBase", "NormalisedConceptPublic"]


class NormalisedConceptBase(ApiModel):
    #: The item as the agency or employer wrote it ("soudure TIG").
    source_text: str = Field(max_length=500)
    #: ESCO concept URI, or None while unresolved (then it waits in the curation queue).
    concept_uri: str | None = Field(default=None, max_length=255, index=True)
    confidence: float = Field(ge=0.0, le=1.0)
    #: How the concept was found, e.g. "exact", "fuzzy", "synonym", "curated".
    method: str = Field(max_length=32)
    #: A level parsed from the text when the field has one: CEFR ("B1") or EQF ("5").
    level: str | None = Field(default=None, max_length=16)


class NormalisedConceptPublic(NormalisedConceptBase):
    field: str = Field(max_length=32)
