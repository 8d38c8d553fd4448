"""The profiles of concurrent requests normalised together: ``NormalisationBatcher``.

One call of the normaliser costs about a millisecond before its first text (sparse products
over every ESCO label, the ranking of each pool), and a profile brings only one or two texts
the normaliser has not answered before (``skills_taxonomy.memo``). Under load, the requests of
one server process that wait to be normalised are therefore taken together: while a batch is
normalised (in a thread, off the event loop), the next requests queue; when it ends, all of
them go in the next call (``ProfileNormaliser.normalise_profiles`` takes many profiles). A
request that arrives while nothing runs starts a batch of its own at once: nobody waits for a
batch to fill.

Each text's answer does not depend on the texts beside it (``skills_taxonomy.normalizer``),
so a profile gets the same items in a batch as alone. Requests holding different normalisers
(synonyms were confirmed in between: ``api.curation``) are normalised in separate calls, each
with its own. When a call fails, its profiles are normalised again one by one, so that a text
that breaks the normaliser fails its own request only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import anyio.to_thread
from anyio import CapacityLimiter

from api.normalisation import NormalisedItem, ProfileKind, ProfileNormaliser

__all__ = ["MAX_BATCH_PROFILES", "NormalisationBatcher"]

#: Profiles normalised in one call at most (bounds one call's time and memory).
MAX_BATCH_PROFILES = 64


@dataclass(frozen=True, slots=True)
class _Waiting:
    normaliser: ProfileNormaliser
    kind: ProfileKind
    texts: Mapping[str, str]
    answer: asyncio.Future[Sequence[NormalisedItem]] = field(compare=False)


class NormalisationBatcher:
    """Normalises the profiles of concurrent requests in batches (see the module docstring).

    Belongs to one event loop (the server process's); ``normalise`` is called on it."""

    def __init__(self, *, max_profiles: int = MAX_BATCH_PROFILES) -> None:
        if max_profiles < 1:
            raise ValueError(f"max_profiles must be >= 1; got {max_profiles!r}")
        self.max_profiles = max_profiles
        self._waiting: list[_Waiting] = []
        self._draining: asyncio.Task[None] | None = None
        # One batch at a time: the next one gathers while it runs.
        self._limiter = CapacityLimiter(1)
        #: Calls of the normaliser made, and profiles they took (for tests and benchmarks).
        self.calls = 0
        self.profiles = 0

    async def normalise(
        self, normaliser: ProfileNormaliser, *, kind: ProfileKind, texts: Mapping[str, str]
    ) -> Sequence[NormalisedItem]:
        """The items ``normaliser`` finds in one profile's ``texts`` (field → text)."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(normaliser, kind, texts, loop.create_future())
        self._waiting.append(waiting)
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        return await waiting.answer

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_profiles]
                del self._waiting[: self.max_profiles]
                for group in _groups(batch):
                    await self._normalise(group)
        finally:
            self._draining = None

    async def _normalise(self, group: Sequence[_Waiting]) -> None:
        try:
            found = await self._call(group)
        except Exception as error:
            if len(group) == 1:  # the request raises it, as it would alone
                _answer(group[0], error)
                return
            # One profile's text may break the normaliser: each alone, so that only its
            # request fails.
            for waiting in group:
                await self._normalise([waiting])
            return
        for waiting, items in zip(group, found, strict=True):
            _answer(waiting, items)

    async def _call(self, group: Sequence[_Waiting]) -> Sequence[Sequence[NormalisedItem]]:
        first = group[0]
        found = await anyio.to_thread.run_sync(
            lambda: first.normaliser.normalise_profiles(
                kind=first.kind, profiles=[w.texts for w in group]
            ),
            limiter=self._limiter,
        )
        self.calls += 1
        self.profiles += len(group)
        return found


def _answer(waiting: _Waiting, outcome: Sequence[NormalisedItem] | Exception) -> None:
    if waiting.answer.done():  # its request was cancelled
        return
    if isinstance(outcome, Exception):
        waiting.answer.set_exception(outcome)
    else:
        waiting.answer.set_result(outcome)


def _groups(batch: Sequence[_Waiting]) -> list[list[_Waiting]]:
    """``batch`` split by (normaliser, kind), in order of first arrival."""
    groups: dict[tuple[int, ProfileKind], list[_Waiting]] = {}
    for waiting in batch:
        groups.setdefault((id(waiting.normaliser), waiting.kind), []).append(waiting)
    return list(groups.values())
