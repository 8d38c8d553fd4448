"""The app's ESCO normaliser as a route dependency, and its replacement after a curation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.curation import current_normaliser
from api.esco_normaliser import EscoProfileNormaliser

__all__ = ["EscoDep", "get_esco", "set_esco"]


def get_esco(request: Request) -> EscoProfileNormaliser:
    """The normaliser, with synonyms other server processes confirmed (may query: sync)."""
    normaliser: EscoProfileNormaliser = current_normaliser(request.app.state)
    return normaliser


def set_esco(request: Request, normaliser: EscoProfileNormaliser) -> None:
    """Every later request normalises with ``normaliser`` (one attribute store: atomic)."""
    request.app.state.normaliser = normaliser


EscoDep = Annotated[EscoProfileNormaliser, Depends(get_esco)]
