"""Errors raised by the matching core. Callers map them to exit codes / HTTP in one place."""

from __future__ import annotations

__all__ = ["InfeasibleError", "InvalidRecordError", "MatchingError"]


class MatchingError(Exception):
    """Root of every error this package raises on purpose."""


class InvalidRecordError(MatchingError, ValueError):
    """A candidate, opening or policy that is not valid: names the record and the field."""

    def __init__(self, record: str, field: str, problem: str) -> None:
        super().__init__(f"{record}: field {field!r}: {problem}")
        self.record = record
        self.field = field
        self.problem = problem


class InfeasibleError(MatchingError):
    """The constraints (locks, capacities, quotas) cannot all hold; says which ones."""
