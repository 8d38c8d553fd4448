"""The files of an ESCO CSV export on disk: finding them, reading them, and where they came from.

An export is a folder of ``.csv`` or ``.csv.gz`` files, in the folder itself or in its direct
subfolders (per-language folders, or the folders the official zips unpack into). A file is
known by its name without the suffix: ``skills_en``, ``occupationSkillRelations``. Besides the
official name, a version suffix (``occupations_ar_v1.0.x``) and a derived
``*_labels_merged`` label file are accepted, in that order of preference.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from skills_taxonomy.errors import TaxonomyFormatError

__all__ = ["CsvFile", "EscoFolder"]

_CSV_SUFFIXES = (".csv.gz", ".csv")
VERSION_SUFFIX = r"_v\d+(?:\.(?:\d+|x))*"
_MERGED_SUFFIX = "_labels_merged"
#: Concept/label files: kind, language (``en``, ``fr``, ``en-us``), optional suffix.
_LANGUAGE_FILE = re.compile(
    rf"^(skills|occupations|ISCOGroups|skillGroups)_([a-z]{{2,3}}(?:-[a-z]{{2}})?)"
    rf"({VERSION_SUFFIX}|{_MERGED_SUFFIX})?$",
    re.IGNORECASE,
)
_VERSION_IN_SOURCE = re.compile(r"\bv(\d+\.\d+(?:\.(?:\d+|x))?)\b")
_FOLDER_IN_HEADING = re.compile(r"\(`([a-z]{2,3}(?:-[a-z]{2})?)/`\)")


@dataclass(frozen=True, slots=True)
class CsvFile:
    path: Path
    name: str  # relative to the export folder, for messages and provenance

    @property
    def stem(self) -> str:
        """The name without ``.csv``/``.csv.gz``."""
        for suffix in _CSV_SUFFIXES:
            if self.path.name.endswith(suffix):
                return self.path.name[: -len(suffix)]
        return self.path.name

    @property
    def is_derived(self) -> bool:
        """A derived (non-official) label file such as ``skills_fr_labels_merged``."""
        return self.stem.lower().endswith(_MERGED_SUFFIX)

    @property
    def release(self) -> str | None:
        """The ESCO release in the file name (``v1.0.x``), if any."""
        match = re.search(VERSION_SUFFIX + "$", self.stem)
        return match.group(0)[1:] if match else None

    def read(self, required: Sequence[str], *, optional: Sequence[str] = ()) -> pl.DataFrame:
        """The wanted columns as trimmed strings (an empty cell becomes null).

        Raises ``TaxonomyFormatError`` naming the file (and the column) when the file is not
        UTF-8 CSV or a required column is missing; absent optional columns are left out.
        """
        try:
            frame = pl.read_csv(self.path, infer_schema=False, encoding="utf8", quote_char='"')
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise TaxonomyFormatError(f"{self.name}: cannot read as CSV ({exc})") from exc
        frame = frame.rename({c: c.strip().lstrip("\ufeff").strip() for c in frame.columns})
        for column in required:
            if column not in frame.columns:
                raise TaxonomyFormatError(f"{self.name}: missing column {column!r}")
        columns = [*required, *(c for c in optional if c in frame.columns and c not in required)]
        cleaned = pl.col(columns).str.strip_chars()
        return frame.select(pl.when(cleaned != "").then(cleaned))

    def label_sources(self) -> str | None:
        """For a derived file with a ``labelSource`` column: how many rows from which source."""
        if not self.is_derived:
            return None
        try:
            counts = (
                pl.read_csv(self.path, infer_schema=False, columns=["labelSource"])
                .group_by("labelSource")
                .len()
                .sort("len", "labelSource", descending=[True, False])
            )
        except pl.exceptions.PolarsError:
            return "derived labels"
        return "derived labels: " + "; ".join(f"{n:,} from {s}" for s, n in counts.iter_rows())


class EscoFolder:
    """The CSV files of one export folder, found once."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise TaxonomyFormatError(f"ESCO export folder {str(self.root)!r} does not exist")
        self._files: dict[str, list[CsvFile]] = {}
        for path in sorted([*self.root.glob("*"), *self.root.glob("*/*")]):
            if path.is_file() and path.name.endswith(_CSV_SUFFIXES):
                csv = CsvFile(path=path, name=path.relative_to(self.root).as_posix())
                self._files.setdefault(csv.stem.lower(), []).append(csv)

    def languages(self) -> tuple[str, ...]:
        """Languages of the concept/label files present, sorted (from the file names)."""
        found = {m.group(2).lower() for m in map(_LANGUAGE_FILE.match, self._files) if m}
        return tuple(sorted(found))

    def find(self, stem: str, lang: str | None = None) -> CsvFile | None:
        """The file for ``stem`` (``stem_lang`` with a language): the official name, else a
        versioned one, else a derived one; None when there is none."""
        base = (f"{stem}_{lang}" if lang else stem).lower()
        official = self._files.get(base, [])
        versioned = [
            csv
            for key, group in self._files.items()
            if re.fullmatch(re.escape(base) + VERSION_SUFFIX, key)
            for csv in group
        ]
        derived = self._files.get(base + _MERGED_SUFFIX, [])
        for candidates in (official, versioned, derived):
            if len(candidates) > 1:
                names = ", ".join(c.name for c in candidates)
                raise TaxonomyFormatError(f"ambiguous ESCO files for {base}: {names}")
            if candidates:
                return candidates[0]
        return None

    def require(self, stem: str, lang: str | None = None) -> CsvFile:
        """Like ``find``, but a missing file is a ``TaxonomyFormatError`` naming it."""
        found = self.find(stem, lang)
        if found is None:
            base = f"{stem}_{lang}" if lang else stem
            raise TaxonomyFormatError(f"missing required file {base}.csv (or {base}.csv.gz)")
        return found

    def source_notes(self) -> dict[str, str]:
        """ESCO versions named in ``SOURCE.md``: "" → the main set, else folder → version.

        A section (``## ...``) whose heading names a language folder such as (`fr/`) gives
        the first version it mentions to that folder; the first version mentioned in a
        section naming no folder is the version of the main set.
        """
        path = self.root / "SOURCE.md"
        if not path.is_file():
            return {}
        notes: dict[str, str] = {}
        text = path.read_text(encoding="utf-8")
        for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
            version = _VERSION_IN_SOURCE.search(section)
            if version is None:
                continue
            folders = _FOLDER_IN_HEADING.findall(section.splitlines()[0])
            for folder in folders or [""]:
                notes.setdefault(folder, f"v{version.group(1)}")
        return notes
