"""Import the official ESCO CSV export (any 1.x version, any set of language files).

The export is a folder of CSV files, plain (``.csv``) or gzip-compressed (``.csv.gz``), in the
folder itself or in per-language subfolders. Multi-value cells (altLabels, hiddenLabels) hold
one value per line inside a quoted field.

* The **base language** (English by default) defines the concepts: ``skills_en``,
  ``occupations_en``, ``ISCOGroups_en`` and ``skillGroups_en`` are required, with their labels
  and descriptions; ``skillsHierarchy_en`` is optional (it fills missing skill-group codes).
* The language-independent relation files are required: ``broaderRelationsSkillPillar``,
  ``broaderRelationsOccPillar``, ``occupationSkillRelations``, ``skillSkillRelations``.
* Every other ``{skills,occupations,ISCOGroups,skillGroups}_{lang}`` file adds labels and
  descriptions in ``lang`` (taken from the file name). Besides the official names, a version
  suffix (``occupations_ar_v1.0.x.csv.gz``) and the derived ``skills_fr_labels_merged`` file
  are accepted; the official name wins when several are present.

Rows about a URI outside the base concept set (a label file or relation file from another ESCO
version) are dropped and counted per file in ``Taxonomy.dropped``. The version comes from the
``version`` argument, else from a ``SOURCE.md`` in the folder, else "ESCO (unknown version)".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from skills_taxonomy.errors import TaxonomyFormatError
from skills_taxonomy.taxonomy import ConceptKind, Taxonomy

__all__ = ["UNKNOWN_VERSION", "import_esco", "normalise_version"]

UNKNOWN_VERSION = "ESCO (unknown version)"

#: File-name stem of the concept file of each kind.
_CONCEPT_STEMS: dict[ConceptKind, str] = {
    "skill": "skills",
    "occupation": "occupations",
    "isco_group": "ISCOGroups",
    "skill_group": "skillGroups",
}
#: Columns that the base-language concept files must have.
_BASE_COLUMNS: dict[ConceptKind, tuple[str, ...]] = {
    "skill": ("conceptUri", "skillType", "reuseLevel", "preferredLabel"),
    "occupation": ("conceptUri", "iscoGroup", "preferredLabel"),
    "isco_group": ("conceptUri", "code", "preferredLabel"),
    "skill_group": ("conceptUri", "preferredLabel"),
}
_LABEL_COLUMNS = ("conceptUri", "preferredLabel")
_OPTIONAL_TEXT = ("altLabels", "hiddenLabels", "description")
_LABEL_CELLS = (
    ("preferredLabel", "preferred"),
    ("altLabels", "alternative"),
    ("hiddenLabels", "hidden"),
)
#: Relation files: stem → (subject column, object column, relation column or None).
_RELATION_FILES: dict[str, tuple[str, str, str | None]] = {
    "broaderRelationsSkillPillar": ("conceptUri", "broaderUri", None),
    "broaderRelationsOccPillar": ("conceptUri", "broaderUri", None),
    "occupationSkillRelations": ("occupationUri", "skillUri", "relationType"),
    "skillSkillRelations": ("originalSkillUri", "relatedSkillUri", "relationType"),
}
_CSV_SUFFIXES = (".csv.gz", ".csv")
_VERSION_SUFFIX = r"_v\d+(?:\.(?:\d+|x))*"
_LANGUAGE_FILE = re.compile(
    rf"^(skills|occupations|ISCOGroups|skillGroups)_([a-z]{{2,3}}(?:-[a-z]{{2}})?)"
    rf"({_VERSION_SUFFIX}|_labels_merged)?$",
    re.IGNORECASE,
)
_VERSION_TEXT = re.compile(r"^(?:ESCO\s*)?v?(\d+\.\d+(?:\.(?:\d+|x))?)$", re.IGNORECASE)
_VERSION_IN_SOURCE = re.compile(r"\bv(\d+\.\d+(?:\.(?:\d+|x))?)\b")
_FOLDER_IN_HEADING = re.compile(r"\(`([a-z]{2,3})/`\)")


@dataclass(frozen=True, slots=True)
class _CsvFile:
    path: Path
    name: str  # relative to the export folder, for messages and ``sources``

    @property
    def stem(self) -> str:
        for suffix in _CSV_SUFFIXES:
            if self.path.name.endswith(suffix):
                return self.path.name[: -len(suffix)]
        return self.path.name


def import_esco(
    folder: str | Path,
    *,
    languages: Sequence[str] | None = None,
    description_languages: Sequence[str] | None = None,
    version: str | None = None,
    base_language: str = "en",
) -> Taxonomy:
    """Read an ESCO CSV export into a ``Taxonomy``.

    ``languages``: label languages to import besides ``base_language`` (None: every language
    found). ``description_languages``: languages whose descriptions are kept (None: all that
    are imported). ``version``: e.g. "1.1.1", "v1.1.1" or any text; None reads ``SOURCE.md``.
    Raises ``TaxonomyFormatError`` naming the file (and column) that is missing or unreadable.
    """
    root = Path(folder)
    if not root.is_dir():
        raise TaxonomyFormatError(f"ESCO export folder {str(root)!r} does not exist")
    files = _scan(root)
    notes = _source_notes(root)
    dropped: dict[str, int] = {}
    sources: list[str] = []

    def describe(csv: _CsvFile, what: str, rows: int, lang: str | None = None) -> None:
        suffix = re.search(_VERSION_SUFFIX + "$", csv.stem)
        release = suffix.group(0)[1:] if suffix else notes.get(lang or "", notes.get("", ""))
        if csv.stem.lower().endswith("_labels_merged"):
            release = ""
        sources.append(
            f"{csv.name}: {what}, {rows:,} rows" + (f", ESCO {release}" if release else "")
        )

    # --- concepts (base language) --------------------------------------------------------------
    base_frames: dict[ConceptKind, pl.DataFrame] = {}
    base_files: dict[ConceptKind, _CsvFile] = {}
    for kind, stem in _CONCEPT_STEMS.items():
        csv = _pick(files, stem, base_language, required=True)
        assert csv is not None
        frame = _read(csv, _BASE_COLUMNS[kind], optional=(*_OPTIONAL_TEXT, "code"))
        duplicated = frame.filter(pl.col("conceptUri").is_duplicated())["conceptUri"]
        if len(duplicated) or frame["conceptUri"].null_count():
            what = repr(duplicated[0]) if len(duplicated) else "an empty conceptUri"
            raise TaxonomyFormatError(f"{csv.name}: {what} appears more than once")
        base_frames[kind], base_files[kind] = frame, csv
        describe(csv, f"{kind} concepts and {base_language} labels", frame.height, base_language)
    hierarchy = _pick(files, "skillsHierarchy", base_language, required=False)
    concepts = _concepts(base_frames, _hierarchy_codes(hierarchy) if hierarchy else None)
    if hierarchy is not None:
        describe(hierarchy, "skill-group codes", _rows(hierarchy), base_language)
    duplicated = concepts.filter(pl.col("uri").is_duplicated())["uri"]
    if len(duplicated):
        raise TaxonomyFormatError(f"concept URI {duplicated[0]!r} appears in two concept files")
    uris_of = {kind: concepts.filter(pl.col("kind") == kind)["uri"] for kind in _CONCEPT_STEMS}
    all_uris = concepts["uri"]

    # --- labels and descriptions ---------------------------------------------------------------
    label_frames: list[pl.DataFrame] = []
    description_frames: list[pl.DataFrame] = []
    found_languages = sorted({lang for _, lang in _language_files(files)} - {base_language})
    if languages is not None:
        chosen = {lang.lower() for lang in languages}
        found_languages = [lang for lang in found_languages if lang in chosen]
    for lang in [base_language, *found_languages]:
        for kind, stem in _CONCEPT_STEMS.items():
            if lang == base_language:
                csv, frame = base_files[kind], base_frames[kind]
            else:
                picked = _pick(files, stem, lang, required=False)
                if picked is None:
                    continue
                csv, frame = picked, _read(picked, _LABEL_COLUMNS, optional=_OPTIONAL_TEXT)
                known = frame.filter(pl.col("conceptUri").is_in(uris_of[kind].implode()))
                if known.height != frame.height:
                    dropped[csv.name] = frame.height - known.height
                frame = known
                describe(csv, f"{lang} {kind} labels", frame.height, lang)
                label_source = _label_source_note(picked)
                if label_source:
                    sources[-1] += f" ({label_source})"
            label_frames.append(_labels(frame, lang))
            if description_languages is None or lang in description_languages:
                description_frames.append(_descriptions(frame, lang))

    # --- relations -----------------------------------------------------------------------------
    relations: dict[str, pl.DataFrame] = {}
    for stem, (subject, obj, relation) in _RELATION_FILES.items():
        csv = _pick(files, stem, None, required=True)
        assert csv is not None
        wanted = (subject, obj) + ((relation,) if relation else ())
        frame = _read(csv, wanted, optional=())
        if relation is not None:
            bad = frame.filter(~pl.col(relation).is_in(["essential", "optional"]))[relation]
            if len(bad):
                raise TaxonomyFormatError(
                    f"{csv.name}: column {relation!r} holds {bad[0]!r}; "
                    "expected essential or optional"
                )
        known = frame.filter(
            pl.col(subject).is_in(all_uris.implode()) & pl.col(obj).is_in(all_uris.implode())
        )
        if known.height != frame.height:
            dropped[csv.name] = frame.height - known.height
        relations[stem] = known
        describe(csv, "relations", frame.height)

    broader = pl.concat(
        [
            relations[stem].select(uri="conceptUri", broader_uri="broaderUri")
            for stem in ("broaderRelationsSkillPillar", "broaderRelationsOccPillar")
        ]
    )
    broader = pl.concat([broader, _isco_fallback(concepts, broader)]).unique()
    occupation_skills = relations["occupationSkillRelations"].select(
        occupation_uri="occupationUri", skill_uri="skillUri", relation="relationType"
    )
    skill_relations = relations["skillSkillRelations"].select(
        skill_uri="originalSkillUri", related_uri="relatedSkillUri", relation="relationType"
    )
    return Taxonomy(
        version=normalise_version(version)
        if version
        else (f"ESCO {notes['']}" if "" in notes else UNKNOWN_VERSION),
        concepts=concepts.sort("uri"),
        labels=pl.concat(label_frames).unique().sort(pl.all()),
        descriptions=pl.concat(description_frames).unique().sort(pl.all()),
        broader=broader.sort(pl.all()),
        occupation_skills=occupation_skills.unique().sort(pl.all()),
        skill_relations=skill_relations.unique().sort(pl.all()),
        sources=sources,
        dropped=dropped,
    )


def normalise_version(text: str) -> str:
    """'1.1.1', 'v1.1.1' and 'ESCO v1.1.1' all become 'ESCO v1.1.1'; other text is kept."""
    match = _VERSION_TEXT.match(text.strip())
    return f"ESCO v{match.group(1)}" if match else text.strip()


# --- files -----------------------------------------------------------------------------------
def _scan(root: Path) -> dict[str, list[_CsvFile]]:
    """CSV files in ``root`` and its direct subfolders, by lower-cased stem."""
    found: dict[str, list[_CsvFile]] = {}
    for path in sorted([*root.glob("*"), *root.glob("*/*")]):
        if path.is_file() and path.name.endswith(_CSV_SUFFIXES):
            csv = _CsvFile(path=path, name=path.relative_to(root).as_posix())
            found.setdefault(csv.stem.lower(), []).append(csv)
    return found


def _language_files(files: dict[str, list[_CsvFile]]) -> list[tuple[str, str]]:
    """(stem, lang) of every concept/label file present."""
    found = []
    for stem in files:
        match = _LANGUAGE_FILE.match(stem)
        if match:
            found.append((stem, match.group(2).lower()))
    return found


def _pick(
    files: dict[str, list[_CsvFile]], stem: str, lang: str | None, *, required: bool
) -> _CsvFile | None:
    """The file for ``stem`` (and ``lang``): the official name, else a versioned or merged one."""
    base = f"{stem}_{lang}" if lang else stem
    official = files.get(base.lower(), [])
    versioned = [
        csv
        for key, group in files.items()
        if re.fullmatch(re.escape(base.lower()) + _VERSION_SUFFIX, key)
        for csv in group
    ]
    merged = files.get(f"{base.lower()}_labels_merged", [])
    for candidates in (official, versioned, merged):
        if len(candidates) > 1:
            raise TaxonomyFormatError(
                f"ambiguous ESCO files for {base}: {', '.join(c.name for c in candidates)}"
            )
        if candidates:
            return candidates[0]
    if required:
        raise TaxonomyFormatError(f"missing required file {base}.csv (or {base}.csv.gz)")
    return None


def _read(csv: _CsvFile, required: Sequence[str], *, optional: Sequence[str]) -> pl.DataFrame:
    """The wanted columns of a CSV file as trimmed strings (empty → null)."""
    try:
        frame = pl.read_csv(csv.path, infer_schema=False, encoding="utf8", quote_char='"')
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise TaxonomyFormatError(f"{csv.name}: cannot read as CSV ({exc})") from exc
    frame = frame.rename({c: c.strip().lstrip("\ufeff").strip() for c in frame.columns})
    for column in required:
        if column not in frame.columns:
            raise TaxonomyFormatError(f"{csv.name}: missing column {column!r}")
    columns = [*required, *(c for c in optional if c in frame.columns and c not in required)]
    cleaned = pl.col(columns).str.strip_chars()
    return frame.select(pl.when(cleaned != "").then(cleaned))


def _rows(csv: _CsvFile) -> int:
    return _read(csv, ("Level 0 URI",), optional=()).height


# --- tables ----------------------------------------------------------------------------------
def _concepts(
    frames: dict[ConceptKind, pl.DataFrame], hierarchy_codes: pl.DataFrame | None
) -> pl.DataFrame:
    def column(frame: pl.DataFrame, name: str) -> pl.Expr:
        return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String)

    parts = []
    for kind, frame in frames.items():
        parts.append(
            frame.select(
                uri=pl.col("conceptUri"),
                kind=pl.lit(kind),
                code=column(frame, "code"),
                isco_group=column(frame, "iscoGroup") if kind == "occupation" else pl.lit(None),
                skill_type=column(frame, "skillType") if kind == "skill" else pl.lit(None),
                reuse_level=column(frame, "reuseLevel") if kind == "skill" else pl.lit(None),
            ).cast(pl.String)
        )
    concepts = pl.concat(parts)
    if hierarchy_codes is not None:
        concepts = (
            concepts.join(hierarchy_codes, on="uri", how="left")
            .with_columns(
                code=pl.when(pl.col("kind") == "skill_group")
                .then(pl.coalesce("code", "hierarchy_code"))
                .otherwise("code")
            )
            .drop("hierarchy_code")
        )
    return concepts


def _hierarchy_codes(csv: _CsvFile) -> pl.DataFrame:
    """uri → code of every skill group named in ``skillsHierarchy``."""
    frame = _read(
        csv,
        ("Level 0 URI",),
        optional=[f"Level {i} {w}" for i in range(4) for w in ("URI", "code")],
    )
    parts = [
        frame.select(uri=pl.col(f"Level {i} URI"), hierarchy_code=pl.col(f"Level {i} code"))
        for i in range(4)
        if f"Level {i} URI" in frame.columns and f"Level {i} code" in frame.columns
    ]
    return (
        pl.concat(parts)
        .drop_nulls()
        .unique(subset="uri", keep="first", maintain_order=True)
        .sort("uri")
    )


def _labels(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    parts = [
        frame.select(
            uri=pl.col("conceptUri"),
            lang=pl.lit(lang),
            label_type=pl.lit(label_type),
            text=pl.col(cell).str.split("\n"),
        )
        .explode("text")
        .with_columns(pl.col("text").str.strip_chars())
        .filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
        for cell, label_type in _LABEL_CELLS
        if cell in frame.columns
    ]
    return pl.concat(parts)


def _descriptions(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    if "description" not in frame.columns:
        return pl.DataFrame(schema={"uri": pl.String, "lang": pl.String, "text": pl.String})
    return frame.select(
        uri=pl.col("conceptUri"), lang=pl.lit(lang), text=pl.col("description")
    ).filter(pl.col("text").is_not_null())


def _isco_fallback(concepts: pl.DataFrame, broader: pl.DataFrame) -> pl.DataFrame:
    """occupation → ISCO unit group (from ``iscoGroup``) for occupations with no broader row."""
    groups = concepts.filter(pl.col("kind") == "isco_group").select(
        broader_uri="uri", isco_group="code"
    )
    return (
        concepts.filter(
            (pl.col("kind") == "occupation") & ~pl.col("uri").is_in(broader["uri"].implode())
        )
        .join(groups, on="isco_group", how="inner")
        .select("uri", "broader_uri")
    )


# --- provenance ------------------------------------------------------------------------------
def _source_notes(root: Path) -> dict[str, str]:
    """Versions named in ``SOURCE.md``: "" → the main set, else language folder → version.

    A section (``## ...``) that names a language folder such as (`fr/`) gives the first
    version it mentions to that folder; the first version mentioned in a section naming no
    folder is the version of the main set.
    """
    path = root / "SOURCE.md"
    if not path.is_file():
        return {}
    notes: dict[str, str] = {}
    for section in re.split(r"^## ", path.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        version = _VERSION_IN_SOURCE.search(section)
        if version is None:
            continue
        heading = section.splitlines()[0]
        folders = _FOLDER_IN_HEADING.findall(heading)
        if folders:
            for folder in folders:
                notes.setdefault(folder, f"v{version.group(1)}")
        elif "" not in notes:
            notes[""] = f"v{version.group(1)}"
    return notes


def _label_source_note(csv: _CsvFile) -> str:
    """For a derived label file with a ``labelSource`` column: how many rows from which source."""
    if not csv.stem.lower().endswith("_labels_merged"):
        return ""
    try:
        counts = (
            pl.read_csv(csv.path, infer_schema=False, columns=["labelSource"])
            .group_by("labelSource")
            .len()
            .sort("len", "labelSource", descending=[True, False])
        )
    except pl.exceptions.PolarsError:
        return "derived labels"
    return "derived labels: " + "; ".join(f"{n:,} from {src}" for src, n in counts.iter_rows())
