"""Errors raised by the normalisation layer. Callers map them to exit codes / HTTP in one place."""

from __future__ import annotations

__all__ = ["InvalidTextError", "TaxonomyError", "TaxonomyFormatError", "UnknownConceptError"]


class TaxonomyError(Exception):
    """Root of every error this package raises on purpose."""


class TaxonomyFormatError(TaxonomyError):
    """An ESCO export or a bundle could not be read: names the file and what was wrong."""


class UnknownConceptError(TaxonomyError, KeyError):
    """A concept URI that the taxonomy does not hold."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.uri = uri

    def __str__(self) -> str:
        return f"unknown ESCO concept URI: {self.uri!r}"


class InvalidTextError(TaxonomyError, ValueError):
    """Input text that cannot be processed (e.g. invalid UTF-8); names where it was."""
