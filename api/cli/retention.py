"""`mobility-match retention run [--dry-run] [--days N]`: erase the candidates whose retention
period is over.

A candidate is due when none of its placements is under way (every one closed, returned or
reintegrated — or it has none) and neither its profile nor its placements changed for the
retention period (``Settings.retention_days``, ``MOBILITY_MATCH_RETENTION_DAYS``; ``--days``
overrides it). Each candidate is erased exactly as ``DELETE /candidates/{id}?erase=true`` does
(``api.gdpr.erase_many``: audited ``candidate.erased``, notices for the employers who had
received the data), ``BATCH`` candidates per transaction; the run is audited
``retention.run``.
``--dry-run`` lists the candidates due and changes nothing. DATABASE_URL selects the database.
"""

from __future__ import annotations

import argparse

__all__ = ["register"]

#: Candidates erased per transaction (round results are read and rewritten once per batch).
BATCH = 100


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("retention", help="erase candidates past their retention")
    commands = parser.add_subparsers(dest="retention_command", metavar="COMMAND", required=True)
    run = commands.add_parser(
        "run",
        help="erase the closed candidates older than the retention period",
        description="Erase every candidate with no placement under way whose data did not "
        "change for the retention period. DATABASE_URL selects the database.",
    )
    run.add_argument("--dry-run", action="store_true", help="list who is due; change nothing")
    run.add_argument(
        "--days", type=_days, default=None, help="retention period in days (default: settings)"
    )
    run.set_defaults(handler=_run)


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of days, got {value!r}"
        ) from None
    if not 1 <= days <= 36_500:
        raise argparse.ArgumentTypeError(f"expected 1 to 36500 days, got {days}")
    return days


def _run(args: argparse.Namespace) -> int:
    from api import audit, gdpr
    from api.cli._database import migrated_engine
    from api.db import open_session
    from api.pseudonyms import load_server_secret
    from api.settings import get_settings

    settings = get_settings()
    days = args.days if args.days is not None else settings.retention_days
    with migrated_engine(settings) as engine:
        with open_session(engine, mode="read") as session:
            due = gdpr.retention_due(session, retention_days=days)
        if args.dry_run:
            print(f"{len(due)} candidate(s) due for erasure after {days} days (dry run)")
            for candidate_id in due:
                print(candidate_id)
            return 0
        secret = load_server_secret(settings)
        erased: list[int] = []
        for start in range(0, len(due), BATCH):
            with open_session(engine, mode="write") as session:
                # Checked again inside the write transaction: it may have changed meanwhile.
                batch = gdpr.retention_due(
                    session, retention_days=days, among=due[start : start + BATCH]
                )
                gdpr.erase_many(
                    session, batch, secret=secret, trigger="retention", actor_user_id=None
                )
                session.commit()
            erased += batch
        with open_session(engine, mode="write") as session:
            audit.append(
                session,
                actor_user_id=None,
                action="retention.run",
                subject_type="programme",
                subject_id="retention",
                payload={"retention_days": days, "due": len(due), "erased": len(erased)},
            )
            session.commit()
    print(f"erased {len(erased)} candidate(s) after {days} days")
    return 0
