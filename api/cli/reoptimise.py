"""`mobility-match reoptimise`: update a round's result for drop-outs, new places and decisions.

    mobility-match reoptimise --round FILE --edges FILE --openings FILE --changes FILE
                              --out FILE [--candidates FILE] [--taxonomy BUNDLE]
                              [--edges-out FILE]

What it reads, and why each file is needed (the round's result JSON alone does not hold the
solver graph nor the capacities):

* ``--round``: the result JSON of ``mobility-match round`` (or of a previous ``reoptimise``):
  its ``assignments``, ``unassigned`` candidates and ``manifest.policy`` (locks, forbidden
  pairs, shortlist and weights); a ``manifest.capacity`` object, written by ``reoptimise``,
  overrides the capacities of the openings file so that re-optimisations chain;
* ``--edges``: the edges CSV of the same round (``round --edges FILE``, or ``--edges-out`` of
  a previous ``reoptimise``): every pair the solver considered, with its score;
* ``--openings``: the openings file of the round (capacities, and which openings are jobs);
* ``--changes``: a JSON object, see ``matching.changes``::

    {"dropouts": ["c3"], "capacity": {"v2": 4}, "new_openings": [{"id": "v9", ...}],
     "locks": [["c1", "v1"]], "forbidden": [["c2", "v1"]], "accepted": [["c5", "v9"]]}

* ``--candidates`` (and ``--taxonomy``): only when new openings must be scored or a lock /
  accepted pair is not among the edges; the error says so when they are missing.

The output JSON has ``assignments`` (candidate, opening, score, locked, previous),
``moves`` (candidate, before, after, scores, reason), ``unassigned`` (``{"candidate": id}``),
``reserves`` (per job opening, ``matching.reserves``), ``summary`` and a ``manifest`` (the
previous output hash, the changes, the policy and capacities now in force, the objective and
the output hash). Unknown ids in the changes exit with status 2, name the change entry
(``changes: field 'dropouts[0]': unknown candidate id 'c99'``) and write nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import polars as pl

from matching._canonical import digest, dumps, jsonable
from matching.changes import changes_from_dict
from matching.errors import InvalidRecordError
from matching.io import _atomic_write, policy_from_dict, read_candidates, read_openings
from matching.reoptimise import PreviousRound, Reoptimisation, reoptimise, score_extra_edges
from matching.reserves import DEFAULT_RESERVES, reserve_lists
from skills_taxonomy.taxonomy import Taxonomy

_EDGE_SCHEMA = {"candidate": pl.String, "opening": pl.String, "score": pl.Float64}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reoptimise",
        help="re-solve a round after drop-outs, new places, locks and acceptances",
        description="Keep locked and accepted placements, reach the maximum total score and "
        "move as few people as that allows; report who moved and why.",
    )
    parser.add_argument("--round", required=True, metavar="FILE", help="previous result JSON")
    parser.add_argument("--edges", required=True, metavar="FILE", help="its edges CSV")
    parser.add_argument("--openings", required=True, metavar="FILE", help="its openings file")
    parser.add_argument("--changes", required=True, metavar="FILE", help="changes JSON")
    parser.add_argument("--out", required=True, metavar="FILE", help="result JSON to write")
    parser.add_argument("--candidates", metavar="FILE", help="to score new openings or locks")
    parser.add_argument("--taxonomy", metavar="BUNDLE", help="taxonomy bundle (with --candidates)")
    parser.add_argument("--edges-out", metavar="FILE", help="write the new graph's edges (CSV)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    raw = _json_object(args.round, "round")
    manifest = raw.get("manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("policy"), dict):
        raise InvalidRecordError("round", "manifest.policy", "missing: not a round result JSON")
    policy = policy_from_dict(manifest["policy"])
    openings = read_openings(args.openings)
    capacity = {o.id: o.capacity for o in openings}
    jobs = {o.id for o in openings if o.kind == "job"}
    if isinstance(manifest.get("capacity"), dict):
        capacity = {str(k): int(v) for k, v in manifest["capacity"].items()}
        jobs |= {str(o) for o in manifest.get("jobs", [])}
    changes = changes_from_dict(_json_object(args.changes, "changes"))
    try:
        edges = pl.read_csv(Path(args.edges), schema=_EDGE_SCHEMA)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InvalidRecordError("edges", "(file)", f"cannot read {args.edges!r}: {exc}") from None
    assignments = tuple(
        (str(a["candidate"]), str(a["opening"]), float(a["score"]))
        for a in _entries(raw, "assignments")
    )
    unassigned = [str(u["candidate"]) for u in _entries(raw, "unassigned")]
    previous = PreviousRound(
        edges=edges,
        assignments=assignments,
        candidates=tuple(
            {*edges["candidate"].unique().to_list(), *unassigned, *(a[0] for a in assignments)}
        ),
        capacity=capacity,
        locks=policy.locks,
        forbidden=policy.forbidden,
    )
    extra = None
    decided = (*changes.locks, *changes.accepted)
    if changes.new_openings or decided:
        extra = _extra_edges(args, changes.new_openings, decided, openings, policy, edges)
    result = reoptimise(previous, changes, extra=extra)
    jobs |= {o.id for o in changes.new_openings if o.kind == "job"}
    out = _result_json(result, raw, changes_raw=jsonable(changes), policy=policy, jobs=jobs)
    if args.edges_out:
        frame = result.edges
        _atomic_write(args.edges_out, lambda f: f.write(frame.write_csv()))
    _atomic_write(args.out, lambda f: f.write(dumps(out) + "\n"))
    print(
        f"kept {result.kept}, moved {len(result.moves)}, placed {len(result.placements)}, "
        f"objective {result.objective:.6f}",
        file=sys.stderr,
    )
    return 0


def _extra_edges(
    args: argparse.Namespace,
    new_openings: Any,
    decided: tuple[tuple[str, str], ...],
    openings: Any,
    policy: Any,
    edges: pl.DataFrame,
) -> pl.DataFrame | None:
    """Score new openings and decided pairs outside the edges, when the records are given."""
    have = set(zip(edges["candidate"].to_list(), edges["opening"].to_list(), strict=True))
    unscored = [p for p in decided if p not in have]
    if not new_openings and not unscored:
        return None
    if not args.candidates:
        return None  # reoptimise names the first pair that cannot be placed
    by_id = {o.id: o for o in (*openings, *new_openings)}
    subset = {o.id: o for o in new_openings}
    for _, o in unscored:
        subset[o] = by_id[o]
    taxonomy = Taxonomy.load(args.taxonomy) if args.taxonomy else Taxonomy.load_bundled()
    return score_extra_edges(
        read_candidates(args.candidates),
        list(subset.values()),
        pairs=[p for p in unscored if p[1] in subset],
        policy=policy,
        taxonomy=taxonomy,
    )


def _result_json(
    result: Reoptimisation,
    previous: dict[str, Any],
    *,
    changes_raw: Any,
    policy: Any,
    jobs: set[str],
) -> dict[str, object]:
    placements = [(p.candidate, p.opening, p.score) for p in result.placements]
    reserves = reserve_lists(
        result.edges, placements, jobs=jobs & set(result.capacity), size=DEFAULT_RESERVES
    )
    by_reason: dict[str, int] = {}
    for m in result.moves:
        by_reason[m.reason] = by_reason.get(m.reason, 0) + 1
    body: dict[str, object] = {
        "assignments": jsonable(result.placements),
        "moves": jsonable(result.moves),
        "unassigned": [{"candidate": c} for c in result.unassigned],
        "reserves": jsonable(reserves),
        "summary": {
            "placed": len(result.placements),
            "kept": result.kept,
            "moved": len(result.moves),
            "moves_by_reason": by_reason,
            "objective": result.objective,
        },
    }
    previous_manifest = previous.get("manifest", {})
    policy_json = jsonable(policy)
    policy_json["locks"] = [list(p) for p in result.locks]
    policy_json["forbidden"] = [list(p) for p in result.forbidden]
    body["manifest"] = {
        "based_on": previous_manifest.get("output_hash"),
        "changes": changes_raw,
        "policy": policy_json,
        "capacity": dict(result.capacity),
        "jobs": sorted(jobs),
        "solver": "optimal (lexicographic: total score, then previous placements kept)",
        "score_bits": result.score_bits,
        "objective": result.objective,
        "edges": result.edges.height,
        "output_hash": digest(body),
    }
    return body


def _json_object(path: str, what: str) -> dict[str, Any]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRecordError(what, "(file)", f"cannot read {path!r}: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidRecordError(what, "(file)", "expected a JSON object")
    return raw


def _entries(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and "candidate" in v for v in value
    ):
        raise InvalidRecordError("round", key, "expected a list of objects with a candidate")
    return value
