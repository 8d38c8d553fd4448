"""Reading round inputs (JSON Lines, CSV, XLSX) into records, and writing results.

Formats are chosen by file extension: ``.jsonl``/``.ndjson``/``.json`` (one JSON object per
line), ``.csv`` (comma-separated, UTF-8, header row) and ``.xlsx`` (first sheet, header row).
Every value is checked while it is converted; a bad one raises ``InvalidRecordError`` naming
the record ("candidate c7", or "candidate at line 4" when the id itself is missing) and the
field. Cross-record checks (duplicate ids, unknown ESCO URIs, locks naming unknown ids) are
done by ``matching.validation.validate``.

In CSV and XLSX every cell is text; lists are ``;``-separated and language levels are
``lang:level`` pairs. Empty cells mean "not given".

Candidates (JSON field → CSV/XLSX column, same names):

===================  ==========================================  ==============================
field                JSON                                        CSV / XLSX cell
===================  ==========================================  ==============================
id                   string (required)                           ``c1``
skills               list of URI or {"uri": URI, "level": 0..1}  ``URI;URI|0.8`` (``|level``)
occupations          list of ESCO occupation URIs                ``URI;URI``
languages            {"de": "B1", "fr": "C1"}                    ``de:B1;fr:C1``
eqf                  integer 0..8 (0 or absent: none)             ``5``
experience_years     number >= 0                                 ``3`` or ``2.5``
gender               string (metrics only, never scored)         ``f``
origin               ISO 3166 code (metrics only, never scored)  ``MA``
destinations         list of ISO 3166 codes, preferred first     ``DE;BE``
available_from       ISO date                                    ``2027-03-01``
preferences          list of opening ids, preferred first        ``v7;v2``
===================  ==========================================  ==============================

Openings:

===================  ==========================================  ==============================
field                JSON                                        CSV / XLSX cell
===================  ==========================================  ==============================
id                   string (required)                           ``v1``
kind                 "job" or "training" (default "job")         ``job``
employer             string                                      ``e1``
country              ISO 3166 code                               ``DE``
occupation           ESCO occupation URI or null                 ``URI``
essential_skills     list of ESCO skill URIs                     ``URI;URI``
optional_skills      list of ESCO skill URIs                     ``URI;URI``
min_languages        {"de": "B1"}                                ``de:B1``
min_eqf              integer 0..8                                ``4``
capacity             integer >= 0 (default 1)                    ``3``
start                ISO date                                    ``2027-04-01``
ranking              list of candidate ids, preferred first      ``c9;c1``
teaches              training: ESCO skill URIs it teaches        ``URI;URI``
feeds                training: job opening ids it feeds          ``v1;v2``
===================  ==========================================  ==============================

Policy (JSON only): ``{"mode": "optimal", "shortlist": 50, "locks": [["c1", "v1"]],
"forbidden": [["c2", "v1"]], "seed": 0, "weights": {"essential": 0.6, ...},
"training_discount": 0.8, "reserves": 5, "quotas": [{"group": "gender", "value": "f",
"min_share": 0.3, "scope": "programme"}], "unreachable_quotas": "relax"}``; every key is
optional (see ``Policy``, ``Weights`` and ``Quota`` for the defaults). A quota's ``group`` is
"gender" or "origin", its ``scope`` "programme" (default), "employer" or "opening", and it
gives ``min_share`` and/or ``max_share`` in [0, 1]; errors name ``quotas.<index>.<key>``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import json
import math
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO, TypeVar, cast, get_args

import orjson
import polars as pl

from matching._canonical import dumps
from matching._cefr import normalise_level
from matching.errors import InvalidRecordError
from matching.records import (
    Candidate,
    LanguageLevel,
    Mode,
    Opening,
    Policy,
    Quota,
    QuotaGroup,
    QuotaScope,
    RoundResult,
    SkillClaim,
    UnreachableQuotas,
    Weights,
)
from matching.solvers.quota_spec import check_quota

__all__ = [
    "candidate_from_dict",
    "opening_from_dict",
    "policy_from_dict",
    "read_candidates",
    "read_openings",
    "read_policy",
    "write_edges",
    "write_result",
]

_CANDIDATE_FIELDS = frozenset(f.name for f in dataclasses.fields(Candidate))
_OPENING_FIELDS = frozenset(f.name for f in dataclasses.fields(Opening))
_POLICY_FIELDS = frozenset(f.name for f in dataclasses.fields(Policy))
_WEIGHT_FIELDS = {f.name: f.type for f in dataclasses.fields(Weights)}
_QUOTA_FIELDS = frozenset(f.name for f in dataclasses.fields(Quota))
_CSV_LISTS = frozenset(
    {"skills", "occupations", "destinations", "preferences", "essential_skills"}
    | {"optional_skills", "ranking", "teaches", "feeds"}
)
_CSV_LANGUAGES = frozenset({"languages", "min_languages"})

#: Spots a run of 19+ digits (maybe an integer beyond 64 bits, which orjson reads as a float):
#: ``_LONG_DIGITS in line.encode().translate(_DIGITS_TO_ZERO)``, far faster than a regex.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19

T = TypeVar("T")
Raw = Mapping[str, object]


# --- reading ---------------------------------------------------------------------------------


def read_candidates(path: str | os.PathLike[str]) -> tuple[Candidate, ...]:
    with _cycle_collector_paused():
        rows = _rows(path, "candidate")
        return tuple(candidate_from_dict(raw, where=where) for where, raw in rows)


def read_openings(path: str | os.PathLike[str]) -> tuple[Opening, ...]:
    with _cycle_collector_paused():
        return tuple(opening_from_dict(raw, where=where) for where, raw in _rows(path, "opening"))


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while records are built (reference counting still frees
    memory). Records and parsed rows hold no reference cycles, yet a 100k-candidate file makes
    millions of new tuples whose repeated collector passes cost more than the parsing itself.

    The collector is process-wide, so overlapping pauses (threads) are counted: the first one
    in records whether it was on, the last one out switches it back on only then."""
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


_pause_lock = threading.Lock()
_pauses = 0  # pauses in progress
_resume = False  # whether the collector was on when the first of them began


def read_policy(path: str | os.PathLike[str]) -> Policy:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRecordError("policy", "(file)", f"cannot read {str(path)!r}: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidRecordError("policy", "(file)", f"expected a JSON object, got {raw!r:.60}")
    return policy_from_dict(raw)


def _rows(path: str | os.PathLike[str], what: str) -> Iterator[tuple[str, Raw]]:
    """(where, raw record) per row; ``where`` names the row for errors without an id."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson", ".json"):
            yield from _json_lines(path, what)
            return
        if suffix == ".csv":
            frame = pl.read_csv(Path(path), infer_schema=False)
        elif suffix == ".xlsx":
            frame = pl.read_excel(Path(path), infer_schema_length=0)
        else:
            raise InvalidRecordError(
                f"{what}s", "(file)", f"unsupported extension {suffix!r}; use .jsonl, .csv or .xlsx"
            )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InvalidRecordError(
            f"{what}s", "(file)", f"cannot read {str(path)!r}: {exc}"
        ) from None
    for number, row in enumerate(frame.iter_rows(named=True), start=2):
        yield f"{what} at row {number}", _from_cells(row, what=f"{what} at row {number}")


def _json_lines(path: str | os.PathLike[str], what: str) -> Iterator[tuple[str, Raw]]:
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.isspace():  # a blank line (lines read from a file are never empty)
                continue
            where = f"{what} at line {number}"
            raw = _decode(line, where)
            if not isinstance(raw, dict):
                raise InvalidRecordError(where, "(line)", f"expected a JSON object, got {line:.60}")
            yield where, raw


def _decode(line: str, where: str) -> object:
    """One JSON value, read by orjson (several times faster) unless it might read it otherwise
    than the standard library: orjson rejects NaN, Infinity and lone surrogates and reads
    integers beyond 64 bits as floats. Those lines go to ``json``: same values, same errors."""
    if _LONG_DIGITS not in line.encode().translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass  # invalid, or valid only for the standard library: it decides below
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidRecordError(where, "(line)", f"invalid JSON: {exc}") from None


def _from_cells(row: Mapping[str, object], *, what: str) -> dict[str, object]:
    """A CSV/XLSX row (all text) in the JSON shape: lists split on ``;``, ``lang:level`` pairs."""
    raw: dict[str, object] = {}
    for name, cell in row.items():
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        text = str(cell).strip()
        if name in _CSV_LANGUAGES:
            pairs: dict[str, str] = {}
            for item in _split(text):
                lang, sep, level = item.partition(":")
                if not sep:
                    raise InvalidRecordError(what, name, f"expected lang:level, got {item!r}")
                pairs[lang.strip()] = level.strip()
            raw[name] = pairs
        elif name == "skills":
            raw[name] = [_skill_cell(item, what=what) for item in _split(text)]
        elif name in _CSV_LISTS:
            raw[name] = _split(text)
        else:
            raw[name] = text
    return raw


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


def _skill_cell(item: str, *, what: str) -> object:
    uri, sep, level = item.partition("|")
    if not sep:
        return uri.strip()
    try:
        return {"uri": uri.strip(), "level": float(level)}
    except ValueError:
        raise InvalidRecordError(what, "skills", f"bad level {level!r} in {item!r}") from None


# --- conversion ------------------------------------------------------------------------------


def candidate_from_dict(raw: Raw, *, where: str = "candidate") -> Candidate:
    """A ``Candidate`` from its JSON shape (see the module docstring); checks every field."""
    record = _record_name(raw, "candidate", where)
    _no_unknown(raw, _CANDIDATE_FIELDS, record)
    return Candidate(
        id=_id(raw, record),
        skills=_skills(raw, record),
        occupations=_strings(raw, "occupations", record),
        languages=_languages(raw, "languages", record),
        eqf=_int(raw, "eqf", record, default=0, low=0, high=8),
        experience_years=_number(raw, "experience_years", record, default=0.0, low=0.0),
        gender=_optional_str(raw, "gender", record),
        origin=_optional_str(raw, "origin", record),
        destinations=_strings(raw, "destinations", record),
        available_from=_date(raw, "available_from", record),
        preferences=_strings(raw, "preferences", record),
    )


def opening_from_dict(raw: Raw, *, where: str = "opening") -> Opening:
    """An ``Opening`` from its JSON shape (see the module docstring); checks every field."""
    record = _record_name(raw, "opening", where)
    _no_unknown(raw, _OPENING_FIELDS, record)
    kind = raw.get("kind", "job")
    if kind not in ("job", "training"):
        raise InvalidRecordError(record, "kind", f"expected 'job' or 'training', got {kind!r}")
    return Opening(
        id=_id(raw, record),
        kind=kind,
        employer=_optional_str(raw, "employer", record) or "",
        country=_optional_str(raw, "country", record) or "",
        occupation=_optional_str(raw, "occupation", record),
        essential_skills=_strings(raw, "essential_skills", record),
        optional_skills=_strings(raw, "optional_skills", record),
        min_languages=_languages(raw, "min_languages", record),
        min_eqf=_int(raw, "min_eqf", record, default=0, low=0, high=8),
        capacity=_int(raw, "capacity", record, default=1, low=0, high=None),
        start=_date(raw, "start", record),
        ranking=_strings(raw, "ranking", record),
        teaches=_strings(raw, "teaches", record),
        feeds=_strings(raw, "feeds", record),
    )


def policy_from_dict(raw: Raw) -> Policy:
    """A ``Policy`` from its JSON shape; unknown keys, modes or weights are errors."""
    record = "policy"
    _no_unknown(raw, _POLICY_FIELDS, record)
    mode = raw.get("mode", "optimal")
    if mode not in get_args(Mode):
        raise InvalidRecordError(
            record, "mode", f"expected one of {', '.join(get_args(Mode))}, got {mode!r}"
        )
    weights_raw = raw.get("weights", {})
    if not isinstance(weights_raw, dict):
        raise InvalidRecordError(record, "weights", f"expected an object, got {weights_raw!r}")
    _no_unknown(weights_raw, frozenset(_WEIGHT_FIELDS), record, prefix="weights.")
    weights: dict[str, float | int] = {}
    for name in weights_raw:
        if _WEIGHT_FIELDS[name] == "int":
            weights[name] = _int(weights_raw, name, record, default=0, low=1, high=None)
        else:
            weights[name] = _number(weights_raw, name, record, default=0.0, low=0.0)
    quotas = _quotas(raw, record, mode=str(mode))
    unreachable = raw.get("unreachable_quotas", "relax")
    if unreachable not in get_args(UnreachableQuotas):
        raise InvalidRecordError(
            record,
            "unreachable_quotas",
            f"expected one of {', '.join(get_args(UnreachableQuotas))}, got {unreachable!r}",
        )
    return Policy(
        mode=cast(Mode, mode),
        shortlist=_int(raw, "shortlist", record, default=50, low=1, high=None),
        locks=_pairs(raw, "locks", record),
        forbidden=_pairs(raw, "forbidden", record),
        seed=_int(raw, "seed", record, default=0, low=None, high=None),
        weights=Weights(**weights),  # type: ignore[arg-type]
        training_discount=_discount(raw, record),
        reserves=_int(raw, "reserves", record, default=5, low=0, high=None),
        quotas=quotas,
        unreachable_quotas=cast(UnreachableQuotas, unreachable),
    )


def _quotas(raw: Raw, record: str, *, mode: str) -> tuple[Quota, ...]:
    """The ``quotas`` list: each item an object with the ``Quota`` fields, checked."""
    quotas = []
    for i, item in enumerate(_list(raw, "quotas", record, object)):
        field = f"quotas.{i}"
        if not isinstance(item, dict):
            raise InvalidRecordError(record, field, f"expected an object, got {item!r:.60}")
        _no_unknown(item, _QUOTA_FIELDS, record, prefix=f"{field}.")
        for name in ("group", "value", "scope"):
            if name in item and not isinstance(item[name], str):
                raise InvalidRecordError(
                    record, f"{field}.{name}", f"expected a string, got {item[name]!r:.60}"
                )
        shares = {
            name: _number(item, name, record, default=0.0, low=0.0, label=f"{field}.{name}")
            for name in ("min_share", "max_share")
            if item.get(name) is not None
        }
        quota = Quota(
            group=cast(QuotaGroup, item.get("group", "")),
            value=str(item.get("value", "")).strip(),
            scope=cast(QuotaScope, item.get("scope", "programme")),
            min_share=shares.get("min_share"),
            max_share=shares.get("max_share"),
        )
        check_quota(quota, record=record, field=field)
        quotas.append(quota)
    if quotas and mode != "optimal":
        raise InvalidRecordError(
            record,
            "quotas",
            f"quotas apply in mode 'optimal' only (mode {mode!r} has no quota constraints)",
        )
    return tuple(quotas)


def _discount(raw: Raw, record: str) -> float:
    value = _number(raw, "training_discount", record, default=0.8, low=0.0)
    if not 0.0 < value <= 1.0:
        raise InvalidRecordError(record, "training_discount", f"expected (0, 1], got {value}")
    return value


def _record_name(raw: Raw, what: str, where: str) -> str:
    value = raw.get("id")
    return f"{what} {value}" if isinstance(value, str) and value.strip() else where


def _no_unknown(raw: Raw, known: frozenset[str], record: str, *, prefix: str = "") -> None:
    if raw.keys() <= known:
        return
    for name in raw:
        if name not in known:
            raise InvalidRecordError(
                record,
                f"{prefix}{name}",
                f"unknown field; expected one of {', '.join(sorted(known))}",
            )


def _id(raw: Raw, record: str) -> str:
    value = raw.get("id")
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecordError(record, "id", f"expected a non-empty string, got {value!r}")
    return value.strip()


def _optional_str(raw: Raw, name: str, record: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecordError(record, name, f"expected a string, got {value!r}")
    return value.strip() or None


def _list(raw: Raw, name: str, record: str, kind: type[T]) -> list[T]:
    value = raw.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecordError(record, name, f"expected a list, got {value!r:.60}")
    if kind is object:
        return value
    for item in value:
        if not isinstance(item, kind):
            raise InvalidRecordError(record, name, f"expected {kind.__name__} items, got {item!r}")
    return value


def _strings(raw: Raw, name: str, record: str) -> tuple[str, ...]:
    value = raw.get(name)
    if type(value) is list:  # fast path: a list of non-blank strings
        try:
            items = tuple(map(str.strip, value))
        except TypeError:
            pass  # an item is not a string: the checks below name it
        else:
            if all(items):
                return items
    items = tuple(item.strip() for item in _list(raw, name, record, str))
    if any(not item for item in items):
        raise InvalidRecordError(record, name, "holds an empty string")
    return items


def _skills(raw: Raw, record: str) -> tuple[SkillClaim, ...]:
    claims = []
    for item in _list(raw, "skills", record, object):
        if type(item) is dict and len(item) == 2:  # fast path: {"uri": str, "level": (0, 1]}
            uri, level = item.get("uri"), item.get("level")
            if type(uri) is str and type(level) is float and 0.0 < level <= 1.0:
                claims.append(SkillClaim(uri.strip(), level))
                continue
        claims.append(_skill(item, record))
    return tuple(claims)


def _skill(item: object, record: str) -> SkillClaim:
    if isinstance(item, str):
        return SkillClaim(uri=item.strip())
    if isinstance(item, dict) and isinstance(item.get("uri"), str):
        _no_unknown(item, frozenset({"uri", "level"}), record, prefix="skills.")
        level = _number(item, "level", record, default=1.0, low=0.0, label="skills.level")
        if level <= 0.0 or level > 1.0:
            raise InvalidRecordError(
                record, "skills.level", f"expected a number in (0, 1], got {level!r}"
            )
        return SkillClaim(uri=str(item["uri"]).strip(), level=level)
    raise InvalidRecordError(
        record, "skills", f'expected a URI or {{"uri": ..., "level": 0..1}}, got {item!r:.80}'
    )


def _languages(raw: Raw, name: str, record: str) -> tuple[LanguageLevel, ...]:
    value = raw.get(name)
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise InvalidRecordError(
            record, name, f'expected an object like {{"de": "B1"}}, got {value!r:.60}'
        )
    levels = []
    for lang, level in value.items():
        # Only string levels are looked up in the cache (others may be unhashable).
        check = _language_level if type(level) is str else _language_level.__wrapped__
        checked = check(lang, level)
        if isinstance(checked, str):
            raise InvalidRecordError(record, name, checked)
        levels.append(checked)
    return tuple(sorted(levels, key=lambda item: item.language))


@functools.lru_cache(maxsize=4096, typed=True)
def _language_level(lang: object, level: object) -> LanguageLevel | str:
    """The checked pair, or what is wrong with it. Cached: a programme repeats a few hundred
    pairs, and they are immutable."""
    if not (isinstance(lang, str) and len(lang) == 2 and lang.isalpha() and lang.islower()):
        return f"expected an ISO 639-1 code, got {lang!r}"
    canonical = normalise_level(level) if isinstance(level, str) else None
    if canonical is None:
        return f"bad CEFR level {level!r} for {lang!r}; expected A1..C2 or native"
    return LanguageLevel(language=lang, level=canonical)


def _pairs(raw: Raw, name: str, record: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in _list(raw, name, record, list):
        if len(item) != 2 or not all(isinstance(x, str) for x in item):
            raise InvalidRecordError(
                record, name, f"expected [candidate id, opening id], got {item!r}"
            )
        pairs.append((str(item[0]), str(item[1])))
    return tuple(pairs)


def _int(
    raw: Raw, name: str, record: str, *, default: int, low: int | None, high: int | None
) -> int:
    value = raw.get(name)
    if value is None:
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if number is None:
        raise InvalidRecordError(record, name, f"expected an integer, got {value!r}")
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f">= {low}" if high is None else f"in {low}..{high}"
        raise InvalidRecordError(record, name, f"expected an integer {bounds}, got {number}")
    return number


def _number(
    raw: Raw, name: str, record: str, *, default: float, low: float, label: str | None = None
) -> float:
    value = raw.get(name)
    field = label or name
    if value is None:
        return default
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise InvalidRecordError(record, field, f"expected a number, got {value!r}")
    if number < low:
        raise InvalidRecordError(record, field, f"expected a number >= {low}, got {number}")
    return number


def _date(raw: Raw, name: str, record: str) -> dt.date | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10] if "T" in value else value.strip())
        except ValueError:
            pass
    raise InvalidRecordError(record, name, f"expected an ISO date YYYY-MM-DD, got {value!r}")


# --- writing ---------------------------------------------------------------------------------


def write_result(result: RoundResult, path: str | os.PathLike[str]) -> None:
    """The result as canonical JSON (sorted keys, shortest round-trip floats), atomically."""
    _atomic_write(path, lambda out: out.write(dumps(result) + "\n"))


def write_edges(result: RoundResult, path: str | os.PathLike[str]) -> None:
    """Every pair the solver considered as CSV ``candidate,opening,score`` (shortest
    round-trip floats), atomically."""
    edges = result.edges.select("candidate", "opening", "score")
    _atomic_write(path, lambda out: out.write(edges.write_csv()))


def _atomic_write(path: str | os.PathLike[str], write: Callable[[TextIO], object]) -> None:
    """Write to a temporary file next to ``path`` and rename it over ``path`` on success."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
    try:
        with open(handle, "w", encoding="utf-8", newline="") as out:
            write(out)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
