"""A bounded, thread-safe memo for batch functions: look many keys up, compute the misses in
one batch, store them.

``functools.lru_cache`` wraps a function of one key, so a batch of misses would be computed
one by one; ``BoundedMemo`` keeps the least-recently-used order of ``collections.OrderedDict``
(the standard library's LRU recipe) behind a lock and leaves the computing to the caller.
Values are stored as given: store immutable ones (tuples, frozen records).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, NamedTuple, TypeVar

from skills_taxonomy.errors import TaxonomyError

__all__ = ["BoundedMemo", "InvalidMemoSizeError", "MemoInfo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class InvalidMemoSizeError(TaxonomyError, ValueError):
    """A memo size that is not a non-negative int."""


class MemoInfo(NamedTuple):
    """Counts since the memo was made (as ``functools.lru_cache``'s ``cache_info``)."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class BoundedMemo(Generic[K, V]):
    """At most ``maxsize`` entries, the least recently used dropped first; 0 stores nothing."""

    def __init__(self, maxsize: int) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 0:
            raise InvalidMemoSizeError(f"memo size must be an int >= 0; got {maxsize!r}")
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The stored values of ``keys`` (distinct; the absent ones left out), now the most
        recently used."""
        found: dict[K, V] = {}
        asked = 0
        with self._lock:
            for key in keys:
                asked += 1
                if key in self._entries:
                    self._entries.move_to_end(key)
                    found[key] = self._entries[key]
            self._hits += len(found)
            self._misses += asked - len(found)
        return found

    def put_many(self, items: Mapping[K, V]) -> None:
        """Store ``items``, then drop the least recently used entries beyond ``maxsize``."""
        if not self.maxsize:
            return
        with self._lock:
            for key, value in items.items():
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def info(self) -> MemoInfo:
        with self._lock:
            return MemoInfo(self._hits, self._misses, self.maxsize, len(self._entries))
