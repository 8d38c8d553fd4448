"""`mobility-match users create`: a user of an organisation (created if new) and its API token.

The token is printed alone on the last line, once; only its hash is stored.
"""

from __future__ import annotations

import argparse
import sys
from typing import get_args

from pydantic import ValidationError

from api.models.organisations import ORGANISATION_KINDS, OrganisationBase
from api.models.users import Role

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("users", help="manage users and API tokens")
    commands = parser.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    create = commands.add_parser(
        "create",
        help="create a user and print its API token",
        description="Create a user of an organisation (created when new) and print a new API "
        "token, alone on the last line. DATABASE_URL selects the database.",
    )
    create.add_argument("--org", required=True, help="organisation name")
    create.add_argument("--kind", required=True, choices=ORGANISATION_KINDS)
    create.add_argument("--role", default="staff", choices=get_args(Role))
    create.set_defaults(handler=_create)


def _create(args: argparse.Namespace) -> int:
    from api.auth import create_user
    from api.cli._database import migrated_engine
    from api.db import open_session

    try:
        organisation = OrganisationBase.model_validate({"name": args.org, "kind": args.kind})
    except ValidationError as exc:
        problem = exc.errors()[0]
        print(f"mobility-match users: error: --org: {problem['msg']}", file=sys.stderr)
        return 2
    with migrated_engine() as engine, open_session(engine, mode="write") as session:
        user, token = create_user(
            session, organisation=organisation.name, kind=organisation.kind, role=args.role
        )
    print(f"created user {user.id} ({args.role}) of {args.kind} {organisation.name!r}; token:")
    print(token)
    return 0
