"""The ``mobility-match`` command line: one module per command group.

Each module exposes ``register(subparsers)``, which adds its sub-command(s) and sets
``handler`` on the parser defaults. Errors from the core are mapped to exit codes here, in
one place: invalid input (or a service error: a missing round, a conflict) exits 2 with a
one-line message naming what was wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from matching.errors import MatchingError
from skills_taxonomy.errors import TaxonomyError

__all__ = ["main"]

#: Command-group modules, in the order they appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "api.cli.taxonomy",
    "api.cli.normalize",
    "api.cli.round",
    "api.cli.reoptimise",
    "api.cli.serve",
    "api.cli.users",
    "api.cli.audit",
    "api.cli.report",
    "api.cli.retention",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobility-match",
        description="Matching engine for labour-mobility programmes.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    from api.errors import ServiceError  # the service's own errors (not found, conflict, …)

    try:
        return handler(args)
    except (MatchingError, TaxonomyError, ServiceError) as exc:
        print(f"mobility-match {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
