"""`mobility-match report`: a round's or the programme's quality and fairness report, offline.

The same figures as ``GET /api/v1/reports/...`` (``api.reports``), as JSON or CSV, printed or
written to ``--output``. Exits 2 naming the problem when the round is missing or not done.
DATABASE_URL selects the database.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="quality and fairness report of a round or of the programme",
        description="Funnel, fill rate, score distribution, essential-skill coverage, "
        "training needs, group rates with impact ratios (groups under 10 suppressed), price of "
        "fairness, blocking pairs and override rates. DATABASE_URL selects the database.",
    )
    parser.add_argument(
        "--round", type=int, metavar="ID", help="a finished round (default: the whole programme)"
    )
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--output", type=Path, metavar="PATH", help="write here (default: stdout)")
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from api.cli._database import migrated_engine
    from api.db import open_session
    from api.reports import programme_report, report_csv, round_report

    with migrated_engine() as engine, open_session(engine, mode="read") as session:
        if args.round is None:
            report = programme_report(session)
        else:
            report = round_report(session, args.round)
    text = report_csv(report) if args.format == "csv" else report.model_dump_json(indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8", newline="")
    return 0
