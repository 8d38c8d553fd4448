"""`mobility-match audit verify`: recompute the audit log's hash chain.

Exits 0 when every record links to its predecessor and matches its digest; else 1, naming the
first broken record and what is wrong with it. DATABASE_URL selects the database.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="check the audit log")
    commands = parser.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    verify = commands.add_parser(
        "verify",
        help="verify the audit log's hash chain",
        description="Recompute the hash chain of the audit log and name the first broken "
        "record. Exit status 0 when intact, 1 when broken. DATABASE_URL selects the database.",
    )
    verify.set_defaults(handler=_verify)


def _verify(_args: argparse.Namespace) -> int:
    from api.audit import verify
    from api.cli._database import migrated_engine
    from api.db import open_session

    with migrated_engine() as engine, open_session(engine, mode="read") as session:
        report = verify(session)
    if report.ok:
        print(f"audit log intact: {report.records} records")
        return 0
    print(
        f"audit log broken at record {report.first_broken}: {report.problem}",
        file=sys.stderr,
    )
    return 1
