"""The app's ESCO normaliser as a route dependency, and its replacement after a curation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.esco_normaliser import EscoProfileNormaliser

__all__ = ["EscoDep", "get_esco", "set_esco"]


async def get_esco(request: Request) -> EscoProfileNormaliser:
    normaliser: EscoProfileNormaliser = request.app.state.normaliser
    return normaliser


def set_esco(request: Request, normaliser: EscoProfileNormaliser) -> None:
    """Every later request normalises with ``normaliser`` (one attribute store: atomic)."""
    request.app.state.normaliser = normaliser


EscoDep = Annotated[EscoProfileNormaliser, Depends(get_esco)]
