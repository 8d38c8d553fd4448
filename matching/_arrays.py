"""Two array idioms used across the core: concatenated ranges and sorted-key lookup."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["concat_ranges", "find_sorted"]


def concat_ranges(
    starts: npt.NDArray[np.integer], sizes: npt.NDArray[np.integer]
) -> npt.NDArray[np.intp]:
    """Concatenated ``arange(starts[i], starts[i] + sizes[i])`` (CSR row gathering)."""
    n = int(sizes.sum())
    return (np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(n)).astype(np.intp)


def find_sorted(table: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """Position of each of ``keys`` (any shape) in the sorted unique ``table``, or -1."""
    if not len(table):
        return np.full(np.shape(keys), -1, dtype=np.intp)
    pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return np.where(table[pos] == keys, pos, -1).astype(np.intp)
