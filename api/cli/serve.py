"""`mobility-match serve`: run the API with uvicorn.

``DATABASE_URL`` selects the database (default: ``mobility-match.db`` in the working
directory); the schema is created or migrated at start-up (once, even with several workers).
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
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default: %(default)s); one per core serves the most requests; "
        "connections are shared evenly among them",
    )
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import sys

    import uvicorn

    from api.app import create_app
    from api.settings import get_settings
    from api.workers import serve_balanced

    if args.workers < 1:
        print("mobility-match serve: error: --workers must be at least 1", file=sys.stderr)
        return 2
    # No access log: query strings (e.g. a name filter) may hold personal data.
    options = {"host": args.host, "port": args.port, "log_level": "info", "access_log": False}
    if args.workers > 1:  # each worker process builds the app from the environment
        config = uvicorn.Config("api.app:create_app", factory=True, **options)
        return serve_balanced(config, workers=args.workers)
    uvicorn.run(create_app(get_settings()), **options)
    return 0
