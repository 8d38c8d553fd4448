"""CPU per candidate profile normalised one at a time (as ``POST /candidates`` does), with the
normaliser's memo off (the baseline) and on, in the same run.

    .venv/bin/python -m benchmarks.bench_profile_normalise [--profiles 2000] [--seed 7]

Profiles: the demo programme's generator (``benchmarks.demo_pool``), so the texts repeat as a
programme's do. Each profile goes through ``EscoProfileNormaliser.normalise_profiles`` alone.
Passes, in blocks of 50 profiles taken in turn (so that a busy moment of the shared machine
weighs on every pass alike), after one untimed pass that warms the parsers' own memos (CEFR,
EQF, item splitting, language detection) for all:

* ``memo off`` — ``Normalizer(memo_size=0)``: every text scored;
* ``memo, first pass`` — the memo starts empty: what a server sees on the pool's first pass;
* ``memo, warm`` — the same profiles again: every text remembered (the floor).

Every pass must give the same items as the baseline, or the run fails. Reports CPU ms per
profile (``time.process_time``), the memo's hits and misses, and the repeats in the pool.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from api.esco_normaliser import EscoProfileNormaliser
from api.normalisation import NormalisedItem
from api.routes._concepts import texts_of
from benchmarks.demo_pool import candidate_pool, text_repeats
from skills_taxonomy.normalizer import Normalizer
from skills_taxonomy.taxonomy import Taxonomy

BLOCK = 50

Profiles = Sequence[dict[str, str]]
Answers = list[Sequence[NormalisedItem]]


def _block(normaliser: EscoProfileNormaliser, profiles: Profiles) -> tuple[float, Answers]:
    started = time.process_time()
    out = [normaliser.normalise_profiles(kind="candidate", profiles=[p])[0] for p in profiles]
    return time.process_time() - started, out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    taxonomy = Taxonomy.load_bundled()
    profiles = [
        texts_of(body, kind="candidate")
        for body in candidate_pool(taxonomy, size=args.profiles, seed=args.seed)
    ]
    off = EscoProfileNormaliser(Normalizer(taxonomy, memo_size=0))
    memo = Normalizer(taxonomy)
    on = EscoProfileNormaliser(memo)
    _block(off, profiles)  # warms the module-level parser memos for every pass
    passes = {"memo off (baseline)": off, "memo, first pass": on, "memo, warm": on}
    cpu = dict.fromkeys(passes, 0.0)
    answers: dict[str, Answers] = {name: [] for name in passes}
    for start in range(0, len(profiles), BLOCK):
        block = profiles[start : start + BLOCK]
        for name in ("memo off (baseline)", "memo, first pass"):
            seconds, found = _block(passes[name], block)
            cpu[name] += seconds
            answers[name].extend(found)
    info = memo.memo_info()  # after the first pass
    for start in range(0, len(profiles), BLOCK):
        seconds, found = _block(on, profiles[start : start + BLOCK])
        cpu["memo, warm"] += seconds
        answers["memo, warm"].extend(found)
    for name, got in answers.items():
        if got != answers["memo off (baseline)"]:
            raise SystemExit(f"{name}: the items differ from the baseline's")
    hits, misses = info.hits, info.misses
    print(f"{len(profiles)} candidate profiles (demo generator, seed {args.seed}), one per call")
    print(text_repeats(profiles).describe())
    print(
        f"memo on the first pass: {hits} hits, {misses} misses "
        f"({hits / max(hits + misses, 1):.1%} hits), {info.currsize} entries kept\n"
    )
    print("| pass                 | CPU ms / profile |")
    print("|----------------------|------------------|")
    for name, seconds in cpu.items():
        print(f"| {name:<20} | {1000 * seconds / len(profiles):>16.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
