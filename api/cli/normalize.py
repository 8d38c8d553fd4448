"""`mobility-match normalize`: free-text lines → ESCO concepts, one JSON object per line.

    mobility-match normalize --kind {skill,occupation} [--lang xx] [--top-k N] [--input FILE]

Reads one text per line (stdin by default, or ``--input``), in bytes, and decodes each line as
UTF-8 on its own so that an invalid line is named. Prints, per input line and in order::

    {"text": ..., "resolved": true|false, "matches": [{"uri", "label", "score", "method"}, ...]}

* an empty line gives ``"matches": []`` and ``"resolved": false``;
* a UTF-8 byte order mark opening the input (Excel's "UTF-8 CSV") is not part of the first text;
* ``--lang`` must be a language code (two or three lower-case letters, as the API's), or the
  run stops before reading;
* a line longer than ``MAX_LINE_CHARS`` characters is truncated (warning on stderr naming the
  line) and ``text`` echoes the truncated text;
* invalid UTF-8 stops the run with exit code 2 and a message naming the line; the lines before
  it have been printed already (the output is streamed);
* lines are normalised and flushed in batches of ``BATCH_LINES``, so 100,000 lines run in one
  call with flat memory;
* ``--jobs N`` (default: up to 2, the cores there are) normalises the batches of an input
  longer than ``PARALLEL_MIN_LINES`` lines in N forked processes that share the loaded index
  copy-on-write; batches are written in input order and the output is byte-identical to
  ``--jobs 1`` (one process, no pool).
"""

from __future__ import annotations

import argparse
import codecs
import gc
import itertools
import json
import multiprocessing
import os
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult
from typing import BinaryIO, NamedTuple, TextIO

from skills_taxonomy.errors import InvalidTextError
from skills_taxonomy.language_names import LANGUAGE_CODE_PATTERN
from skills_taxonomy.normalizer import KINDS, Kind, NormalizedText, Normalizer
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "BATCH_LINES",
    "MAX_LINE_CHARS",
    "PARALLEL_MIN_LINES",
    "build_normalizer",
    "default_jobs",
    "register",
    "run",
]

MAX_LINE_CHARS = 1_000
#: Small enough that the workers of ``--jobs`` finish together (the last batch of one is all
#: the other waits for), large enough to fill the normaliser's blocks of texts.
BATCH_LINES = 1_000
#: Inputs of at most this many lines are normalised in this process whatever ``--jobs`` says
#: (forking and feeding workers does not pay off below a few batches).
PARALLEL_MIN_LINES = 5_000
_LANGUAGE_CODE = re.compile(LANGUAGE_CODE_PATTERN)


def default_jobs() -> int:
    """Worker processes by default: 2, or fewer when the machine has fewer cores."""
    return min(2, os.cpu_count() or 1)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "normalize",
        help="map free-text lines (skills or job titles) to ESCO concepts, JSON lines out",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--kind", required=True, choices=KINDS, help="concept kind to match")
    parser.add_argument(
        "--lang",
        type=_language_code,
        default=None,
        help="ISO 639-1 language of every line, e.g. fr, en, ar (detected when omitted)",
    )
    parser.add_argument("--top-k", type=_positive_int, default=10, help="matches per line")
    parser.add_argument(
        "--input", default=None, metavar="FILE", help="read lines from FILE (default: stdin)"
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=default_jobs(),
        metavar="N",
        help=f"processes for inputs over {PARALLEL_MIN_LINES:,} lines (default: %(default)s; "
        "1: no pool)",
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


def _language_code(value: str) -> str:
    """The same rule as the API's ``lang``: two (ISO 639-1) or three lower-case letters."""
    if not _LANGUAGE_CODE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"expected a language code such as fr, en or ar, got {value!r}"
        )
    return value


def build_normalizer(kind: Kind) -> Normalizer:
    """The normaliser the command uses: bundled taxonomy, only ``kind`` indexed."""
    return Normalizer(Taxonomy.load_bundled(), kinds=(kind,))


def _handle(args: argparse.Namespace) -> int:
    normalizer = build_normalizer(args.kind)
    options = {"kind": args.kind, "lang": args.lang, "top_k": args.top_k, "jobs": args.jobs}
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
        if number == 1 and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]  # a file saved as "UTF-8 with BOM" (Excel)
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


def _batches(lines: Iterable[str]) -> Iterator[list[str]]:
    """``lines`` in lists of ``BATCH_LINES``; when reading fails, the lines read before the
    failure are yielded first, then the error is raised."""
    batch: list[str] = []
    try:
        for text in lines:
            batch.append(text)
            if len(batch) >= BATCH_LINES:
                yield batch
                batch = []
    except InvalidTextError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


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


class _Job(NamedTuple):
    normalizer: Normalizer
    kind: Kind
    lang: str | None
    top_k: int


def _output(job: _Job, batch: list[str]) -> str:
    """The output lines of one batch (the same bytes in a worker as in this process)."""
    results = job.normalizer.normalize(batch, kind=job.kind, lang=job.lang, top_k=job.top_k)
    return "".join(_record(r) + "\n" for r in results)


#: The job of the forked workers: set in the parent just before the fork, inherited (with the
#: loaded index) by the children, so that only batches of lines travel through pipes.
_WORKER_JOB: _Job | None = None


def _work(batch: list[str]) -> str:
    if _WORKER_JOB is None:  # pragma: no cover - only a worker not forked by _parallel
        raise RuntimeError("normalize worker started without a job")
    return _output(_WORKER_JOB, batch)


def _serial(job: _Job, batches: Iterable[list[str]], stdout: TextIO) -> None:
    for batch in batches:
        stdout.write(_output(job, batch))
        stdout.flush()


def _parallel(job: _Job, batches: Iterable[list[str]], stdout: TextIO, jobs: int) -> None:
    """Batches normalised by ``jobs`` forked workers, written in input order; at most
    ``2 * jobs`` batches in flight, so memory stays flat on long inputs."""
    global _WORKER_JOB
    _WORKER_JOB = job
    pending: deque[AsyncResult[str]] = deque()

    def write_oldest() -> None:
        stdout.write(pending.popleft().get())
        stdout.flush()

    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            try:
                for batch in batches:
                    pending.append(pool.apply_async(_work, (batch,)))
                    while len(pending) > 2 * jobs:
                        write_oldest()
            finally:  # a reading error still gets the lines before it written
                while pending:
                    write_oldest()
            pool.close()
            pool.join()
    finally:
        _WORKER_JOB = None


def run(
    normalizer: Normalizer,
    source: BinaryIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    kind: Kind,
    lang: str | None = None,
    top_k: int = 10,
    jobs: int = 1,
) -> int:
    """Normalise every line of ``source`` onto ``stdout`` (see the module docstring)."""
    # The loaded index is never freed: out of the collector's sight, full collections stop
    # walking it (about 12 % of the CPU per text in one process), and forked workers stop
    # touching, and so copying, its pages.
    gc.freeze()
    try:
        return _run(
            _Job(normalizer, kind, lang, top_k), _batches(_lines(source, stderr)), stdout, jobs
        )
    finally:
        gc.unfreeze()


def _run(job: _Job, batches: Iterator[list[str]], stdout: TextIO, jobs: int) -> int:
    if jobs <= 1:
        _serial(job, batches, stdout)
        return 0
    head: list[list[str]] = []
    try:
        while sum(map(len, head)) <= PARALLEL_MIN_LINES:
            batch = next(batches, None)
            if batch is None:  # a short input: not worth a pool
                _serial(job, head, stdout)
                return 0
            head.append(batch)
    except InvalidTextError:
        _serial(job, head, stdout)
        raise
    _parallel(job, itertools.chain(head, batches), stdout, jobs)
    return 0
