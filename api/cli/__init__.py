"""The ``mobility-match`` command line: one module per command group.

Each module exposes ``register(subparsers)``, which adds the command of its own name (and its
sub-commands) and sets ``handler`` on the parser defaults. Only the module of the command run
is imported: ``normalize`` then starts without the service models and the matching core (~2 s
of imports it does not use). Errors from the core are mapped to exit codes here, in one place:
invalid input (or a service error: a missing round, a conflict) exits 2 with a one-line
message naming what was wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` only (one of ``COMMAND_MODULES``' names)."""
    parser = argparse.ArgumentParser(
        prog="mobility-match",
        description="Matching engine for labour-mobility programmes.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        if command is None or name.rsplit(".", 1)[1] == command:
            import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # The command is the first word that is not an option (the root parser takes no value);
    # anything else (none, --help, a typo) gets the parser of every command.
    command = next((w for w in words if not w.startswith("-")), None)
    known = {name.rsplit(".", 1)[1] for name in COMMAND_MODULES}
    parser = build_parser(command if command in known else None)
    args = parser.parse_args(words)
    handler: Handler = args.handler
    try:
        return handler(args)
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except Exception as exc:
        if isinstance(exc, _mapped_errors()):
            print(f"mobility-match {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise


def _mapped_errors() -> tuple[type[Exception], ...]:
    """The errors that exit 2 with their message: the core's, the taxonomy's and the service's
    own (not found, conflict, …). Imported when an error is raised, not before (see the module
    docstring)."""
    from api.errors import ServiceError
    from matching.errors import MatchingError

    return (MatchingError, TaxonomyError, ServiceError)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
