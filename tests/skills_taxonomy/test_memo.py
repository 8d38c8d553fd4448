"""The bounded memo: least recently used dropped first, bound kept, safe across threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from skills_taxonomy.errors import TaxonomyError
from skills_taxonomy.memo import BoundedMemo, InvalidMemoSizeError, MemoInfo


def test_stored_values_are_found_and_absent_ones_left_out() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(4)
    memo.put_many({"a": 1, "b": 2})
    assert memo.get_many(["a", "x", "b"]) == {"a": 1, "b": 2}
    assert memo.info() == MemoInfo(hits=2, misses=1, maxsize=4, currsize=2)


def test_the_least_recently_used_entry_goes_first() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(3)
    memo.put_many({"a": 1, "b": 2, "c": 3})
    memo.get_many(["a"])  # "b" is now the least recently used
    memo.put_many({"d": 4})
    assert memo.get_many(["a", "b", "c", "d"]) == {"a": 1, "c": 3, "d": 4}


def test_a_batch_larger_than_the_bound_keeps_its_last_entries() -> None:
    memo: BoundedMemo[int, int] = BoundedMemo(5)
    memo.put_many({i: i for i in range(12)})
    assert memo.info().currsize == 5
    assert memo.get_many(range(12)) == {i: i for i in range(7, 12)}


def test_size_zero_stores_nothing() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(0)
    memo.put_many({"a": 1})
    assert memo.get_many(["a"]) == {}
    assert memo.info() == MemoInfo(hits=0, misses=1, maxsize=0, currsize=0)


@pytest.mark.parametrize("size", [-1, 2.5, True, "8"])
def test_a_bad_size_is_refused(size: object) -> None:
    with pytest.raises(InvalidMemoSizeError, match="memo size must be an int >= 0"):
        BoundedMemo(size)  # type: ignore[arg-type]
    assert issubclass(InvalidMemoSizeError, TaxonomyError)


def test_concurrent_readers_and_writers_keep_the_bound_and_the_values() -> None:
    memo: BoundedMemo[int, int] = BoundedMemo(50)
    start = threading.Barrier(8)

    def work(seed: int) -> None:
        start.wait()
        for round_ in range(400):
            keys = [(seed * 7 + round_ + j) % 120 for j in range(10)]
            for key, value in memo.get_many(keys).items():
                assert value == key * key  # never another key's value
            memo.put_many({k: k * k for k in keys})
            assert memo.info().currsize <= 50

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))  # re-raises a thread's failure
    info = memo.info()
    assert info.currsize == 50
    assert info.hits + info.misses == 8 * 400 * 10
    assert info.hits > 0
