"""`mobility-match taxonomy`: rebuild the bundled ESCO taxonomy, or describe a bundle.

mobility-match taxonomy build --from DIR [--out FILE] [--version TEXT] [--lang LANG ...]
mobility-match taxonomy info [--file FILE] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from skills_taxonomy.importer import import_esco
from skills_taxonomy.taxonomy import BUNDLED_PATH, CONCEPT_KINDS, LABEL_TYPES, Taxonomy

__all__ = ["ESCO_NOTICE", "register"]

#: The statement the ESCO portal asks re-users to show (ESCO download and API notice).
ESCO_NOTICE = (
    "This service uses the ESCO classification of the European Commission "
    "(© European Union; derived label files are marked 'derived labels' above)."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "taxonomy",
        help="build or describe the ESCO taxonomy bundle",
        description="Build the compact ESCO bundle from an official CSV export, or describe one.",
    )
    commands = parser.add_subparsers(dest="taxonomy_command", metavar="ACTION", required=True)

    build = commands.add_parser(
        "build",
        help="import an ESCO CSV export and write a bundle",
        description="Import an official ESCO CSV export (plain or .gz files, language files "
        "in the folder or in per-language subfolders) and write a bundle.",
    )
    build.add_argument(
        "--from", dest="source", required=True, metavar="DIR", help="the ESCO export folder"
    )
    build.add_argument(
        "--out",
        type=Path,
        default=BUNDLED_PATH,
        metavar="FILE",
        help="bundle to write (default: the copy shipped with the package)",
    )
    build.add_argument(
        "--version",
        dest="esco_version",
        metavar="TEXT",
        help='ESCO version, e.g. "1.1.1" (default: read from DIR/SOURCE.md, else unknown)',
    )
    build.add_argument(
        "--lang",
        dest="languages",
        action="append",
        metavar="LANG",
        help="label language to import besides English (repeatable; default: all found)",
    )
    build.set_defaults(handler=_build)

    info = commands.add_parser(
        "info",
        help="print version, concept counts and label counts of a bundle",
        description="Print the version, concept counts per kind and label counts per language "
        "and label type of a bundle.",
    )
    info.add_argument(
        "--file", type=Path, default=None, metavar="FILE", help="bundle (default: the shipped one)"
    )
    info.add_argument("--json", action="store_true", help="print the statistics as JSON")
    info.set_defaults(handler=_info)


def _build(args: argparse.Namespace) -> int:
    taxonomy = import_esco(args.source, languages=args.languages, version=args.esco_version)
    out: Path = args.out
    taxonomy.save(out)
    stats = taxonomy.stats()
    concepts = stats["concepts"]
    assert isinstance(concepts, dict)
    print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): {taxonomy.version}, "
        + ", ".join(f"{n:,} {kind}" for kind, n in concepts.items())
        + f"; languages {', '.join(taxonomy.languages())}"
    )
    for source, n in taxonomy.dropped.items():
        print(f"dropped {n:,} rows of {source} (concepts not in the base set)")
    return 0


def _info(args: argparse.Namespace) -> int:
    path: Path = args.file or BUNDLED_PATH
    taxonomy = Taxonomy.load(path) if args.file else Taxonomy.load_bundled()
    stats = taxonomy.stats()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    print("\n".join(_describe(stats, path=path)))
    return 0


def _describe(stats: dict[str, object], *, path: Path) -> list[str]:
    concepts = stats["concepts"]
    labels = stats["labels"]
    descriptions = stats["descriptions"]
    pairs = stats["occupation_skills"]
    assert isinstance(concepts, dict) and isinstance(labels, dict)
    assert isinstance(descriptions, dict) and isinstance(pairs, dict)
    lines = [f"{stats['version']}  ({path}, {path.stat().st_size / 1e6:.1f} MB)", "concepts:"]
    lines += [f"  {kind:<12} {concepts.get(kind, 0):>8,}" for kind in CONCEPT_KINDS]
    lines.append("labels:        " + "".join(f"{t:>12}" for t in (*LABEL_TYPES, "total")))
    for lang, counts in labels.items():
        row = "".join(f"{counts.get(t, 0):>12,}" for t in (*LABEL_TYPES, "total"))
        lines.append(f"  {lang:<12}{row}")
    lines.append("descriptions:  " + ", ".join(f"{lang} {n:,}" for lang, n in descriptions.items()))
    lines.append(
        f"relations:     broader {stats['broader_relations']:,}; occupation-skill "
        f"{sum(pairs.values()):,} ({pairs.get('essential', 0):,} essential, "
        f"{pairs.get('optional', 0):,} optional); skill-skill {stats['skill_relations']:,}"
    )
    dropped = stats["dropped"]
    if isinstance(dropped, dict) and dropped:
        lines.append("dropped at import (URIs not in the base concept set):")
        lines += [f"  {source}: {n:,} rows" for source, n in dropped.items()]
    sources = stats["sources"]
    if isinstance(sources, list) and sources:
        lines.append("sources:")
        lines += [f"  {source}" for source in sources]
    lines.append(ESCO_NOTICE)
    return lines
