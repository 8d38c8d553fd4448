"""``NormalisationBatcher``: concurrent requests' profiles normalised together, each getting what
it would get alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import pytest

from api.esco_normaliser import EscoProfileNormaliser
from api.normalisation import NormalisedItem, ProfileKind
from api.normalisation_batch import NormalisationBatcher
from skills_taxonomy.normalizer import Normalizer

T = TypeVar("T")


def _run(main: Callable[[], Awaitable[T]]) -> T:
    async def with_timeout() -> T:
        return await asyncio.wait_for(main(), timeout=60)

    return asyncio.run(with_timeout())


class Recording:
    """A normaliser that answers one item per field (its text) and records each call; the
    first call waits for ``release`` (so that the next requests queue behind it)."""

    def __init__(self, *, fail_on: str | None = None) -> None:
        self.calls: list[list[Mapping[str, str]]] = []
        self.release = threading.Event()
        self.fail_on = fail_on

    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        self.calls.append(list(profiles))
        if len(self.calls) == 1:
            assert self.release.wait(timeout=30)
        if any(self.fail_on in p.values() for p in profiles if self.fail_on):
            raise RuntimeError("the index broke")
        return [
            [NormalisedItem(field, text, f"uri:{kind}:{text}", 1.0, "exact")]
            for p in profiles
            for field, text in sorted(p.items())[:1]
        ]


async def _queued(batcher: NormalisationBatcher, normaliser: Any, texts: list[str]) -> list[Any]:
    """One request per text: the first alone, the others while its call is held; the answers
    (or errors), in order."""

    def request(text: str) -> asyncio.Task[Sequence[NormalisedItem]]:
        return asyncio.create_task(
            batcher.normalise(normaliser, kind="candidate", texts={"skills": text})
        )

    tasks = [request(texts[0])]
    while not normaliser.calls:  # the first request's call is running (held)
        await asyncio.sleep(0.01)
    tasks += [request(text) for text in texts[1:]]
    await asyncio.sleep(0.05)  # they are all waiting
    normaliser.release.set()
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def test_requests_waiting_behind_a_batch_go_together_in_the_next() -> None:
    normaliser = Recording()
    batcher = NormalisationBatcher()
    answers = _run(lambda: _queued(batcher, normaliser, [f"text {i}" for i in range(6)]))
    # The first started alone at once; the five that came while it ran, in one call.
    assert [len(call) for call in normaliser.calls] == [1, 5]
    assert (batcher.calls, batcher.profiles) == (2, 6)
    for i, items in enumerate(answers):
        assert [item.concept_uri for item in items] == [f"uri:candidate:text {i}"]


def test_a_batch_holds_at_most_max_profiles() -> None:
    normaliser = Recording()
    batcher = NormalisationBatcher(max_profiles=2)
    answers = _run(lambda: _queued(batcher, normaliser, [f"t{i}" for i in range(6)]))
    assert [len(call) for call in normaliser.calls] == [1, 2, 2, 1]
    assert [items[0].source_text for items in answers] == [f"t{i}" for i in range(6)]


def test_a_profile_that_breaks_the_normaliser_fails_its_own_request_only() -> None:
    normaliser = Recording(fail_on="bad")
    batcher = NormalisationBatcher()

    async def main() -> tuple[list[Any], Sequence[NormalisedItem]]:
        answers = await _queued(batcher, normaliser, ["first", "bad", "other"])
        later = await batcher.normalise(normaliser, kind="candidate", texts={"skills": "later"})
        return answers, later

    answers, later = _run(main)
    assert answers[0][0].source_text == "first"
    assert isinstance(answers[1], RuntimeError)
    assert answers[2][0].source_text == "other"  # its batch failed; alone, it went through
    assert [[p["skills"] for p in call] for call in normaliser.calls] == [
        ["first"],
        ["bad", "other"],
        ["bad"],
        ["other"],
        ["later"],
    ]
    assert [item.source_text for item in later] == ["later"]


def test_normalisers_and_kinds_are_not_mixed_in_one_call() -> None:
    one, other = Recording(), Recording()
    other.release.set()
    batcher = NormalisationBatcher()

    async def main() -> list[Any]:
        first = asyncio.create_task(
            batcher.normalise(one, kind="candidate", texts={"skills": "held"})
        )
        while not one.calls:
            await asyncio.sleep(0.01)
        queued = [
            batcher.normalise(one, kind="candidate", texts={"skills": "a"}),
            batcher.normalise(other, kind="candidate", texts={"skills": "b"}),
            batcher.normalise(one, kind="opening", texts={"occupation": "c"}),
            batcher.normalise(one, kind="candidate", texts={"skills": "d"}),
        ]
        tasks = [asyncio.create_task(q) for q in queued]
        await asyncio.sleep(0.05)
        one.release.set()
        return [await first, *await asyncio.gather(*tasks)]

    answers = _run(main)
    assert [[p["skills"] for p in call] for call in one.calls if "skills" in call[0]] == [
        ["held"],
        ["a", "d"],
    ]
    assert [list(call) for call in other.calls] == [[{"skills": "b"}]]
    assert [item.concept_uri for items in answers for item in items] == [
        "uri:candidate:held",
        "uri:candidate:a",
        "uri:candidate:b",
        "uri:opening:c",
        "uri:candidate:d",
    ]


def test_a_cancelled_request_does_not_disturb_its_batch() -> None:
    normaliser = Recording()
    batcher = NormalisationBatcher()

    async def main() -> list[Any]:
        tasks = [
            asyncio.create_task(
                batcher.normalise(normaliser, kind="candidate", texts={"skills": t})
            )
            for t in ("x", "gone", "y")
        ]
        while not normaliser.calls:
            await asyncio.sleep(0.01)
        tasks[1].cancel()  # its client went away
        normaliser.release.set()
        return list(await asyncio.gather(*tasks, return_exceptions=True))

    x, gone, y = _run(main)
    assert isinstance(gone, asyncio.CancelledError)
    assert (x[0].source_text, y[0].source_text) == ("x", "y")


def test_profiles_get_the_same_items_in_a_batch_as_alone(normalizer: Normalizer) -> None:
    profiles = [
        {"skills": "souder à l'arc ; conduire un chariot élévateur", "job_titles": "Soudeur H/F"},
        {"skills": "customer service, weld metal", "job_titles": "welder"},
        {"skills": "خدمة الزبائن", "job_titles": "نادل", "languages": "Allemand B1"},
        {"skills": "soins aux patients", "job_titles": "aide-soignant(e)", "diplomas": "BTS"},
    ]
    esco = EscoProfileNormaliser(normalizer)
    alone = [esco.normalise_profiles(kind="candidate", profiles=[p])[0] for p in profiles]
    batcher = NormalisationBatcher()

    async def main() -> list[Sequence[NormalisedItem]]:
        return list(
            await asyncio.gather(
                *(batcher.normalise(esco, kind="candidate", texts=p) for p in profiles)
            )
        )

    assert _run(main) == alone
    assert batcher.calls < len(profiles)  # some went together


def test_max_profiles_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_profiles"):
        NormalisationBatcher(max_profiles=0)
