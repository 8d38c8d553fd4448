"""Forward/reverse auction (Bertsekas & Castañon) for b-matching, vectorised (Jacobi).

Persons are candidates (rows); an opening of capacity ``c`` is one object with ``c`` units
(slots), each with its own price; ``P[o]`` is the cheapest slot's price. Every person also owns
a private dummy object of value 0 ("stay unassigned") whose price never moves.

* Forward round (``run``): every unassigned person bids for its best opening ``o1`` (value
  ``w - P``) the amount ``P[o1] + (best - second) + eps``, ``second`` including the dummy; the
  opening accepts its highest bids that beat its cheapest slots (evicting their holders).
* Reverse round (``reverse``): every opening with a *free slot priced above 0* offers its free
  slots to the persons that gain most from it, ``gain = w - profit`` (``profit`` = the
  person's current ``w - own price``, 0 on the dummy), at the price
  ``max(0, omega - eps)``, ``omega`` being the best gain left out; all its slots drop to that
  price. A person offered several slots takes the most profitable one. Persons only ever move
  (never become unassigned), profits only rise, prices only fall.

Invariant (eps-complementary slackness): every person's profit by its own price is within
``eps`` of its best value ``max(0, max over its edges of w - P)``. Both rounds keep it, except
that a forward bid ignores the opening's *second* cheapest slot and can overshoot when that
slot is cheaper than the bid; ``restore`` evicts such holders at the next phase, and on rare
tiny graphs the whole-graph pricing loop cycles on them until the round limit (the MILP then
answers; correcting the bid cost 10x on bench_modes graphs, see benchmarks/RESULTS.md). A phase
ends when every person holds a slot or its dummy *and* every free slot is priced 0; then
``(u = max(0, best), v = P)`` is dual feasible with ``P[o] = 0`` wherever ``o`` has room, and
the primal value is within ``n_persons * eps`` of the optimum (see ``_bmatching``).

Why the reverse rounds: eps-scaling keeps prices between phases, and ``restore`` (at a smaller
``eps`` or after adding edges) evicts violators, leaving free slots with stale positive prices.
Dropping those to 0 wholesale (the previous design) let evicted persons' slots cascade to ~0
and near-identical persons then re-built the prices ``eps = 1`` at a time (a price war of
millions of rounds). A reverse round lowers a price only to the level where the best outside
person is indifferent, so prices stay near their equilibrium and every phase is short.

All arithmetic is int64; the caller keeps weights and prices below 2**62.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["AuctionState", "concat_ranges"]

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
_NEG = np.int64(np.iinfo(np.int64).min // 4)
_UNASSIGNED = -1
_DUMMY = -2


def concat_ranges(starts: I64, lengths: I64) -> I64:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` without a loop."""
    offsets = np.cumsum(lengths) - lengths
    total = int(offsets[-1] + lengths[-1]) if lengths.size else 0
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


def _by_group_largest_first(group: I64, value: I64) -> I64:
    """Stable order by ``group`` ascending, then ``value`` descending (``group`` >= 0).

    Sorts one packed int64 key when it fits (several times faster than a lexsort).
    """
    if value.size == 0:
        return np.zeros(0, dtype=np.int64)
    low, high = int(value.min()), int(value.max())
    value_bits = (high - low).bit_length()
    group_bits = int(group.max()).bit_length()
    if value_bits + group_bits > 62:
        order: I64 = np.lexsort((-value, group)).astype(np.int64)
        return order
    key = (group << value_bits) | (high - value)
    order = np.argsort(key, kind="stable").astype(np.int64)
    return order


class AuctionState:
    """Prices and assignment of one auction; edges may be swapped (``set_edges``) between phases.

    ``slot_of[i]`` is person ``i``'s slot (or -1 unassigned, -2 on its dummy); ``edge_of[i]``
    the *global* id of its edge; ``holder[s]``/``price[s]`` per slot; ``P[o]`` opening price.
    """

    def __init__(self, *, capacity: I64, n_persons: int, weight: I64) -> None:
        self.capacity = capacity
        self.slot_start = np.concatenate([[0], np.cumsum(capacity)]).astype(np.int64)
        self.slot_opening = np.repeat(np.arange(capacity.shape[0], dtype=np.int64), capacity)
        self.price = np.zeros(int(self.slot_start[-1]), dtype=np.int64)
        self.holder = np.full(self.price.shape[0], _UNASSIGNED, dtype=np.int64)
        self.P = np.zeros(capacity.shape[0], dtype=np.int64)
        self.slot_of = np.full(n_persons, _UNASSIGNED, dtype=np.int64)
        self.edge_of = np.full(n_persons, _UNASSIGNED, dtype=np.int64)
        self.weight = weight  # global edge weights, indexed by global edge id
        self.rounds = 0
        empty = np.zeros(0, dtype=np.int64)
        self.set_edges(indptr=np.zeros(n_persons + 1, dtype=np.int64), col=empty, edge_id=empty)

    def set_edges(self, *, indptr: I64, col: I64, edge_id: I64) -> None:
        """Edges the persons may bid on (CSR by person); ``edge_id`` maps them to global ids."""
        self.indptr, self.col, self.edge_id = indptr, col, edge_id
        self.w = self.weight[edge_id]
        self.degree = np.diff(indptr)
        # the same edges by opening (for reverse rounds): CSR positions and their persons
        self.by_opening = np.argsort(col, kind="stable").astype(np.int64)
        self.opening_ptr = np.searchsorted(
            col[self.by_opening], np.arange(self.capacity.shape[0] + 1)
        ).astype(np.int64)
        self.person = np.repeat(np.arange(self.degree.shape[0], dtype=np.int64), self.degree)

    # -- values -------------------------------------------------------------------------------

    def best_values(self, *, indptr: I64, col: I64, w: I64) -> I64:
        """``max(0, max over the person's edges of w - P)`` for the given CSR edge set."""
        out = np.zeros(indptr.shape[0] - 1, dtype=np.int64)
        has = indptr[1:] > indptr[:-1]
        if col.size:
            out[has] = np.maximum.reduceat(w - self.P[col], indptr[:-1][has])
        return np.maximum(out, 0)

    def values(self, *, own_bid: bool) -> I64:
        """Each person's current value: ``w - P[o]`` (or ``w - own bid``); 0 on the dummy."""
        out = np.zeros(self.slot_of.shape[0], dtype=np.int64)
        assigned = np.flatnonzero(self.slot_of >= 0)
        slot = self.slot_of[assigned]
        paid = self.price[slot] if own_bid else self.P[self.slot_opening[slot]]
        out[assigned] = self.weight[self.edge_of[assigned]] - paid
        return out

    # -- phases -------------------------------------------------------------------------------

    def restore(self, eps: int) -> None:
        """Evict persons violating eps-CS by their own bid (after ``eps`` shrank or edges were
        added). Their slots keep their prices: the next forward rounds start from the prices
        found so far, and reverse rounds lower the ones left free only as far as needed.
        """
        best = self.best_values(indptr=self.indptr, col=self.col, w=self.w)
        violating = (self.slot_of != _UNASSIGNED) & (self.values(own_bid=True) < best - eps)
        if violating.any():
            self.evict(np.flatnonzero(violating))

    def solve_phase(self, eps: int, *, max_rounds: int) -> bool:
        """Forward rounds until every person is placed, then reverse rounds until no free slot
        has a positive price (reverse rounds never unplace anyone). False if rounds ran out."""
        return self.run(eps, max_rounds=max_rounds) and self.reverse(eps, max_rounds=max_rounds)

    def evict(self, persons: I64) -> None:
        slots = self.slot_of[persons]
        slots = slots[slots >= 0]
        self.holder[slots] = _UNASSIGNED
        self.slot_of[persons] = _UNASSIGNED
        self.edge_of[persons] = _UNASSIGNED
        self._lower_freed(slots)

    def _lower_freed(self, slots: I64) -> None:
        """Price freed slots at their opening's price ``P`` (the cheapest slot, so ``P`` and
        everyone's values stay as they are): a bid beating ``P`` then fills the free slot
        instead of evicting the holder of the cheapest one. Without this, identical
        candidates evicted each other ``eps`` at a time next to free slots left at stale
        higher prices until the reverse rounds came (never, while the war lasted)."""
        self.price[slots] = np.minimum(self.price[slots], self.P[self.slot_opening[slots]])

    def run(self, eps: int, *, max_rounds: int) -> bool:
        """Bid until every person holds a slot or its dummy; False if ``max_rounds`` ran out."""
        while True:
            if self.rounds >= max_rounds:
                return False
            waiting = self.slot_of == _UNASSIGNED
            self.slot_of[waiting & (self.degree == 0)] = _DUMMY
            bidders = np.flatnonzero(waiting & (self.degree > 0))
            if bidders.size == 0:
                return True
            self.rounds += 1
            self._round(bidders, eps)

    def reverse(self, eps: int, *, max_rounds: int) -> bool:
        """Reverse rounds until every free slot is priced 0; False if ``max_rounds`` ran out."""
        while True:
            stale = (self.holder < 0) & (self.price > 0)
            if not stale.any():
                return True
            if self.rounds >= max_rounds:
                return False
            self.rounds += 1
            self._reverse_round(np.unique(self.slot_opening[stale]), eps)

    def _reverse_round(self, openings: I64, eps: int) -> None:
        """Each given opening offers its free slots to the persons gaining most from them.

        Its ``k`` best gains win (if they gain at least ``eps`` over the new price); the new
        price of *all* the opening's slots is ``max(0, omega - eps)`` with ``omega`` the best
        gain left out (eps-CS bounds every gain by ``P + eps``, so the price never rises).
        Persons already holding a slot of the opening are not candidates: flattening its
        prices to the new one is their gain.
        """
        cap = self.capacity[openings]
        slots = concat_ranges(self.slot_start[openings], cap)
        is_free = self.holder[slots] < 0
        free = slots[is_free]  # grouped by opening, in the order of ``openings``
        k = np.bincount(np.repeat(np.arange(openings.shape[0]), cap)[is_free])
        k = np.pad(k, (0, openings.shape[0] - k.shape[0]))
        lengths = self.opening_ptr[openings + 1] - self.opening_ptr[openings]
        pos = self.by_opening[concat_ranges(self.opening_ptr[openings], lengths)]
        group = np.repeat(np.arange(openings.shape[0], dtype=np.int64), lengths)
        person = self.person[pos]
        slot = self.slot_of[person]
        held = slot >= 0
        at = np.maximum(slot, 0)
        outside = ~held | (self.slot_opening[at] != openings[group])
        profit = np.where(held, self.weight[self.edge_of[person]] - self.price[at], 0)
        gain = self.w[pos] - profit
        pos, group, gain = pos[outside], group[outside], gain[outside]
        order = _by_group_largest_first(group, gain)  # ties: lowest person (edge order)
        pos, group, gain = pos[order], group[order], gain[order]
        counts = np.bincount(group, minlength=openings.shape[0])
        first = np.cumsum(counts) - counts
        rank = np.arange(group.shape[0], dtype=np.int64) - first[group]
        omega = np.full(openings.shape[0], _NEG, dtype=np.int64)
        has_omega = counts > k
        omega[has_omega] = gain[first[has_omega] + k[has_omega]]
        new_price = np.maximum(omega - eps, 0)
        self.price[slots] = np.minimum(self.price[slots], np.repeat(new_price, cap))
        offered = (rank < k[group]) & (gain >= new_price[group] + eps)
        if offered.any():
            pos, group = pos[offered], group[offered]
            self._take_offers(
                person=self.person[pos],
                group=group,
                profit=self.w[pos] - new_price[group],
                edge=self.edge_id[pos],
                free=free,
                free_start=np.cumsum(k) - k,
            )
        self._refresh(openings)

    def _take_offers(
        self, *, person: I64, group: I64, profit: I64, edge: I64, free: I64, free_start: I64
    ) -> None:
        """Each person takes its most profitable offer (ties: first opening) into a free slot,
        unless the flattening of its own opening's prices (this round) already gives it as
        much; ``free[free_start[g]:]`` are the free slots of the offers' group ``g``."""
        order = np.lexsort((group, -profit, person))
        person, group, profit, edge = person[order], group[order], profit[order], edge[order]
        first = np.ones(person.shape[0], dtype=np.bool_)
        first[1:] = person[1:] != person[:-1]
        person, group, profit, edge = person[first], group[first], profit[first], edge[first]
        slot = self.slot_of[person]
        held = slot >= 0
        now = np.where(held, self.weight[self.edge_of[person]] - self.price[np.maximum(slot, 0)], 0)
        better = profit > now
        person, group, edge = person[better], group[better], edge[better]
        left = self.slot_of[person]
        left = left[left >= 0]
        self.holder[left] = _UNASSIGNED
        # the r-th taker of a group gets its r-th free slot
        order = np.argsort(group, kind="stable")
        person, group, edge = person[order], group[order], edge[order]
        new_group = np.ones(group.shape[0], dtype=np.bool_)
        new_group[1:] = group[1:] != group[:-1]
        group_first = np.flatnonzero(new_group)
        rank = np.arange(group.shape[0]) - np.repeat(
            group_first, np.diff([*group_first, group.shape[0]])
        )
        slot = free[free_start[group] + rank]
        self.holder[slot] = person
        self.slot_of[person] = slot
        self.edge_of[person] = edge
        self._lower_freed(left)

    def _round(self, bidders: I64, eps: int) -> None:
        lengths = self.degree[bidders]
        idx = concat_ranges(self.indptr[bidders], lengths)
        opening = self.col[idx]
        value = self.w[idx] - self.P[opening]
        starts = np.cumsum(lengths) - lengths
        best = np.maximum.reduceat(value, starts)
        segment = np.repeat(np.arange(bidders.shape[0]), lengths)
        at_best = np.flatnonzero(value == best[segment])
        # among tied best openings, bidder b takes the (b mod ties)-th: identical bidders spread
        # over identical openings instead of all queueing for the lowest one
        ties = np.bincount(segment[at_best], minlength=bidders.shape[0])
        tie_rank = np.arange(at_best.shape[0]) - np.repeat(np.cumsum(ties) - ties, ties)
        pick = tie_rank == np.repeat(bidders % ties, ties)
        top = at_best[pick]
        value[top] = _NEG
        second = np.maximum(np.maximum.reduceat(value, starts), 0)
        to_dummy = best <= 0
        self.slot_of[bidders[to_dummy]] = _DUMMY
        keep = ~to_dummy
        person, top, best, second = bidders[keep], top[keep], best[keep], second[keep]
        if person.size == 0:
            return
        target = opening[top]
        bid = self.P[target] + (best - second) + eps
        edge = self.edge_id[idx[top]]
        self._accept(person=person, target=target, bid=bid, edge=edge)

    def _accept(self, *, person: I64, target: I64, bid: I64, edge: I64) -> None:
        """Each opening takes its highest bids (ties: lowest person) beating its cheapest slots."""
        order = np.lexsort((person, -bid, target))
        person, target, bid, edge = person[order], target[order], bid[order], edge[order]
        new_group = np.ones(target.shape[0], dtype=np.bool_)
        new_group[1:] = target[1:] != target[:-1]
        group_start = np.flatnonzero(new_group)
        group_size = np.diff(np.append(group_start, target.shape[0]))
        rank = np.arange(target.shape[0]) - np.repeat(group_start, group_size)
        openings = target[group_start]
        cap = self.capacity[openings]
        slots = concat_ranges(self.slot_start[openings], cap)
        group_of_slot = np.repeat(np.arange(openings.shape[0]), cap)
        held = self.holder[slots] >= 0  # cheapest first, free before held
        slots = slots[np.lexsort((slots, held, self.price[slots], group_of_slot))]
        first_slot = np.cumsum(cap) - cap
        ok = rank < np.repeat(cap, group_size)
        slot = np.repeat(first_slot, group_size)[ok] + rank[ok]
        slot = slots[slot]
        wins = bid[ok] > self.price[slot]
        slot = slot[wins]
        winner = person[ok][wins]
        evicted = self.holder[slot]
        evicted = evicted[evicted >= 0]
        self.slot_of[evicted] = _UNASSIGNED
        self.edge_of[evicted] = _UNASSIGNED
        self.holder[slot] = winner
        self.price[slot] = bid[ok][wins]
        self.slot_of[winner] = slot
        self.edge_of[winner] = edge[ok][wins]
        self._refresh(openings)

    def _refresh(self, openings: I64) -> None:
        """``P[o]`` = cheapest slot price of each given opening."""
        cap = self.capacity[openings]
        nonempty = cap > 0
        if not nonempty.any():
            return
        starts = self.slot_start[openings]
        prices = self.price[concat_ranges(starts, cap)]
        first = (np.cumsum(cap) - cap)[nonempty]
        self.P[openings[nonempty]] = np.minimum.reduceat(prices, first)
