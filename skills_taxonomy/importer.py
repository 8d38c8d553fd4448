"""Import the official ESCO CSV export (any 1.x version, any set of language files).

The export is a folder of CSV files, plain (``.csv``) or gzip-compressed (``.csv.gz``), in the
folder itself or in per-language subfolders. Multi-value cells (altLabels, hiddenLabels) hold
one value per line inside a quoted field.

* The **base language** (English by default) defines the concepts: ``skills_en``,
  ``occupations_en``, ``ISCOGroups_en`` and ``skillGroups_en`` are required, with their labels
  and descriptions; ``skillsHierarchy_en`` is optional (it fills missing skill-group codes).
* The language-independent relation files are required: ``broaderRelationsSkillPillar``,
  ``broaderRelationsOccPillar``, ``occupationSkillRelations``, ``skillSkillRelations`` (or
  the same names with the base-language suffix, as per-language downloads name them). An
  occupation with no broader row is linked to its ISCO unit group through ``iscoGroup``.
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
from pathlib import Path

import polars as pl

from skills_taxonomy.errors import TaxonomyFormatError
from skills_taxonomy.esco_files import CsvFile, EscoFolder
from skills_taxonomy.taxonomy import UNKNOWN_VERSION, ConceptKind, Taxonomy

__all__ = ["UNKNOWN_VERSION", "import_esco", "normalise_version"]

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
_VERSION_TEXT = re.compile(r"^(?:ESCO\s*)?v?(\d+\.\d+(?:\.(?:\d+|x))?)$", re.IGNORECASE)


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
    export = EscoFolder(folder)
    log = _Provenance(export.source_notes())
    concepts, base_frames = _read_concepts(export, base_language, log)

    chosen = None if languages is None else {lang.lower() for lang in languages}
    others = [
        lang
        for lang in export.languages()
        if lang != base_language and (chosen is None or lang in chosen)
    ]
    described = (
        None if description_languages is None else {x.lower() for x in description_languages}
    )
    label_frames: list[pl.DataFrame] = []
    description_frames = [_descriptions(pl.DataFrame(), base_language)]  # never empty
    for lang in [base_language, *others]:
        frames = base_frames if lang == base_language else _read_labels(export, lang, concepts, log)
        for frame in frames:
            label_frames.append(_labels(frame, lang))
            if described is None or lang in described:
                description_frames.append(_descriptions(frame, lang))

    relations = _read_relations(export, base_language, concepts["uri"], log)
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
    if version:
        version = normalise_version(version)
    return Taxonomy(
        version=version or (f"ESCO {log.notes['']}" if "" in log.notes else UNKNOWN_VERSION),
        concepts=concepts.sort("uri"),
        labels=pl.concat(label_frames).unique().sort(pl.all()),
        descriptions=pl.concat(description_frames).unique().sort(pl.all()),
        broader=broader.sort(pl.all()),
        occupation_skills=occupation_skills.unique().sort(pl.all()),
        skill_relations=skill_relations.unique().sort(pl.all()),
        sources=log.sources,
        dropped=log.dropped,
    )


def normalise_version(text: str) -> str:
    """'1.1.1', 'v1.1.1' and 'ESCO v1.1.1' all become 'ESCO v1.1.1'; other text is kept."""
    match = _VERSION_TEXT.match(text.strip())
    return f"ESCO v{match.group(1)}" if match else text.strip()


class _Provenance:
    """What was read from which file (``Taxonomy.sources``) and what was dropped."""

    def __init__(self, notes: dict[str, str]) -> None:
        self.notes = notes
        self.sources: list[str] = []
        self.dropped: dict[str, int] = {}

    def read(self, csv: CsvFile, what: str, rows: int, *, lang: str | None = None) -> None:
        release = csv.release or self.notes.get(lang or "", self.notes.get("", ""))
        line = f"{csv.name}: {what}, {rows:,} rows"
        if csv.is_derived:
            line += f" ({csv.label_sources()})"
        elif release:
            line += f", ESCO {release}"
        self.sources.append(line)

    def keep(self, csv: CsvFile, frame: pl.DataFrame, known: pl.Expr) -> pl.DataFrame:
        """The rows of ``frame`` where ``known`` holds; the others are counted as dropped."""
        kept = frame.filter(known)
        if kept.height != frame.height:
            self.dropped[csv.name] = frame.height - kept.height
        return kept


# --- reading ---------------------------------------------------------------------------------
def _read_concepts(
    export: EscoFolder, lang: str, log: _Provenance
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The concepts table, and the base-language frames (their labels and descriptions)."""
    frames: dict[ConceptKind, pl.DataFrame] = {}
    for kind, stem in _CONCEPT_STEMS.items():
        csv = export.require(stem, lang)
        frame = csv.read(_BASE_COLUMNS[kind], optional=(*_OPTIONAL_TEXT, "code"))
        duplicated = frame.filter(pl.col("conceptUri").is_duplicated())["conceptUri"]
        if len(duplicated) or frame["conceptUri"].null_count():
            what = repr(duplicated[0]) if len(duplicated) else "an empty conceptUri"
            raise TaxonomyFormatError(f"{csv.name}: {what} appears more than once")
        frames[kind] = frame
        log.read(csv, f"{kind} concepts and {lang} labels", frame.height, lang=lang)
    hierarchy = export.find("skillsHierarchy", lang)
    codes = None
    if hierarchy is not None:
        levels = [f"Level {i} {w}" for i in range(4) for w in ("URI", "code")]
        frame = hierarchy.read(("Level 0 URI",), optional=levels)
        codes = _hierarchy_codes(frame)
        log.read(hierarchy, "skill-group codes", frame.height, lang=lang)
    concepts = _concepts(frames, codes)
    duplicated = concepts.filter(pl.col("uri").is_duplicated())["uri"]
    if len(duplicated):
        raise TaxonomyFormatError(f"concept URI {duplicated[0]!r} appears in two concept files")
    return concepts, list(frames.values())


def _read_labels(
    export: EscoFolder, lang: str, concepts: pl.DataFrame, log: _Provenance
) -> list[pl.DataFrame]:
    """The label files of one more language, limited to concepts of the right kind."""
    frames = []
    for kind, stem in _CONCEPT_STEMS.items():
        csv = export.find(stem, lang)
        if csv is None:
            continue
        uris = concepts.filter(pl.col("kind") == kind)["uri"]
        frame = csv.read(_LABEL_COLUMNS, optional=_OPTIONAL_TEXT)
        frame = log.keep(csv, frame, pl.col("conceptUri").is_in(uris.implode()))
        log.read(csv, f"{lang} {kind} labels", frame.height, lang=lang)
        frames.append(frame)
    return frames


def _read_relations(
    export: EscoFolder, lang: str, uris: pl.Series, log: _Provenance
) -> dict[str, pl.DataFrame]:
    """Each relation file, limited to rows between known concepts.

    The language-independent name (``occupationSkillRelations``) is looked for first, then the
    name the per-language downloads use (``occupationSkillRelations_en``, with label columns).
    """
    relations = {}
    for stem, (subject, obj, relation) in _RELATION_FILES.items():
        csv = export.find(stem) or export.find(stem, lang)
        if csv is None:
            raise TaxonomyFormatError(
                f"missing required file {stem}.csv (or {stem}.csv.gz, {stem}_{lang}.csv)"
            )
        frame = csv.read((subject, obj) + ((relation,) if relation else ()))
        if relation is not None:
            bad = frame.filter(~pl.col(relation).is_in(["essential", "optional"]))[relation]
            if len(bad):
                raise TaxonomyFormatError(
                    f"{csv.name}: column {relation!r} holds {bad[0]!r}; "
                    "expected essential or optional"
                )
        log.read(csv, "relations", frame.height)
        known = pl.col(subject).is_in(uris.implode()) & pl.col(obj).is_in(uris.implode())
        relations[stem] = log.keep(csv, frame, known)
    return relations


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


def _hierarchy_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """uri → code of every skill group named in the ``skillsHierarchy`` file."""
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
