"""`mobility-match round`: run one matching round on files.

    mobility-match round --candidates FILE --openings FILE [--policy FILE] --out FILE
                         [--edges FILE] [--taxonomy BUNDLE]

Inputs are JSON Lines, CSV or XLSX (see ``matching.io`` for the fields and columns); the policy
is a JSON object. The result JSON (``assignments``, ``unassigned``, ``metrics``, ``manifest``)
and the optional edges CSV (``candidate,opening,score``) are written atomically, and only when
the round succeeds: invalid input exits with status 2, names the record and field, and leaves
no output file. With quotas in the policy a second line reports the price of fairness and any
quota relaxed because it was unreachable (``docs/round.md``).
"""

from __future__ import annotations

import argparse
import gc
import sys

from matching.io import read_candidates, read_openings, read_policy, write_edges, write_result
from matching.records import Policy
from matching.round import run_round
from skills_taxonomy.taxonomy import Taxonomy


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "round",
        help="run a matching round on candidate and opening files",
        description="Match candidates to openings (exact, capacity-constrained) and explain it.",
    )
    parser.add_argument("--candidates", required=True, metavar="FILE", help=".jsonl, .csv or .xlsx")
    parser.add_argument("--openings", required=True, metavar="FILE", help=".jsonl, .csv or .xlsx")
    parser.add_argument("--policy", metavar="FILE", help="policy JSON (default: all defaults)")
    parser.add_argument("--out", required=True, metavar="FILE", help="result JSON to write")
    parser.add_argument(
        "--edges", metavar="FILE", help="also write every pair the solver considered (CSV)"
    )
    parser.add_argument(
        "--taxonomy", metavar="BUNDLE", help="taxonomy bundle (default: the bundled ESCO copy)"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    taxonomy = Taxonomy.load(args.taxonomy) if args.taxonomy else Taxonomy.load_bundled()
    candidates = read_candidates(args.candidates)
    openings = read_openings(args.openings)
    policy = read_policy(args.policy) if args.policy else Policy()
    # The taxonomy and the inputs live until the command exits: out of the cycle collector's
    # sight, its full passes no longer re-walk their millions of objects (~1.3 s at 100k).
    gc.freeze()
    result = run_round(candidates, openings, policy, taxonomy=taxonomy)
    if args.edges:
        write_edges(result, args.edges)
    write_result(result, args.out)
    m = result.metrics
    print(
        f"placed {m.candidates_placed}/{m.candidates} candidates, "
        f"filled {m.places_filled}/{m.places_total} places, "
        f"objective {result.manifest.objective:.6f} ({result.manifest.solver})",
        file=sys.stderr,
    )
    quotas = result.manifest.quotas
    if quotas is not None:
        relaxed = [o for o in quotas.outcomes if o.shortfalls]
        print(
            f"quotas {quotas.status}: total {quotas.total:.6f} against "
            f"{quotas.unconstrained_total:.6f} without them, "
            f"price of fairness {quotas.price_of_fairness:.6f}"
            + "".join(
                f"; relaxed {o.quota} to "
                + ("nothing (dropped)" if o.applied is None else f"{o.applied}")
                for o in relaxed
            ),
            file=sys.stderr,
        )
    return 0
