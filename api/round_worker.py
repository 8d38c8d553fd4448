"""What a round worker process runs: ``serve(connection)``, the child's main loop.

The process loads the bundled ESCO taxonomy once, then answers jobs sent over its end of a
``multiprocessing`` pipe, one at a time:

* in: ``RoundJob`` (records and the policy JSON);
* out: ``("stage", name)`` after each stage of ``matching.round.STAGES``, then
  ``("done", result)`` — the result as plain JSON (``assignments``, ``unassigned``,
  ``metrics``, ``manifest``, ``reserves``) — or ``("error", message)`` when the core
  refused the inputs.

It touches no database: the parent stores what it gets (``api.round_runner``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from matching import Candidate, MatchingError, Opening, RoundResult, run_round
from matching.io import policy_from_dict
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["RoundJob", "result_json", "run_job", "serve"]


@dataclass(frozen=True, slots=True)
class RoundJob:
    round_id: int
    candidates: Sequence[Candidate]
    openings: Sequence[Opening]
    policy: dict[str, Any]


def serve(connection: Connection) -> None:
    """Run jobs from ``connection`` until it closes (the parent went away or closed it)."""
    taxonomy = Taxonomy.load_bundled()
    while True:
        try:
            job: RoundJob = connection.recv()
        except (EOFError, OSError):
            return
        except Exception as exc:  # a job this process cannot read (code out of step)
            connection.send(("error", f"the worker could not read the round: {exc!r:.500}"))
            continue
        try:
            answer = run_job(job, taxonomy=taxonomy, report=connection.send)
        except Exception as exc:  # a bug in the core: the round fails, the worker lives
            answer = ("error", f"internal error in the round: {exc!r:.500}")
        connection.send(answer)


def run_job(job: RoundJob, *, taxonomy: Taxonomy, report: Any = None) -> tuple[str, object]:
    """``("done", result JSON)`` or ``("error", message)``; ``report(("stage", name))``."""

    def observer(stage: str) -> None:
        if report is not None:
            report(("stage", stage))

    try:
        result = run_round(
            job.candidates,
            job.openings,
            policy_from_dict(job.policy),
            taxonomy=taxonomy,
            observer=observer,
        )
    except MatchingError as exc:
        return ("error", str(exc))
    return ("done", result_json(result))


def result_json(result: RoundResult) -> dict[str, Any]:
    """The result (without its edges frame) as plain JSON types."""
    parts = {
        "assignments": result.assignments,
        "unassigned": result.unassigned,
        "metrics": result.metrics,
        "manifest": result.manifest,
        "reserves": result.reserves,
    }
    value: dict[str, Any] = json.loads(json.dumps(_plain(parts), allow_nan=False))
    return value


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [_plain(v) for v in items]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "items"):  # other mappings (MappingProxyType)
        return {str(k): _plain(v) for k, v in value.items()}
    return value
