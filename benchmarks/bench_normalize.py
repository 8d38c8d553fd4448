"""Accuracy and speed of the normaliser against a char-n-gram TF-IDF baseline, in one run.

    .venv/bin/python -m benchmarks.bench_normalize [--sets jobbert,melo_bel_q_fr,...]
        [--limit N] [--throughput 20000] [--selfsup 2000] [--dev-dir DIR]
        [--cli 20000,100000 --jobs 2]

Accuracy sets (``--dev-dir``, default ../shared/data/dev; measuring only, never tuning data):

* ``jobbert`` — noisy English vacancy titles → ESCO occupation (all rows unless ``--limit``).
* ``melo_*`` — national job titles → ESCO occupation or ISCO group. Convention (MELO's): a gold
  ISCO-group URI is matched by any predicted occupation whose ISCO code falls under that group;
  a query is scored by the rank of the first prediction that matches any of its gold URIs.
* ``decorte_*`` — job-ad skill span → ESCO skill: query = the ``span`` column, gold = the skill
  whose English preferred label equals ``label``; rows labelled ``LABEL NOT PRESENT`` or
  ``UNDERSPECIFIED`` (or whose label is not an ESCO preferred label) are skipped.
* ``arabic_titles`` — the team's own Arabic agency titles → ESCO occupation
  (``benchmarks/arabic_titles.tsv``; a regression check, see its header).
* ``french_titles`` — the team's own French titles, official-style masculine / feminine forms
  and wordings that differ from ESCO's → ESCO occupation (``benchmarks/french_titles.tsv``; a
  check of the kind of text behind the ROME target, see its header).
* ``french_cv_skills`` — the team's own French CV skill lines → ESCO skill
  (``benchmarks/french_cv_skills.tsv``; a regression check, see its header).
* ``arabic_skills`` — the team's own Arabic CV skill lines → ESCO skill
  (``benchmarks/arabic_skills.tsv``; a regression check, see its header).
* ``rome_titles_a``, ``rome_titles_b``, ``rome_titles_exact`` — France's official ROME job
  titles (350 drawn from the 1,584) → ESCO occupation, gold written by reviewers from ESCO's
  files (``benchmarks/rome_titles.tsv``; see its header for the source, licence and splits).
* ``official_fr`` — ESCO's French preferred occupation labels written the way France's
  official titles are ("Conseiller / Conseillère en X"; 1,500 drawn): the form of the ROME
  target's titles, on names the index holds.
* ``selfsup_*`` — ESCO self-supervision (the data the weights were tuned on): held-out
  alternative labels as queries, noised (dropped word, "senior"/"H/F" added, a typo, word
  order); their own label stays in the index, so this measures robustness, not recall of
  unseen names.

Metrics: MRR@10, accuracy@1, accuracy@5. Baseline: scikit-learn ``TfidfVectorizer(char_wb,
2–4)`` over English+query-language preferred and alternative labels, max per concept.
Throughput: synthetic agency lines (ESCO labels with noise) in one ``normalize`` call; build
time; peak RSS (``resource.getrusage``).

CLI (``--cli SIZES``): ``mobility-match normalize`` run as a subprocess on files of that many
synthetic lines, ``--jobs 1`` (the one-process baseline) then ``--jobs N``, same run: wall
clock, CPU seconds of the process tree (the CLI and its workers), start-up (the same command on
an empty file), peak memory of the tree (sum of PSS, i.e. shared pages counted once, and the
largest RSS, polled from /proc), and a check that both outputs are byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.feature_extraction.text import TfidfVectorizer

from skills_taxonomy.normalizer import Kind, Normalizer
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import split_gendered_label

DEFAULT_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev"
ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"

Ranker = Callable[[Sequence[str], Kind, str | None], list[list[str]]]


@dataclass(frozen=True)
class EvalSet:
    name: str
    kind: Kind
    lang: str | None
    queries: tuple[str, ...]
    gold: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Scores:
    n: int
    mrr10: float
    acc1: float
    acc5: float


# --- sets ------------------------------------------------------------------------------------
def load_sets(
    dev: Path, names: Sequence[str], taxonomy: Taxonomy, limit: int | None
) -> list[EvalSet]:
    out: list[EvalSet] = []
    for name in names:
        if name == "jobbert":
            path = dev / "jobbert_titles_val.csv"
            if _missing(name, path):
                continue
            rows = pl.read_csv(path, infer_schema_length=0)
            pairs = [
                (t, frozenset({u}))
                for t, u in rows.select("vacancyTitle", "conceptUri").iter_rows()
            ]
            out.append(_set(name, "occupation", "en", pairs, limit))
        elif name.startswith("melo_"):
            path = dev / f"{name}.gold.tsv"
            if _missing(name, path):
                continue
            lang = name.rsplit("_", 1)[-1]
            with path.open(encoding="utf-8") as fh:
                reader = csv.DictReader(fh, delimiter="\t")
                pairs = [(r["query_text"], frozenset(r["gold_esco_uris"].split())) for r in reader]
            out.append(_set(name, "occupation", lang, pairs, limit))
        elif name.startswith("decorte_"):
            path = dev / f"{name}_validation.csv"
            if _missing(name, path):
                continue
            pref = _english_preferred(taxonomy, "skill")
            rows = pl.read_csv(path, infer_schema_length=0)
            pairs = [
                (span, frozenset({pref[label]}))
                for span, label in rows.select("span", "label").iter_rows()
                if label in pref and span
            ]
            out.append(_set(name, "skill", "en", pairs, limit))
        elif name in TEAM_SETS:
            team_kind, team_lang = TEAM_SETS[name]
            pairs = _team_set(Path(__file__).with_name(f"{name}.tsv"), taxonomy, team_kind)
            out.append(_set(name, team_kind, team_lang, pairs, limit))
        elif name in ROME_SETS:
            out.append(_set(name, "occupation", "fr", rome_pairs(taxonomy, name), limit))
        elif name == "official_fr":
            out.append(official_french_set(taxonomy, n=limit or 1500, seed=0))
        elif name.startswith("selfsup_"):
            kind: Kind = "skill" if name.endswith("skill") else "occupation"
            out.append(selfsup_set(taxonomy, kind, n=limit or 2000, seed=0))
        else:
            raise SystemExit(f"unknown set {name!r}")
    return out


#: The team's own sets, ``benchmarks/<name>.tsv`` (see each file's header) → (kind, language):
#: kept with the benchmarks, not dev sets.
TEAM_SETS: dict[str, tuple[Kind, str]] = {
    "arabic_titles": ("occupation", "ar"),
    "french_titles": ("occupation", "fr"),
    "french_cv_skills": ("skill", "fr"),
    "arabic_skills": ("skill", "ar"),
}


def _english_preferred(taxonomy: Taxonomy, kind: Kind) -> dict[str, str]:
    """English preferred label → URI, for the concepts of ``kind``."""
    return dict(
        taxonomy.labels.filter((pl.col("label_type") == "preferred") & (pl.col("lang") == "en"))
        .join(taxonomy.concepts.filter(pl.col("kind") == kind).select("uri"), on="uri")
        .select("text", "uri")
        .iter_rows()
    )


def _team_set(path: Path, taxonomy: Taxonomy, kind: Kind) -> list[tuple[str, frozenset[str]]]:
    """The (text, expected URIs) rows of one of the team's TSV files (English preferred labels
    of ``kind``, "|" between acceptable ones)."""
    pref = _english_preferred(taxonomy, kind)
    lines = [ln for ln in path.read_text("utf-8").splitlines() if not ln.startswith("#")]
    pairs = []
    for text, expected in (ln.split("\t") for ln in lines[1:] if ln.strip()):
        unknown = [e for e in expected.split("|") if e not in pref]
        if unknown:
            raise SystemExit(f"{path.name}: not an ESCO {kind}: {unknown!r}")
        pairs.append((text, frozenset(pref[e] for e in expected.split("|"))))
    return pairs


#: Parts of ``benchmarks/rome_titles.tsv`` (see its header): split "a" (its misses were read
#: while the normaliser changed), split "b" (measured only), the "exact" rows of both.
ROME_SETS = ("rome_titles_a", "rome_titles_b", "rome_titles_exact")


def rome_pairs(taxonomy: Taxonomy, name: str) -> list[tuple[str, frozenset[str]]]:
    """The (title, acceptable occupation URIs) rows of one part of ``rome_titles.tsv``."""
    path = Path(__file__).with_name("rome_titles.tsv")
    lines = [ln for ln in path.read_text("utf-8").splitlines() if not ln.startswith("#")]
    known = set(taxonomy.uris("occupation"))
    pairs = []
    for line in lines[1:]:
        _code, text, expected, match, split, _labels = line.split("\t")
        uris = frozenset(expected.split())
        if not uris <= known:
            raise SystemExit(f"{path.name}: not an ESCO occupation: {sorted(uris - known)!r}")
        if name == f"rome_titles_{split}" or (name == "rome_titles_exact" and match == "exact"):
            pairs.append((text, uris))
    return pairs


def _missing(name: str, path: Path) -> bool:
    """Whether a dev set's file is absent; says so, since its figures will not be printed."""
    if path.exists():
        return False
    print(f"set {name!r} skipped: {path} not found (see --dev-dir)", file=sys.stderr)
    return True


def _set(
    name: str,
    kind: Kind,
    lang: str | None,
    pairs: list[tuple[str, frozenset[str]]],
    limit: int | None,
) -> EvalSet:
    if limit:
        pairs = random.Random(0).sample(pairs, min(limit, len(pairs)))
    return EvalSet(name, kind, lang, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))


_NOISE_ADD = ("senior", "junior", "H/F", "(m/w/d)", "urgent", "CDI", "- Casablanca")


def noisy(label: str, rng: random.Random) -> str:
    """One random advert-style corruption of an ESCO label (used for self-supervision)."""
    words = label.split()
    op = rng.randrange(5)
    if op == 0 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif op == 1:
        words.insert(rng.choice((0, len(words))), rng.choice(_NOISE_ADD))
    elif op == 2:
        w = rng.randrange(len(words))
        word = words[w]
        if len(word) > 4:
            i = rng.randrange(1, len(word) - 1)
            words[w] = (
                word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]
            )
    elif op == 3 and len(words) > 1:
        rng.shuffle(words)
    else:
        return label.upper() if rng.random() < 0.5 else label.lower()
    return " ".join(words)


def selfsup_set(taxonomy: Taxonomy, kind: Kind, *, n: int, seed: int) -> EvalSet:
    uris = taxonomy.concepts.filter(pl.col("kind") == kind).select("uri")
    alts = (
        taxonomy.labels.join(uris, on="uri")
        .filter(pl.col("label_type") == "alternative")
        .select("uri", "text")
        .sample(n=n, seed=seed)
    )
    rng = random.Random(seed)
    queries = tuple(noisy(t, rng) for t in alts["text"])
    return EvalSet(
        f"selfsup_{kind}", kind, None, queries, tuple(frozenset({u}) for u in alts["uri"])
    )


def official_french_set(taxonomy: Taxonomy, *, n: int, seed: int) -> EvalSet:
    """ESCO's French preferred occupation labels written the way France's official titles
    are, the pair on the first word only: "conseiller en X/conseillère en X" → "Conseiller /
    Conseillère en X" (labels whose two forms differ in their first word only)."""
    uris = taxonomy.concepts.filter(pl.col("kind") == "occupation").select("uri")
    labels = (
        taxonomy.labels.join(uris, on="uri")
        .filter((pl.col("lang") == "fr") & (pl.col("label_type") == "preferred"))
        .select("uri", "text")
        .sort("uri")
    )
    pairs = []
    for uri, text in labels.iter_rows():
        forms = split_gendered_label(text)
        if len(forms) != 2:
            continue
        (m, *rest), (f, *f_rest) = (form.split() for form in forms)
        if rest and rest == f_rest and m != f:
            pairs.append((f"{m[:1].upper()}{m[1:]} / {f[:1].upper()}{f[1:]} {' '.join(rest)}", uri))
    pairs = random.Random(seed).sample(pairs, min(n, len(pairs)))
    return EvalSet(
        "official_fr",
        "occupation",
        "fr",
        tuple(q for q, _ in pairs),
        tuple(frozenset({u}) for _, u in pairs),
    )


# --- metrics ---------------------------------------------------------------------------------
def isco_matcher(taxonomy: Taxonomy) -> Callable[[str, frozenset[str]], bool]:
    isco = dict(
        taxonomy.concepts.filter(pl.col("kind") == "occupation")
        .select("uri", "isco_group")
        .iter_rows()
    )

    def hit(pred: str, gold: frozenset[str]) -> bool:
        if pred in gold:
            return True
        code = isco.get(pred) or ""
        return any(
            g.startswith(ISCO_PREFIX) and code.startswith(g[len(ISCO_PREFIX) :]) for g in gold
        )

    return hit


def score(
    ranked: list[list[str]],
    gold: Sequence[frozenset[str]],
    hit: Callable[[str, frozenset[str]], bool],
) -> Scores:
    rr = np.zeros(len(gold))
    for i, (preds, g) in enumerate(zip(ranked, gold, strict=True)):
        for rank, pred in enumerate(preds[:10], start=1):
            if hit(pred, g):
                rr[i] = 1.0 / rank
                break
    return Scores(len(gold), float(rr.mean()), float((rr == 1).mean()), float((rr >= 0.2).mean()))


# --- rankers ---------------------------------------------------------------------------------
class Baseline:
    """Char-n-gram TF-IDF over preferred+alternative labels (English and the query language)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._cache: dict[
            tuple[Kind, str | None],
            tuple[TfidfVectorizer, object, np.ndarray, np.ndarray, list[str]],
        ] = {}

    def _fit(
        self, kind: Kind, lang: str | None
    ) -> tuple[TfidfVectorizer, object, np.ndarray, np.ndarray, list[str]]:
        key = (kind, lang)
        if key not in self._cache:
            uris = self.taxonomy.concepts.filter(pl.col("kind") == kind).select("uri").sort("uri")
            langs = {"en", lang or "en"}
            lab = (
                self.taxonomy.labels.join(uris, on="uri")
                .filter(
                    pl.col("lang").is_in(langs)
                    & pl.col("label_type").is_in(["preferred", "alternative"])
                )
                .sort("uri")
            )
            uri_list = uris["uri"].to_list()
            pos = {u: i for i, u in enumerate(uri_list)}
            concept = np.asarray([pos[u] for u in lab["uri"]])
            vec = TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 4), lowercase=True, dtype=np.float32
            )
            mat = vec.fit_transform(lab["text"].to_list()).T.tocsr()
            present = np.unique(concept)
            starts = np.searchsorted(concept, present)
            self._cache[key] = (vec, mat, starts, present, uri_list)
        return self._cache[key]

    def rank(self, texts: Sequence[str], kind: Kind, lang: str | None) -> list[list[str]]:
        vec, mat, starts, present, uri_list = self._fit(kind, lang)
        out: list[list[str]] = []
        for s in range(0, len(texts), 256):
            sims = (vec.transform(texts[s : s + 256]) @ mat).toarray()
            best = np.maximum.reduceat(sims, starts, axis=1)
            top = np.argsort(-best, axis=1)[:, :10]
            out.extend([[uri_list[present[j]] for j in row] for row in top])
        return out


def normalizer_ranker(norm: Normalizer) -> Ranker:
    def rank(texts: Sequence[str], kind: Kind, lang: str | None) -> list[list[str]]:
        return [
            [m.uri for m in r.matches]
            for r in norm.normalize(texts, kind=kind, lang=lang, top_k=10)
        ]

    return rank


# --- throughput ------------------------------------------------------------------------------
def synthetic_lines(taxonomy: Taxonomy, kind: Kind, n: int, seed: int = 1) -> list[str]:
    uris = taxonomy.concepts.filter(pl.col("kind") == kind).select("uri")
    labels = taxonomy.labels.join(uris, on="uri").filter(pl.col("lang").is_in(["en", "fr", "ar"]))
    texts = labels["text"].to_list()
    rng = random.Random(seed)
    return [noisy(rng.choice(texts), rng) for _ in range(n)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass(frozen=True)
class CliRun:
    wall: float
    cpu: float
    pss_mb: float
    rss_mb: float
    digest: str


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _memory_mb(pids: Sequence[int]) -> tuple[float, float]:
    """(sum of PSS, largest RSS) of ``pids`` in MB; processes gone meanwhile are skipped."""
    pss, rss = 0.0, 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        pss += float(fields.get("Pss", "0 kB").split()[0]) / 1024.0
        rss = max(rss, float(fields.get("Rss", "0 kB").split()[0]) / 1024.0)
    return pss, rss


def run_cli(path: Path, kind: Kind, jobs: int) -> CliRun:
    """``mobility-match normalize`` on ``path`` in a subprocess (see the module docstring)."""
    command = [
        sys.executable,
        "-c",
        "import sys; from api.cli import main; sys.exit(main())",
        "normalize",
        "--kind",
        kind,
        "--input",
        str(path),
        "--jobs",
        str(jobs),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out)
        pss = rss = 0.0
        while proc.poll() is None:
            p, r = _memory_mb(_tree(proc.pid))
            pss, rss = max(pss, p), max(rss, r)
            time.sleep(0.25)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited {proc.returncode}")
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return CliRun(wall, cpu, pss, rss, digest)


def cli_throughput(taxonomy: Taxonomy, sizes: Sequence[int], jobs: int) -> None:
    """Wall clock of the CLI, ``--jobs 1`` (baseline) against ``--jobs N``, same run."""
    print(f"CLI, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.txt"
        empty.write_bytes(b"")
        for kind in ("occupation", "skill"):
            start = run_cli(empty, kind, 1)
            print(
                f"  {kind}: start-up (empty input) {start.wall:.2f}s wall / {start.cpu:.2f}s CPU, "
                f"PSS {start.pss_mb:.0f} MB"
            )
            for n in sizes:
                path = Path(tmp) / f"{kind}-{n}.txt"
                path.write_text("\n".join(synthetic_lines(taxonomy, kind, n)) + "\n", "utf-8")
                runs = {j: run_cli(path, kind, j) for j in dict.fromkeys((1, jobs))}
                same = len({r.digest for r in runs.values()}) == 1
                for j, r in runs.items():
                    work_wall, work_cpu = r.wall - start.wall, r.cpu - start.cpu
                    print(
                        f"  {kind} {n:,} lines --jobs {j}: {r.wall:.1f}s wall -> "
                        f"{n / r.wall:,.0f} texts/s end to end, {n / work_wall:,.0f}/s after "
                        f"start-up; {r.cpu:.1f}s CPU -> {n / work_cpu:,.0f} texts per CPU-second; "
                        f"peak PSS (tree) {r.pss_mb:,.0f} MB, largest RSS {r.rss_mb:,.0f} MB"
                    )
                print(f"  {kind} {n:,} lines: outputs byte-identical across --jobs: {same}")
                if not same:
                    raise SystemExit("--jobs changed the output")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sets",
        default="jobbert,melo_bel_q_fr,melo_usa_q_en,melo_deu_q_de,melo_esp_q_es,melo_ita_q_it,decorte_house,decorte_tech,arabic_titles,french_titles,french_cv_skills,arabic_skills,official_fr,rome_titles_a,rome_titles_b,rome_titles_exact,selfsup_occupation,selfsup_skill",
    )
    parser.add_argument("--dev-dir", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--limit", type=int, default=None, help="rows per set (sampled)")
    parser.add_argument("--throughput", type=int, default=20_000, help="synthetic lines (0: skip)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--fit", action="store_true", help="also time fitting without the store")
    parser.add_argument(
        "--cli", default="", help="comma-separated line counts for the CLI runs (e.g. 20000,100000)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the parallel CLI runs")
    args = parser.parse_args(argv)

    t0, c0 = time.perf_counter(), time.process_time()
    taxonomy = Taxonomy.load_bundled()
    t1, c1 = time.perf_counter(), time.process_time()
    norm = Normalizer(taxonomy)
    t2, c2 = time.perf_counter(), time.process_time()
    print(
        f"taxonomy load {t1 - t0:.2f}s wall / {c1 - c0:.2f}s CPU, normaliser ready (both kinds, "
        f"stored index) {t2 - t1:.2f}s wall / {c2 - c1:.2f}s CPU, RSS {peak_rss_mb():.0f} MB"
    )
    if args.fit:
        t3, c3 = time.perf_counter(), time.process_time()
        Normalizer(taxonomy, store=None)
        print(
            f"index fitted in memory (no store) {time.perf_counter() - t3:.2f}s wall / "
            f"{time.process_time() - c3:.2f}s CPU"
        )

    sets = load_sets(args.dev_dir, [s for s in args.sets.split(",") if s], taxonomy, args.limit)
    hit = isco_matcher(taxonomy)
    ours = normalizer_ranker(norm)
    # The same normaliser without its semantic vectors: what the lexical scores alone give.
    lexical = normalizer_ranker(Normalizer(taxonomy, semantic=None))
    base = Baseline(taxonomy)
    print(
        f"{'set':<22}{'n':>7}  {'MRR@10':>7} {'acc@1':>6} {'acc@5':>6}"
        "   lexical only MRR@10 acc@1 acc@5   baseline MRR@10 acc@1 acc@5"
    )
    for es in sets:
        s = score(ours(es.queries, es.kind, es.lang), es.gold, hit)
        lx = score(lexical(es.queries, es.kind, es.lang), es.gold, hit)
        line = f"{es.name:<22}{s.n:>7}  {s.mrr10:7.3f} {s.acc1:6.3f} {s.acc5:6.3f}"
        line += f"   {lx.mrr10:19.3f} {lx.acc1:5.3f} {lx.acc5:5.3f}"
        if not args.no_baseline:
            b = score(base.rank(es.queries, es.kind, es.lang), es.gold, hit)
            line += f"   {b.mrr10:15.3f} {b.acc1:5.3f} {b.acc5:5.3f}"
        print(line, flush=True)

    if args.throughput:
        for kind in ("occupation", "skill"):
            lines = synthetic_lines(taxonomy, kind, args.throughput)
            t, c = time.perf_counter(), time.process_time()
            norm.normalize(lines, kind=kind)
            dt, dc = time.perf_counter() - t, time.process_time() - c
            given = []
            for lang in ("fr", "en"):
                t, c = time.perf_counter(), time.process_time()
                norm.normalize(lines, kind=kind, lang=lang)
                dt_lang, dc_lang = time.perf_counter() - t, time.process_time() - c
                given.append(
                    f"--lang {lang} {len(lines) / dt_lang:,.0f} texts/s wall "
                    f"({len(lines) / dc_lang:,.0f}/s of CPU)"
                )
            print(
                f"throughput {kind}, {len(lines):,} lines: language detected "
                f"{len(lines) / dt:,.0f} texts/s wall ({len(lines) / dc:,.0f}/s of CPU); "
                + "; ".join(given)
            )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    if args.cli:
        cli_throughput(taxonomy, [int(n) for n in args.cli.split(",")], args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
