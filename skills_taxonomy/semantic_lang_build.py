"""Build another language's word-piece vectors in the English semantic space
(``data/semantic_<lang>.npz``; shipped for French, German and Spanish).

A build tool, not run by the package: it needs PyTorch (the ``semantic-build`` extra). It reads
only the bundled taxonomy and the shipped English vectors (``data/semantic_en.npz``); nothing
is downloaded and no evaluation set is read.

    python -m skills_taxonomy.semantic_lang_build --lang fr [--out FILE] [--holdout 0.1]

The defaults (20 epochs, learning rate 5e-3, nothing held out) built the shipped files, and
rebuild them byte for byte (checked for French: two builds, identical files).

Cross-lingual distillation over ESCO's parallel labels: a separate table for the same WordPiece
tokenizer, initialised from the English (128-dimensional) table, is trained (Adam, cosine loss)
so that the mean piece vector of each label in that language (skills and occupations; the bundle
has only occupation labels in German and Spanish) points where the English model puts the
concept — the unit mean of the English vectors of its English labels, as the normaliser's
concept vectors (``_concept_vectors``, which also count the split gendered forms of occupation
labels, so the two differ slightly). ``--holdout`` keeps that
fraction of the concepts' labels out of training and reports how well they are found (cosine
only, all concepts of the kind ranked) before and after.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from tokenizers import Tokenizer

from skills_taxonomy.semantic import (
    BUNDLED_SEMANTIC_PATH,
    SemanticModel,
    piece_ids,
    quantise,
    semantic_path,
)
from skills_taxonomy.taxonomy import Taxonomy

EPOCHS = 20
BATCH = 256
LEARNING_RATE = 5e-3
SEED = 0


def _labels(taxonomy: Taxonomy) -> pl.DataFrame:
    kinds = taxonomy.concepts.filter(pl.col("kind").is_in(["skill", "occupation"])).select(
        "uri", "kind"
    )
    # Sorted: ``unique`` keeps no order, and the order of the English labels is the order of
    # the sums of the concept vectors (the training targets), down to their last bits.
    return (
        taxonomy.labels.join(kinds, on="uri")
        .select("uri", "kind", "lang", "text")
        .unique()
        .sort("uri", "lang", "text")
    )


def concept_targets(
    model: SemanticModel, labels: pl.DataFrame
) -> tuple[list[str], list[str], np.ndarray]:
    """URIs, kinds and concept vectors (unit mean of the English label vectors)."""
    concepts = labels.select("uri", "kind").unique().sort("uri")
    uris = concepts["uri"].to_list()
    row = {u: i for i, u in enumerate(uris)}
    en = labels.filter(pl.col("lang") == "en")
    group = np.asarray([row[u] for u in en["uri"].to_list()])
    vectors = model.centroids(en["text"].to_list(), group, len(uris))
    return uris, concepts["kind"].to_list(), vectors


def evaluate(
    vectors: np.ndarray,
    tokenizer: Tokenizer,
    texts: Sequence[str],
    gold: np.ndarray,
    targets: np.ndarray,
    kinds: np.ndarray,
) -> dict[str, tuple[float, float, int]]:
    """MRR@10, acc@1 of ``texts`` (cosine only, concepts of the gold's kind), per kind."""
    model = SemanticModel(vectors, tokenizer)
    encoded = model.encode(texts)
    out = {}
    for kind in ("occupation", "skill"):
        cols = np.flatnonzero(kinds == kind)
        rows = np.flatnonzero(kinds[gold] == kind)
        if not len(rows):
            continue  # no label of this kind in the language
        sim = encoded[rows] @ targets[cols].T
        col_of = {c: j for j, c in enumerate(cols)}
        g = np.asarray([col_of[c] for c in gold[rows]])
        own = sim[np.arange(len(rows)), g]
        rank = 1 + (sim > own[:, None]).sum(axis=1)
        rr = np.where(rank <= 10, 1.0 / rank, 0.0)
        out[kind] = (float(rr.mean()), float((rank == 1).mean()), len(rows))
    return out


def build(
    out: Path,
    taxonomy: Taxonomy,
    *,
    lang: str,
    epochs: int,
    holdout: float,
    lr: float,
    english_path: Path = BUNDLED_SEMANTIC_PATH,
) -> None:
    import torch

    torch.manual_seed(SEED)
    started = time.perf_counter()
    english = SemanticModel.load(english_path)
    labels = _labels(taxonomy)
    uris, kind_list, targets = concept_targets(english, labels)
    kinds = np.asarray(kind_list)
    row = {u: i for i, u in enumerate(uris)}
    own = labels.filter(pl.col("lang") == lang).sort("uri", "text")
    texts = own["text"].to_list()
    gold = np.asarray([row[u] for u in own["uri"].to_list()])
    rng = np.random.default_rng(SEED)
    held = rng.random(len(uris)) < holdout
    test = held[gold]
    train_idx = np.flatnonzero(~test & (np.linalg.norm(targets[gold], axis=1) > 0))
    test_idx = np.flatnonzero(test)
    print(
        f"{len(uris)} concepts ({held.sum()} held out); {lang} labels: {len(train_idx)} train, "
        f"{len(test_idx)} held out"
    )
    pieces = [ids.tolist() for ids in piece_ids(english.tokenizer, texts)]
    keep = np.asarray([len(p) > 0 for p in pieces])
    train_idx = train_idx[keep[train_idx]]

    def report(tag: str, vectors: np.ndarray) -> None:
        for name, idx in (("train", train_idx), ("held-out", test_idx)):
            if not len(idx):
                continue
            res = evaluate(
                vectors, english.tokenizer, [texts[i] for i in idx], gold[idx], targets, kinds
            )
            figs = "  ".join(
                f"{k} MRR@10 {m:.3f} acc@1 {a:.3f} (n={n})" for k, (m, a, n) in res.items()
            )
            print(f"{tag:<14}{name:<9} {figs}", flush=True)

    init = english.vectors.copy()
    report("english table", init)
    bag = torch.nn.EmbeddingBag(init.shape[0], init.shape[1], mode="mean")
    with torch.no_grad():
        bag.weight.copy_(torch.from_numpy(init))
    optimiser = torch.optim.Adam(bag.parameters(), lr=lr)
    target_t = torch.from_numpy(targets)
    for epoch in range(epochs):
        order = rng.permutation(train_idx)
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            flat = [p for i in batch for p in pieces[i]]
            offsets = np.cumsum([0] + [len(pieces[i]) for i in batch[:-1]])
            ids = torch.tensor(flat)
            got = bag(ids, torch.tensor(offsets))
            loss = 1 - torch.nn.functional.cosine_similarity(got, target_t[gold[batch]]).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}: mean loss {total / len(order):.4f}", flush=True)
        if epoch + 1 in (1, 3, 5) or epoch + 1 == epochs:
            report(f"{lang} ep{epoch + 1}", bag.weight.detach().numpy())
    trained = bag.weight.detach().numpy().astype(np.float32)
    codes, scales = quantise(trained)
    report(f"{lang} int8", codes.astype(np.float32) * scales[:, None])
    SemanticModel(trained, english.tokenizer).save(out)
    print(
        f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", required=True, help="ISO 639-1 code of ESCO labels (fr, de…)")
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped file")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--holdout", type=float, default=0.0, help="fraction of concepts kept out (a check)"
    )
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument(
        "--english", type=Path, default=BUNDLED_SEMANTIC_PATH, help="the English piece vectors"
    )
    args = parser.parse_args(argv)
    build(
        args.out or semantic_path(args.lang),
        Taxonomy.load_bundled(),
        lang=args.lang,
        epochs=args.epochs,
        holdout=args.holdout,
        lr=args.lr,
        english_path=args.english,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
