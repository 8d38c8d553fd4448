"""A tiny hand-written export in the official ESCO CSV layout, for importer and taxonomy tests.

Concepts (English): three skills (one with an empty skillType), three occupations (a welder,
a pipe welder narrower than it, and a pipe fitter with no broader row, linked to its ISCO
group only through ``iscoGroup``), four ISCO groups (7 → 72 → 721 → 7212), two skill groups.
French labels come from an official ``occupations_fr`` and the derived merged skill file,
Arabic from a versioned ``occupations_ar_v1.0.x`` file. Relations and the French file
mention URIs that are not concepts (as files from another ESCO version do).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from pathlib import Path

__all__ = ["ESCO", "write_csv", "write_export"]

ESCO = "http://data.europa.eu/esco/"
S_WELD = ESCO + "skill/s-weld"
S_METAL = ESCO + "skill/s-metal"
S_ODD = ESCO + "skill/s-odd"
G_METAL = ESCO + "skill/g-metal"
G_ROOT = ESCO + "skill/g-root"
G_MISSING = ESCO + "skill/g-missing"
O_WELDER = ESCO + "occupation/o-welder"
O_PIPE = ESCO + "occupation/o-pipe"
O_FITTER = ESCO + "occupation/o-fitter"
O_MISSING = ESCO + "occupation/o-missing"
C7, C72, C721, C7212 = (ESCO + f"isco/C{code}" for code in ("7", "72", "721", "7212"))

SCHEMES = f"{ESCO}concept-scheme/skills,\n{ESCO}concept-scheme/member-skills"


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """Write an ESCO-style CSV (quoted where needed, '\\n' inside cells); gzip if *.gz."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def write_export(root: Path) -> Path:
    """Write the whole fixture export under ``root`` and return ``root``."""
    skill_cols = [
        "conceptType",
        "conceptUri",
        "skillType",
        "reuseLevel",
        "preferredLabel",
        "altLabels",
        "hiddenLabels",
        "status",
        "modifiedDate",
        "scopeNote",
        "definition",
        "inScheme",
        "description",
    ]
    ksc = "KnowledgeSkillCompetence"
    write_csv(
        root / "skills_en.csv",
        skill_cols,
        [
            [ksc, S_WELD, "skill/competence", "sector-specific", "weld metal parts",
             "join metal parts\nweld metal", "wleding", "released", "", "", "", SCHEMES,
             "Join metal parts by welding."],
            [ksc, S_METAL, "knowledge", "cross-sector", "metallurgy", "", "", "released",
             "", "", "", SCHEMES, "The science of metals."],
            [ksc, S_ODD, "", "", "odd skill", "", "", "released", "", "", "", SCHEMES, ""],
        ],
    )  # fmt: skip
    occ_cols = [
        "conceptType",
        "conceptUri",
        "iscoGroup",
        "preferredLabel",
        "altLabels",
        "hiddenLabels",
        "status",
        "modifiedDate",
        "regulatedProfessionNote",
        "scopeNote",
        "definition",
        "inScheme",
        "description",
        "code",
    ]
    write_csv(
        root / "occupations_en.csv.gz",
        occ_cols,
        [
            ["Occupation", O_WELDER, "7212", "welder", "welding operative\nwelding worker", "",
             "released", "", "", "", "", "", "Welders join metal.", "7212.1"],
            ["Occupation", O_PIPE, "7212", "pipe welder", "", "", "released", "", "", "", "",
             "", "Pipe welders weld pipes.", "7212.1.1"],
            ["Occupation", O_FITTER, "7212", "pipe fitter", "", "", "released", "", "", "", "",
             "", "", "7212.2"],
        ],
    )  # fmt: skip
    write_csv(
        root / "ISCOGroups_en.csv",
        [
            "conceptType",
            "conceptUri",
            "code",
            "preferredLabel",
            "status",
            "altLabels",
            "inScheme",
            "description",
        ],
        [
            ["ISCOGroup", C7, "7", "Craft and related trades workers", "released", "", "", ""],
            ["ISCOGroup", C72, "72", "Metal trades workers", "released", "", "", ""],
            ["ISCOGroup", C721, "721", "Sheet metal workers", "released", "", "", ""],
            ["ISCOGroup", C7212, "7212", "Welders and flamecutters", "released", "", "", ""],
        ],
    )
    group_cols = [
        "conceptType",
        "conceptUri",
        "preferredLabel",
        "altLabels",
        "hiddenLabels",
        "status",
        "modifiedDate",
        "scopeNote",
        "inScheme",
        "description",
        "code",
    ]
    write_csv(
        root / "skillGroups_en.csv",
        group_cols,
        [
            ["SkillGroup", G_METAL, "working with metal", "", "", "released", "", "", "",
             "Shaping metal.", ""],
            ["SkillGroup", G_ROOT, "skills", "", "", "released", "", "", "", "", "S"],
        ],
    )  # fmt: skip
    write_csv(
        root / "skillsHierarchy_en.csv",
        [f"Level {i} {w}" for i in range(4) for w in ("URI", "preferred term")]
        + ["Description", "Scope note"]
        + [f"Level {i} code" for i in range(4)],
        [
            [G_ROOT, "skills", *[""] * 8, "S", "", "", ""],
            [G_ROOT, "skills", G_METAL, "working with metal", *[""] * 6, "S", "S6", "", ""],
        ],
    )
    broader_cols = ["conceptType", "conceptUri", "broaderType", "broaderUri"]
    write_csv(
        root / "broaderRelationsSkillPillar.csv",
        broader_cols,
        [
            [ksc, S_WELD, "SkillGroup", G_METAL],
            [ksc, S_METAL, "SkillGroup", G_METAL],
            [ksc, S_ODD, ksc, S_WELD],
            ["SkillGroup", G_METAL, "SkillGroup", G_ROOT],
            ["SkillGroup", G_MISSING, "SkillGroup", G_ROOT],
        ],
    )
    write_csv(
        root / "broaderRelationsOccPillar.csv.gz",
        broader_cols,
        [
            ["Occupation", O_WELDER, "ISCOGroup", C7212],
            ["Occupation", O_PIPE, "Occupation", O_WELDER],
            ["ISCOGroup", C7212, "ISCOGroup", C721],
            ["ISCOGroup", C721, "ISCOGroup", C72],
            ["ISCOGroup", C72, "ISCOGroup", C7],
        ],
    )
    write_csv(
        root / "occupationSkillRelations.csv.gz",
        ["occupationUri", "relationType", "skillType", "skillUri"],
        [
            [O_WELDER, "essential", "skill/competence", S_WELD],
            [O_WELDER, "optional", "knowledge", S_METAL],
            [O_PIPE, "essential", "skill/competence", S_WELD],
            [O_MISSING, "essential", "skill/competence", S_WELD],
        ],
    )
    write_csv(
        root / "skillSkillRelations.csv",
        ["originalSkillUri", "originalSkillType", "relationType", "relatedSkillType",
         "relatedSkillUri"],
        [[S_WELD, "skill/competence", "optional", "knowledge", S_METAL]],
    )  # fmt: skip
    write_csv(
        root / "fr" / "occupations_fr.csv.gz",
        occ_cols,
        [
            ["Occupation", O_WELDER, "7212", "soudeur/soudeuse", "soudeur\nsoudeuse", "",
             "released", "", "", "", "", "", "Les soudeurs assemblent des métaux.", "7212.1"],
            ["Occupation", O_MISSING, "7212", "inconnu", "", "", "released", "", "", "", "",
             "", "", ""],
        ],
    )  # fmt: skip
    write_csv(
        root / "fr" / "skills_fr_labels_merged.csv.gz",
        ["conceptUri", "skillType", "preferredLabel", "altLabels", "labelSource"],
        [[S_WELD, "skill/competence", "souder des pièces métalliques", "souder", "api"]],
    )
    write_csv(
        root / "ar" / "occupations_ar_v1.0.x.csv",
        occ_cols[:-1],
        [["Occupation", O_WELDER, "7212", "عامل لحام / عاملة لحام", "", "", "released", "", "",
          "", "", "", ""]],
    )  # fmt: skip
    return root
