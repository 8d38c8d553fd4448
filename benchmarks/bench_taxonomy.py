"""Size, load time and memory of the ESCO taxonomy bundle, against importing the raw CSV export.

Run: ``.venv/bin/python -m benchmarks.bench_taxonomy [--from DIR] [--repeat N]``

For each language subset (``en``; ``en+fr``; every language in the export) the export is
imported once and saved as a bundle; then, each in a fresh interpreter (cold, ``--repeat``
times, median reported):

* **baseline** — ``import_esco`` on the raw CSV export (what a start-up would cost without the
  bundle);
* **bundle load** — ``Taxonomy.load`` of the bundle, then the first call of each lazily built
  index (labels, preferred labels, hierarchy, occupation skills);
* peak RSS of the process (``VmHWM``) after each.

Wall and CPU seconds are both printed: on a shared machine the wall time is inflated by the
other processes, the CPU time (all threads of the process) much less.

Then lookup throughput on the loaded full bundle. The benchmark checks its own results: the
loaded bundle must equal the import (same tables) and hold the v1.1.1 counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from skills_taxonomy.importer import import_esco
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["main"]

DEFAULT_ESCO = Path("/work/shared/data/esco")

_PEAK_RSS = """
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
"""

_COLD_IMPORT = (
    _PEAK_RSS
    + """
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from skills_taxonomy.importer import import_esco
w1, c1 = time.perf_counter(), time.process_time()
taxonomy = import_esco(sys.argv[1], languages=json.loads(sys.argv[2]))
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"python_imports": w1 - w0, "import_esco": w2 - w1, "import_esco_cpu": c2 - c1,
                  "rss_mb": peak_rss_mb()}))
"""
)

_COLD_LOAD = (
    _PEAK_RSS
    + """
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
from skills_taxonomy.taxonomy import Taxonomy
w1, c1 = time.perf_counter(), time.process_time()
taxonomy = Taxonomy.load(sys.argv[1])
w2, c2 = time.perf_counter(), time.process_time()
rss_loaded = peak_rss_mb()
occupation = taxonomy.uris("occupation")[0]
skill = taxonomy.uris("skill")[0]
taxonomy.labels_of(occupation)
w3 = time.perf_counter()
taxonomy.preferred_label(occupation, lang="fr")
w4 = time.perf_counter()
taxonomy.ancestors(skill); taxonomy.narrower(skill)
w5 = time.perf_counter()
taxonomy.occupation_skills_of(occupation); taxonomy.related_skills(skill)
w6 = time.perf_counter()
taxonomy.index("skill"); taxonomy.description(skill)
w7, c7 = time.perf_counter(), time.process_time()
print(json.dumps({"python_imports": w1 - w0, "load": w2 - w1, "load_cpu": c2 - c1,
                  "labels_index": w3 - w2, "preferred_index": w4 - w3,
                  "hierarchy_index": w5 - w4, "relations_index": w6 - w5,
                  "kind_and_description_index": w7 - w6, "indices_cpu": c7 - c2,
                  "rss_loaded_mb": rss_loaded, "rss_mb": peak_rss_mb()}))
"""
)


def _cold(script: str, args: Sequence[str], repeat: int) -> dict[str, float]:
    """Median of each figure over ``repeat`` fresh interpreters."""
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        runs.append(json.loads(done.stdout))
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _lookup_throughput(taxonomy: Taxonomy) -> dict[str, float]:
    """Microseconds per call of the hot lookups, indices already built."""
    skills = taxonomy.uris("skill")
    occupations = taxonomy.uris("occupation")
    for uri in (skills[0], occupations[0]):  # build the lazy indices first
        taxonomy.labels_of(uri)
        taxonomy.preferred_label(uri)
        taxonomy.ancestors(uri)
        taxonomy.occupation_skills_of(uri)
        taxonomy.related_skills(uri)
    cases: dict[str, tuple[Callable[[str], object], tuple[str, ...]]] = {
        "concept": (lambda u: taxonomy.concept(u), skills),
        "preferred_label(fr)": (lambda u: taxonomy.preferred_label(u, lang="fr"), skills),
        "labels_of(1st call)": (lambda u: taxonomy.labels_of(u), occupations),
        "labels_of(fr, again)": (lambda u: taxonomy.labels_of(u, lang="fr"), occupations),
        "ancestors(skill)": (lambda u: taxonomy.ancestors(u), skills),
        "occupation_skills_of": (lambda u: taxonomy.occupation_skills_of(u), occupations),
        "related_skills": (lambda u: taxonomy.related_skills(u), skills),
    }
    result = {}
    for name, (call, uris) in cases.items():
        start = time.perf_counter()
        for uri in uris:
            call(uri)
        result[name] = (time.perf_counter() - start) / len(uris) * 1e6
    return result


def _check(imported: Taxonomy, loaded: Taxonomy) -> None:
    pairs = [
        (imported.concepts, loaded.concepts),
        (imported.labels, loaded.labels),
        (imported.descriptions, loaded.descriptions),
        (imported.broader_relations, loaded.broader_relations),
        (imported.occupation_skills, loaded.occupation_skills),
        (imported.skill_relations, loaded.skill_relations),
    ]
    for a, b in pairs:
        if not a.sort(pl.all()).equals(b.sort(pl.all())):
            raise SystemExit("bundle differs from the import")
    stats = loaded.stats()["concepts"]
    if stats != {"skill": 13_896, "occupation": 3_007, "isco_group": 619, "skill_group": 640}:
        raise SystemExit(f"unexpected concept counts {stats}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--from", dest="source", type=Path, default=DEFAULT_ESCO)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    subsets: list[tuple[str, list[str] | None]] = [
        ("en", []),
        ("en+fr", ["fr"]),
        ("all", None),
    ]
    raw_mb = sum(p.stat().st_size for p in args.source.rglob("*.csv*")) / 1e6
    print(f"ESCO export {args.source}: {raw_mb:.1f} MB of gzipped CSV; repeat={args.repeat}")
    print(
        f"{'subset':<7} {'labels':>8} {'bundle MB':>9} {'save s':>6} | "
        f"{'CSV import s (cpu)':>18} {'peak MB':>7} | "
        f"{'load s (cpu)':>12} {'+indices s (cpu)':>16} {'peak MB':>7} | {'speed-up':>8}"
    )
    full: tuple[Taxonomy, Path] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, languages in subsets:
            taxonomy = import_esco(args.source, languages=languages)
            path = Path(tmp) / f"{name}.zip"
            start = time.perf_counter()
            taxonomy.save(path)
            save_s = time.perf_counter() - start
            baseline = _cold(_COLD_IMPORT, [str(args.source), json.dumps(languages)], args.repeat)
            load = _cold(_COLD_LOAD, [str(path)], args.repeat)
            indices = sum(v for k, v in load.items() if k.endswith("_index"))
            print(
                f"{name:<7} {taxonomy.labels.height:>8,} {path.stat().st_size / 1e6:>9.2f} "
                f"{save_s:>6.1f} | "
                f"{baseline['import_esco']:>8.2f} ({baseline['import_esco_cpu']:>5.2f}) "
                f"{baseline['rss_mb']:>9.0f} | "
                f"{load['load']:>5.3f} ({load['load_cpu']:.3f}) "
                f"{indices:>8.3f} ({load['indices_cpu']:.3f}) {load['rss_mb']:>5.0f} | "
                f"{baseline['import_esco'] / load['load']:>7.1f}x"
            )
            if languages is None:
                print(
                    "  cold detail (s): "
                    + ", ".join(f"{k} {v:.3f}" for k, v in load.items() if not k.startswith("rss"))
                )
                full = (taxonomy, path)
                sizes = _table_sizes(path)
                print("  bundle entries (kB): " + ", ".join(f"{k} {v:,}" for k, v in sizes))
        assert full is not None
        loaded = Taxonomy.load(full[1])
        _check(full[0], loaded)
        print("check: bundle == import, v1.1.1 counts: ok")
        print(
            "lookups (µs/call, warm): "
            + ", ".join(f"{k} {v:.1f}" for k, v in _lookup_throughput(loaded).items())
        )
    print(f"polars threads: {pl.thread_pool_size()}, cpus: {os.cpu_count()}")
    return 0


def _table_sizes(path: Path) -> list[tuple[str, int]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, round(info.file_size / 1e3)) for info in archive.infolist()]


if __name__ == "__main__":
    raise SystemExit(main())
