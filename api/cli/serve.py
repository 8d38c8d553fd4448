"""`mobility-match serve`: run the API with uvicorn.

``DATABASE_URL`` selects the database (default: ``mobility-match.db`` in the working
directory); the schema is created or migrated at start-up.
"""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API",
        description="Run the HTTP API (DATABASE_URL selects the database).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.settings import get_settings

    # No access log: query strings (e.g. a name filter) may hold personal data.
    uvicorn.run(
        create_app(get_settings()),
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
    )
    return 0
