"""`mobility-match round` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("round", help="(not yet available)")
    parser.set_defaults(handler=lambda args: 1)
