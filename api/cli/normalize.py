"""`mobility-match normalize`: free-text lines → ESCO concepts, one JSON object per line.

    mobility-match normalize --kind {skill,occupation} [--lang xx] [--top-k N] [--input FILE]

Reads one text per line (stdin by default, or ``--input``), in bytes, and decodes each line as
UTF-8 on its own so that an invalid line is named. Prints, per input line and in order::

    {"text": ..., "resolved": true|false, "matches": [{"uri", "label", "score", "method"}, ...]}

* an empty line gives ``"matches": []`` and ``"resolved": false``;
* a line longer than ``MAX_LINE_CHARS`` characters is truncated (warning on stderr naming the
  line) and ``text`` echoes the truncated text;
* invalid UTF-8 stops the run with exit code 2 and a message naming the line; the lines before
  it have been printed already (the output is streamed);
* lines are normalised and flushed in batches of ``BATCH_LINES``, so 100,000 lines run in one
  call with flat memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from skills_taxonomy.errors import InvalidTextError
from skills_taxonomy.normalizer import KINDS, Kind, NormalizedText, Normalizer
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["BATCH_LINES", "MAX_LINE_CHARS", "build_normalizer", "register", "run"]

MAX_LINE_CHARS = 1_000
BATCH_LINES = 2_000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "normalize",
        help="map free-text lines (skills or job titles) to ESCO concepts, JSON lines out",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--kind", required=True, choices=KINDS, help="concept kind to match")
    parser.add_argument(
        "--lang", default=None, help="ISO 639-1 language of every line (detected when omitted)"
    )
    parser.add_argument("--top-k", type=_positive_int, default=10, help="matches per line")
    parser.add_argument(
        "--input", default=None, metavar="FILE", help="read lines from FILE (default: stdin)"
    )
    parser.set_defaults(handler=_handle)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def build_normalizer(kind: Kind) -> Normalizer:
    """The normaliser the command uses: bundled taxonomy, only ``kind`` indexed."""
    return Normalizer(Taxonomy.load_bundled(), kinds=(kind,))


def _handle(args: argparse.Namespace) -> int:
    normalizer = build_normalizer(args.kind)
    options = {"kind": args.kind, "lang": args.lang, "top_k": args.top_k}
    if args.input is None:
        return run(normalizer, sys.stdin.buffer, sys.stdout, sys.stderr, **options)
    try:
        source = open(args.input, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InvalidTextError(f"cannot read --input {args.input!r}: {exc.strerror}") from None
    with source:
        return run(normalizer, source, sys.stdout, sys.stderr, **options)


def _lines(source: BinaryIO, stderr: TextIO) -> Iterator[str]:
    for number, raw in enumerate(source, start=1):
        data = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidTextError(
                f"line {number}: invalid UTF-8 at byte {exc.start + 1} "
                f"({data[exc.start : exc.start + 1]!r})"
            ) from None
        if len(text) > MAX_LINE_CHARS:
            print(
                f"mobility-match normalize: warning: line {number}: {len(text)} characters, "
                f"truncated to {MAX_LINE_CHARS}",
                file=stderr,
            )
            text = text[:MAX_LINE_CHARS]
        yield text


def _record(result: NormalizedText) -> str:
    return json.dumps(
        {
            "text": result.text,
            "resolved": result.resolved,
            "matches": [
                {"uri": m.uri, "label": m.label, "score": m.score, "method": m.method}
                for m in result.matches
            ],
        },
        ensure_ascii=False,
    )


def run(
    normalizer: Normalizer,
    source: BinaryIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    kind: Kind,
    lang: str | None = None,
    top_k: int = 10,
) -> int:
    """Normalise every line of ``source`` onto ``stdout`` (see the module docstring)."""
    batch: list[str] = []

    def flush() -> None:
        if batch:
            results = normalizer.normalize(batch, kind=kind, lang=lang, top_k=top_k)
            stdout.write("".join(_record(r) + "\n" for r in results))
            stdout.flush()
            batch.clear()

    try:
        for text in _lines(source, stderr):
            batch.append(text)
            if len(batch) >= BATCH_LINES:
                flush()
    except InvalidTextError:
        flush()
        raise
    flush()
    return 0
