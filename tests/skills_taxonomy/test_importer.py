from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import polars as pl
import pytest

from skills_taxonomy.errors import TaxonomyFormatError
from skills_taxonomy.importer import UNKNOWN_VERSION, import_esco, normalise_version
from tests.skills_taxonomy.esco_fixture import (
    C7,
    C72,
    C721,
    C7212,
    G_METAL,
    G_ROOT,
    O_FITTER,
    O_PIPE,
    O_WELDER,
    S_METAL,
    S_ODD,
    S_WELD,
    write_csv,
    write_export,
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "esco")


def rows(frame: pl.DataFrame) -> set[tuple[str | None, ...]]:
    return set(frame.iter_rows())


def test_concepts_are_read_exactly(export: Path) -> None:
    taxonomy = import_esco(export)
    assert taxonomy.concepts.rows() == [
        (C7, "isco_group", "7", None, None, None),
        (C72, "isco_group", "72", None, None, None),
        (C721, "isco_group", "721", None, None, None),
        (C7212, "isco_group", "7212", None, None, None),
        (O_FITTER, "occupation", "7212.2", "7212", None, None),
        (O_PIPE, "occupation", "7212.1.1", "7212", None, None),
        (O_WELDER, "occupation", "7212.1", "7212", None, None),
        # the empty code cell is filled from skillsHierarchy
        (G_METAL, "skill_group", "S6", None, None, None),
        (G_ROOT, "skill_group", "S", None, None, None),
        (S_METAL, "skill", None, None, "knowledge", "cross-sector"),
        (S_ODD, "skill", None, None, None, None),
        (S_WELD, "skill", None, None, "skill/competence", "sector-specific"),
    ]


def test_labels_of_every_type_and_language_are_read_exactly(export: Path) -> None:
    labels = import_esco(export).labels
    preferred_en = {
        (C7, "Craft and related trades workers"),
        (C72, "Metal trades workers"),
        (C721, "Sheet metal workers"),
        (C7212, "Welders and flamecutters"),
        (O_FITTER, "pipe fitter"),
        (O_PIPE, "pipe welder"),
        (O_WELDER, "welder"),
        (G_METAL, "working with metal"),
        (G_ROOT, "skills"),
        (S_METAL, "metallurgy"),
        (S_ODD, "odd skill"),
        (S_WELD, "weld metal parts"),
    }
    assert rows(labels) == {(uri, "en", "preferred", text) for uri, text in preferred_en} | {
        # a multi-line quoted altLabels cell gives one label per line
        (S_WELD, "en", "alternative", "join metal parts"),
        (S_WELD, "en", "alternative", "weld metal"),
        (S_WELD, "en", "hidden", "wleding"),
        (O_WELDER, "en", "alternative", "welding operative"),
        (O_WELDER, "en", "alternative", "welding worker"),
        (O_WELDER, "fr", "preferred", "soudeur/soudeuse"),
        (O_WELDER, "fr", "alternative", "soudeur"),
        (O_WELDER, "fr", "alternative", "soudeuse"),
        (S_WELD, "fr", "preferred", "souder des pièces métalliques"),
        (S_WELD, "fr", "alternative", "souder"),
        (O_WELDER, "ar", "preferred", "عامل لحام / عاملة لحام"),
    }


def test_descriptions_are_read_per_language(export: Path) -> None:
    assert rows(import_esco(export).descriptions) == {
        (S_WELD, "en", "Join metal parts by welding."),
        (S_METAL, "en", "The science of metals."),
        (O_WELDER, "en", "Welders join metal."),
        (O_PIPE, "en", "Pipe welders weld pipes."),
        (G_METAL, "en", "Shaping metal."),
        (O_WELDER, "fr", "Les soudeurs assemblent des métaux."),
    }


def test_relations_keep_known_concepts_and_count_what_was_dropped(export: Path) -> None:
    taxonomy = import_esco(export)
    assert rows(taxonomy.broader_relations) == {
        (S_WELD, G_METAL),
        (S_METAL, G_METAL),
        (S_ODD, S_WELD),
        (G_METAL, G_ROOT),
        (O_WELDER, C7212),
        (O_PIPE, O_WELDER),
        (C7212, C721),
        (C721, C72),
        (C72, C7),
        # no broader row: linked to its ISCO unit group through the iscoGroup column
        (O_FITTER, C7212),
    }
    assert rows(taxonomy.occupation_skills) == {
        (O_WELDER, S_WELD, "essential"),
        (O_WELDER, S_METAL, "optional"),
        (O_PIPE, S_WELD, "essential"),
    }
    assert rows(taxonomy.skill_relations) == {(S_WELD, S_METAL, "optional")}
    assert taxonomy.dropped == {
        "broaderRelationsSkillPillar.csv": 1,
        "fr/occupations_fr.csv.gz": 1,
        "occupationSkillRelations.csv.gz": 1,
    }


def test_sources_name_every_file_read(export: Path) -> None:
    sources = import_esco(export).sources
    assert [s.split(":")[0] for s in sources] == [
        "skills_en.csv",
        "occupations_en.csv.gz",
        "ISCOGroups_en.csv",
        "skillGroups_en.csv",
        "skillsHierarchy_en.csv",
        "ar/occupations_ar_v1.0.x.csv",
        "fr/skills_fr_labels_merged.csv.gz",
        "fr/occupations_fr.csv.gz",
        "broaderRelationsSkillPillar.csv",
        "broaderRelationsOccPillar.csv.gz",
        "occupationSkillRelations.csv.gz",
        "skillSkillRelations.csv",
    ]
    assert "ESCO v1.0.x" in sources[5]  # the version in the file name
    assert "derived labels: 1 from api" in sources[6]


@pytest.mark.parametrize(
    ("languages", "expected"),
    [(None, ("ar", "en", "fr")), (["fr"], ("en", "fr")), ([], ("en",)), (["de"], ("en",))],
)
def test_label_languages_can_be_chosen(
    export: Path, languages: list[str] | None, expected: tuple[str, ...]
) -> None:
    taxonomy = import_esco(export, languages=languages)
    assert taxonomy.languages() == expected
    assert taxonomy.concepts.height == 12  # concepts always come from the base language


def test_description_languages_can_be_chosen(export: Path) -> None:
    taxonomy = import_esco(export, description_languages=["FR"])
    assert rows(taxonomy.descriptions) == {(O_WELDER, "fr", "Les soudeurs assemblent des métaux.")}
    assert import_esco(export, description_languages=[]).descriptions.is_empty()


def test_language_files_may_sit_in_the_top_folder(export: Path) -> None:
    shutil.move(export / "fr" / "occupations_fr.csv.gz", export / "occupations_fr.csv.gz")
    labels = import_esco(export).labels
    assert (O_WELDER, "fr", "preferred", "soudeur/soudeuse") in rows(labels)


def test_the_official_file_name_wins_over_the_merged_one(export: Path) -> None:
    write_csv(
        export / "fr" / "skills_fr.csv",
        ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel"],
        [["KnowledgeSkillCompetence", S_WELD, "skill/competence", "", "souder"]],
    )
    fr = import_esco(export).labels.filter(pl.col("lang") == "fr", pl.col("uri") == S_WELD)
    assert rows(fr) == {(S_WELD, "fr", "preferred", "souder")}


def test_a_byte_order_mark_is_ignored(export: Path) -> None:
    path = export / "skillSkillRelations.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert import_esco(export).skill_relations.height == 1


@pytest.mark.parametrize(
    "name",
    [
        "skills_en.csv",
        "occupations_en.csv.gz",
        "ISCOGroups_en.csv",
        "skillGroups_en.csv",
        "broaderRelationsSkillPillar.csv",
        "broaderRelationsOccPillar.csv.gz",
        "occupationSkillRelations.csv.gz",
        "skillSkillRelations.csv",
    ],
)
def test_a_missing_required_file_is_named(export: Path, name: str) -> None:
    (export / name).unlink()
    stem = name.split(".")[0]
    with pytest.raises(TaxonomyFormatError, match=rf"missing required file {stem}\.csv"):
        import_esco(export)


def test_relation_files_may_carry_the_language_suffix(export: Path) -> None:
    shutil.move(
        export / "occupationSkillRelations.csv.gz", export / "occupationSkillRelations_en.csv.gz"
    )
    taxonomy = import_esco(export)
    assert taxonomy.occupation_skills.height == 3
    assert "occupationSkillRelations_en.csv.gz" in taxonomy.dropped


def test_the_hierarchy_file_is_optional(export: Path) -> None:
    (export / "skillsHierarchy_en.csv").unlink()
    assert import_esco(export).concept(G_METAL).code is None


def test_a_missing_column_is_named_with_its_file(export: Path) -> None:
    path = export / "occupations_en.csv.gz"
    text = gzip.decompress(path.read_bytes()).decode()
    path.write_bytes(gzip.compress(text.replace("iscoGroup", "iscoGruppe", 1).encode()))
    with pytest.raises(
        TaxonomyFormatError, match=r"occupations_en\.csv\.gz: missing column 'iscoGroup'"
    ):
        import_esco(export)


def test_a_missing_column_of_a_language_file_is_named(export: Path) -> None:
    write_csv(export / "de" / "occupations_de.csv", ["conceptUri", "label"], [[O_WELDER, "x"]])
    with pytest.raises(
        TaxonomyFormatError, match=r"de/occupations_de\.csv: missing column 'preferredLabel'"
    ):
        import_esco(export)


def test_an_unknown_relation_type_is_named(export: Path) -> None:
    write_csv(
        export / "occupationSkillRelations.csv.gz",
        ["occupationUri", "relationType", "skillType", "skillUri"],
        [[O_WELDER, "mandatory", "skill/competence", S_WELD]],
    )
    with pytest.raises(TaxonomyFormatError, match=r"occupationSkillRelations.*'mandatory'"):
        import_esco(export)


def test_a_file_in_two_forms_is_ambiguous(export: Path) -> None:
    shutil.copy(export / "skills_en.csv", export / "fr" / "skills_en.csv")
    with pytest.raises(TaxonomyFormatError, match="ambiguous ESCO files for skills_en"):
        import_esco(export)


def test_a_duplicated_concept_is_named(export: Path) -> None:
    path = export / "ISCOGroups_en.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(TaxonomyFormatError, match=r"ISCOGroups_en\.csv: '.*isco/C7' appears"):
        import_esco(export)


def test_a_file_that_is_not_csv_is_named(export: Path) -> None:
    (export / "skillSkillRelations.csv").write_bytes(b"\xff\xfe\x00garbage\n\x00\xff")
    with pytest.raises(TaxonomyFormatError, match=r"skillSkillRelations\.csv"):
        import_esco(export)


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyFormatError, match="does not exist"):
        import_esco(tmp_path / "nowhere")


def test_version_defaults_to_unknown_and_can_be_given(export: Path) -> None:
    assert import_esco(export).version == UNKNOWN_VERSION
    assert import_esco(export, version="1.1.1").version == "ESCO v1.1.1"


def test_version_and_label_versions_are_read_from_source_md(export: Path) -> None:
    (export / "SOURCE.md").write_text(
        "# ESCO data\n\n## 1. Main set: official ESCO **v1.2.0**\n\ntext\n\n"
        "## 2. Arabic (`ar/`)\n\nno version here\n\n## 3. French (`fr/`)\n\nESCO v1.1.1 files\n"
    )
    taxonomy = import_esco(export)
    assert taxonomy.version == "ESCO v1.2.0"
    notes = {s.split(":")[0]: s for s in taxonomy.sources}
    assert notes["skills_en.csv"].endswith("ESCO v1.2.0")
    assert notes["fr/occupations_fr.csv.gz"].endswith("ESCO v1.1.1")
    assert notes["ar/occupations_ar_v1.0.x.csv"].endswith("ESCO v1.0.x")
    assert "ESCO v" not in notes["fr/skills_fr_labels_merged.csv.gz"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.1.1", "ESCO v1.1.1"),
        ("v1.2", "ESCO v1.2"),
        ("ESCO v1.0.x", "ESCO v1.0.x"),
        (" esco 1.1.1 ", "ESCO v1.1.1"),
        ("my own snapshot", "my own snapshot"),
    ],
)
def test_normalise_version(text: str, expected: str) -> None:
    assert normalise_version(text) == expected


def test_the_import_does_not_depend_on_row_order(export: Path, tmp_path: Path) -> None:
    first = import_esco(export)
    path = export / "skills_en.csv"
    header, *body = path.read_text().rstrip("\n").split("\nKnowledgeSkillCompetence,")
    path.write_text("\nKnowledgeSkillCompetence,".join([header, *reversed(body)]) + "\n")
    second = import_esco(export)
    assert second.concepts.equals(first.concepts)
    assert second.labels.equals(first.labels)


def test_a_regional_language_variant_is_its_own_language(export: Path) -> None:
    write_csv(
        export / "occupations_en-us.csv",
        ["conceptUri", "preferredLabel", "altLabels"],
        [[O_WELDER, "welder", "welding operator"]],
    )
    taxonomy = import_esco(export, languages=["EN-US"])
    assert taxonomy.languages() == ("en", "en-us")
    assert rows(taxonomy.labels.filter(lang="en-us")) == {
        (O_WELDER, "en-us", "preferred", "welder"),
        (O_WELDER, "en-us", "alternative", "welding operator"),
    }
