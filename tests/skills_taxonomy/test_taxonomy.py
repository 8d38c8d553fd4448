from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills_taxonomy.errors import TaxonomyFormatError, UnknownConceptError
from skills_taxonomy.importer import import_esco
from skills_taxonomy.taxonomy import BUNDLED_PATH, Concept, Label, Taxonomy
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
    write_export,
)

UNKNOWN = "http://data.europa.eu/esco/skill/not-there"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_export(tmp_path_factory.mktemp("esco"))


@pytest.fixture(scope="module")
def taxonomy(export: Path) -> Taxonomy:
    return import_esco(export, version="1.1.1")


def tables(taxonomy: Taxonomy) -> dict[str, pl.DataFrame]:
    return {
        "concepts": taxonomy.concepts,
        "labels": taxonomy.labels,
        "descriptions": taxonomy.descriptions,
        "broader": taxonomy.broader_relations,
        "occupation_skills": taxonomy.occupation_skills,
        "skill_relations": taxonomy.skill_relations,
    }


def rebuild(taxonomy: Taxonomy, **changes: pl.DataFrame) -> Taxonomy:
    """A new taxonomy from the tables of ``taxonomy``, some of them replaced."""
    t = {**tables(taxonomy), **changes}
    return Taxonomy(
        version="x",
        concepts=t["concepts"],
        labels=t["labels"],
        descriptions=t["descriptions"],
        broader=t["broader"],
        occupation_skills=t["occupation_skills"],
        skill_relations=t["skill_relations"],
    )


# --- lookups ---------------------------------------------------------------------------------
def test_concept_lookup(taxonomy: Taxonomy) -> None:
    assert taxonomy.concept(O_WELDER) == Concept(
        uri=O_WELDER,
        kind="occupation",
        code="7212.1",
        isco_group="7212",
        skill_type=None,
        reuse_level=None,
    )
    assert taxonomy.kind_of(S_ODD) == "skill"
    assert S_WELD in taxonomy and UNKNOWN not in taxonomy and 42 not in taxonomy
    assert len(taxonomy) == 12


def test_uri_for_code(taxonomy: Taxonomy) -> None:
    assert taxonomy.uri_for_code("7212", kind="isco_group") == C7212
    assert taxonomy.uri_for_code("7212.1", kind="occupation") == O_WELDER
    assert taxonomy.uri_for_code("S6", kind="skill_group") == G_METAL
    assert taxonomy.uri_for_code("7212", kind="occupation") is None


def test_uris_are_sorted_per_kind_and_index_follows_them(taxonomy: Taxonomy) -> None:
    assert taxonomy.uris("skill") == (S_METAL, S_ODD, S_WELD)
    assert taxonomy.uris("isco_group") == (C7, C72, C721, C7212)
    assert taxonomy.index("occupation") == {O_FITTER: 0, O_PIPE: 1, O_WELDER: 2}
    index = taxonomy.index("skill")
    index.clear()  # a copy: the taxonomy's own index is not touched
    assert taxonomy.index("skill") == {S_METAL: 0, S_ODD: 1, S_WELD: 2}


def test_labels_of_are_ordered_and_filtered(taxonomy: Taxonomy) -> None:
    def label(lang: str, label_type: str, text: str) -> Label:
        return Label(uri=S_WELD, lang=lang, label_type=label_type, text=text)  # type: ignore[arg-type]

    assert taxonomy.labels_of(S_WELD) == (
        label("en", "preferred", "weld metal parts"),
        label("en", "alternative", "join metal parts"),
        label("en", "alternative", "weld metal"),
        label("en", "hidden", "wleding"),
        label("fr", "preferred", "souder des pièces métalliques"),
        label("fr", "alternative", "souder"),
    )
    assert taxonomy.labels_of(S_WELD, lang="fr", label_types=["alternative"]) == (
        label("fr", "alternative", "souder"),
    )
    assert taxonomy.labels_of(S_WELD, lang="ar") == ()


def test_preferred_label_falls_back_to_english(taxonomy: Taxonomy) -> None:
    assert taxonomy.preferred_label(O_WELDER) == "welder"
    assert taxonomy.preferred_label(O_WELDER, lang="fr") == "soudeur/soudeuse"
    assert taxonomy.preferred_label(O_WELDER, lang="ar") == "عامل لحام / عاملة لحام"
    assert taxonomy.preferred_label(O_PIPE, lang="ar") == "pipe welder"


def test_description_has_no_fallback(taxonomy: Taxonomy) -> None:
    assert taxonomy.description(O_WELDER, lang="fr") == "Les soudeurs assemblent des métaux."
    assert taxonomy.description(O_PIPE) == "Pipe welders weld pipes."
    assert taxonomy.description(O_PIPE, lang="fr") is None
    assert taxonomy.description(S_ODD) is None


def test_languages(taxonomy: Taxonomy) -> None:
    assert taxonomy.languages() == ("ar", "en", "fr")


def test_hierarchy(taxonomy: Taxonomy) -> None:
    assert taxonomy.broader(S_ODD) == (S_WELD,)
    assert taxonomy.narrower(G_METAL) == (S_METAL, S_WELD)
    assert taxonomy.narrower(C7212) == (O_FITTER, O_WELDER)
    assert taxonomy.broader(G_ROOT) == ()
    assert taxonomy.ancestors(S_ODD) == (S_WELD, G_METAL, G_ROOT)
    assert taxonomy.ancestors(O_PIPE) == (O_WELDER, C7212, C721, C72, C7)
    assert taxonomy.ancestors(O_FITTER) == (C7212, C721, C72, C7)
    assert taxonomy.ancestors(C7) == ()


def test_occupation_skills_and_related_skills(taxonomy: Taxonomy) -> None:
    assert taxonomy.occupation_skills_of(O_WELDER) == (S_METAL, S_WELD)
    assert taxonomy.occupation_skills_of(O_WELDER, relation="essential") == (S_WELD,)
    assert taxonomy.occupation_skills_of(O_WELDER, relation="optional") == (S_METAL,)
    assert taxonomy.occupation_skills_of(O_FITTER) == ()
    assert taxonomy.occupation_skills_of(S_WELD) == ()  # not an occupation
    assert taxonomy.related_skills(S_WELD) == ((S_METAL, "optional"),)
    assert taxonomy.related_skills(S_METAL) == ()


@pytest.mark.parametrize(
    "lookup",
    [
        lambda t: t.concept(UNKNOWN),
        lambda t: t.kind_of(UNKNOWN),
        lambda t: t.labels_of(UNKNOWN),
        lambda t: t.preferred_label(UNKNOWN),
        lambda t: t.description(UNKNOWN),
        lambda t: t.broader(UNKNOWN),
        lambda t: t.narrower(UNKNOWN),
        lambda t: t.ancestors(UNKNOWN),
        lambda t: t.occupation_skills_of(UNKNOWN),
        lambda t: t.related_skills(UNKNOWN),
    ],
)
def test_unknown_uris_raise(taxonomy: Taxonomy, lookup: Callable[[Taxonomy], object]) -> None:
    with pytest.raises(UnknownConceptError) as info:
        lookup(taxonomy)
    assert info.value.uri == UNKNOWN


def test_stats(taxonomy: Taxonomy) -> None:
    stats = taxonomy.stats()
    assert stats["version"] == "ESCO v1.1.1"
    assert stats["concepts"] == {"skill": 3, "occupation": 3, "isco_group": 4, "skill_group": 2}
    assert stats["labels"] == {
        "ar": {"preferred": 1, "total": 1},
        "en": {"alternative": 4, "hidden": 1, "preferred": 12, "total": 17},
        "fr": {"alternative": 3, "preferred": 2, "total": 5},
    }
    assert stats["descriptions"] == {"en": 5, "fr": 1}
    assert stats["occupation_skills"] == {"essential": 2, "optional": 1}
    assert stats["broader_relations"] == 10
    assert stats["skill_relations"] == 1
    assert stats["dropped"] == taxonomy.dropped


def test_a_cycle_in_the_hierarchy_does_not_loop(taxonomy: Taxonomy) -> None:
    t = tables(taxonomy)
    t["broader"] = pl.concat(
        [t["broader"], pl.DataFrame({"uri": [G_ROOT], "broader_uri": [S_ODD]})]
    )
    cyclic = rebuild(taxonomy, broader=t["broader"])
    assert cyclic.ancestors(S_ODD) == (S_WELD, G_METAL, G_ROOT)


# --- construction checks ---------------------------------------------------------------------
def test_tables_are_checked_at_construction(taxonomy: Taxonomy) -> None:
    def build(**changes: pl.DataFrame) -> Taxonomy:
        return rebuild(taxonomy, **changes)

    concepts = taxonomy.concepts
    with pytest.raises(TaxonomyFormatError, match="'concepts': missing column 'kind'"):
        build(concepts=concepts.drop("kind"))
    with pytest.raises(TaxonomyFormatError, match="'kind' holds 'job'"):
        build(concepts=concepts.with_columns(kind=pl.lit("job")))
    with pytest.raises(TaxonomyFormatError, match="appears twice"):
        build(concepts=pl.concat([concepts, concepts.head(1)]))
    with pytest.raises(TaxonomyFormatError, match=r"'skill_uri' refers to .*not-there"):
        build(
            occupation_skills=pl.DataFrame(
                {"occupation_uri": [O_WELDER], "skill_uri": [UNKNOWN], "relation": ["essential"]}
            )
        )
    with pytest.raises(TaxonomyFormatError, match="'text' holds nulls"):
        build(labels=taxonomy.labels.with_columns(text=pl.lit(None, dtype=pl.String)))
    with pytest.raises(TaxonomyFormatError, match="'code' must hold strings, got Int"):
        build(concepts=concepts.with_columns(code=pl.lit(1)))


# --- bundle ----------------------------------------------------------------------------------
def test_save_and_load_roundtrip(taxonomy: Taxonomy, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    taxonomy.save(path)
    loaded = Taxonomy.load(path)
    assert loaded.version == taxonomy.version
    assert loaded.sources == taxonomy.sources
    assert loaded.dropped == taxonomy.dropped
    for name, table in tables(taxonomy).items():
        assert tables(loaded)[name].sort(pl.all()).equals(table.sort(pl.all())), name
    assert loaded.ancestors(O_PIPE) == taxonomy.ancestors(O_PIPE)


def test_rebuilding_gives_identical_bytes(export: Path, tmp_path: Path) -> None:
    first, second, third = (tmp_path / f"{n}.zip" for n in range(3))
    import_esco(export, version="1.1.1").save(first)
    import_esco(export, version="1.1.1").save(second)
    Taxonomy.load(first).save(third)
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()


def test_a_bad_bundle_is_named(tmp_path: Path, taxonomy: Taxonomy) -> None:
    with pytest.raises(TaxonomyFormatError, match="no such file"):
        Taxonomy.load(tmp_path / "absent.zip")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(TaxonomyFormatError, match=r"junk\.zip: unreadable"):
        Taxonomy.load(tmp_path / "junk.zip")
    with zipfile.ZipFile(tmp_path / "partial.zip", "w") as archive:
        archive.writestr("meta.json", "{}")
    with pytest.raises(TaxonomyFormatError, match=r"no entry 'concepts\.parquet'"):
        Taxonomy.load(tmp_path / "partial.zip")


# --- the bundled taxonomy --------------------------------------------------------------------
WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"


@pytest.fixture(scope="module")
def bundled() -> Taxonomy:
    return Taxonomy.load_bundled()


def test_bundled_is_cached_and_small(bundled: Taxonomy) -> None:
    assert Taxonomy.load_bundled() is bundled
    assert BUNDLED_PATH.stat().st_size < 12_000_000


def test_bundled_counts(bundled: Taxonomy) -> None:
    stats = bundled.stats()
    assert bundled.version == "ESCO v1.1.1"
    assert stats["concepts"] == {
        "skill": 13_896,
        "occupation": 3_007,
        "isco_group": 619,
        "skill_group": 640,
    }
    assert bundled.concepts.filter(pl.col("skill_type").is_null(), kind="skill").height == 6
    # 123,855 rows in occupationSkillRelations; 67 name an occupation absent from v1.1.1
    assert stats["occupation_skills"] == {"essential": 64_891, "optional": 58_897}
    assert bundled.dropped["occupationSkillRelations.csv.gz"] == 67
    assert 64_891 + 58_897 + 67 == 123_855
    assert stats["skill_relations"] == 5_899
    assert bundled.languages() == ("ar", "de", "en", "es", "fr")
    labels = stats["labels"]
    assert isinstance(labels, dict)
    assert labels["en"]["preferred"] == 13_896 + 3_007 + 619 + 640
    assert labels["en"]["hidden"] > 0
    assert labels["fr"]["preferred"] == 13_384 + 3_007 + 619 + 640


def test_bundled_sources_note_label_versions(bundled: Taxonomy) -> None:
    sources = {s.split(":")[0]: s for s in bundled.sources}
    assert sources["ar/occupations_ar_v1.0.x.csv.gz"].endswith("ESCO v1.0.x")
    assert sources["de/occupations_de.csv.gz"].endswith("ESCO v1.2.0")
    assert sources["es/occupations_es.csv.gz"].endswith("ESCO v1.2.0")
    assert sources["fr/occupations_fr.csv.gz"].endswith("ESCO v1.1.1")
    assert "derived labels" in sources["fr/skills_fr_labels_merged.csv.gz"]


def test_bundled_welder(bundled: Taxonomy) -> None:
    welder = bundled.concept(WELDER)
    assert (welder.kind, welder.isco_group) == ("occupation", "7212")
    assert bundled.preferred_label(WELDER) == "welder"
    assert bundled.preferred_label(WELDER, lang="fr") == "soudeur/soudeuse"
    assert bundled.labels_of(WELDER, lang="ar", label_types=["preferred"])
    assert bundled.labels_of(WELDER, lang="de") and bundled.labels_of(WELDER, lang="es")
    assert bundled.description(WELDER) and bundled.description(WELDER, lang="fr")
    essential = bundled.occupation_skills_of(WELDER, relation="essential")
    assert essential and all(bundled.kind_of(s) == "skill" for s in essential)
    assert bundled.uri_for_code("7212", kind="isco_group") in bundled.broader(WELDER)
    isco = [a for a in bundled.ancestors(WELDER) if bundled.kind_of(a) == "isco_group"]
    assert [bundled.concept(a).code for a in isco] == ["7212", "721", "72", "7"]


def test_bundled_hierarchy_reaches_groups(bundled: Taxonomy) -> None:
    kinds = {uri: kind for uri, kind in bundled.concepts.select("uri", "kind").iter_rows()}
    for uri in bundled.uris("skill")[::97]:
        assert any(kinds[a] == "skill_group" for a in bundled.ancestors(uri)), uri
    for uri in bundled.uris("occupation")[::23]:
        assert any(kinds[a] == "isco_group" for a in bundled.ancestors(uri)), uri


def test_tables_handed_out_are_copies(taxonomy: Taxonomy) -> None:
    labels = taxonomy.labels
    labels.insert_column(0, pl.Series("extra", [0] * labels.height))
    assert taxonomy.labels.columns == ["uri", "lang", "label_type", "text"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30))
def test_ancestors_are_the_reachable_concepts_nearest_first(
    taxonomy: Taxonomy, edges: list[tuple[int, int]]
) -> None:
    uris = sorted(taxonomy.concepts["uri"].to_list())
    pairs = sorted({(uris[a], uris[b]) for a, b in edges})
    broader = pl.DataFrame(pairs, schema=["uri", "broader_uri"], orient="row")
    graph = rebuild(taxonomy, broader=broader)
    parents: dict[str, set[str]] = {}
    for child, parent in pairs:
        parents.setdefault(child, set()).add(parent)
    for uri in uris:
        depth = {uri: 0}  # breadth-first distances: the oracle
        frontier = [uri]
        while frontier:
            step = []
            for node in frontier:
                for parent in sorted(parents.get(node, ())):
                    if parent not in depth:
                        depth[parent] = depth[node] + 1
                        step.append(parent)
            frontier = step
        found = graph.ancestors(uri)
        assert set(found) == set(depth) - {uri}
        assert len(found) == len(set(found))
        assert [depth[a] for a in found] == sorted(depth[a] for a in found)
        assert graph.broader(uri) == tuple(sorted(parents.get(uri, ())))
