"""Forward auction (Bertsekas) for b-matching, vectorised over all bidders at once (Jacobi).

Persons are candidates (rows); an opening of capacity ``c`` is one object with ``c`` units
(slots); every person also owns a private dummy object of value 0 ("stay unassigned") whose
price never moves. An opening keeps its ``c`` highest bids; its price ``P[o]`` is the lowest
held bid, or 0 while it has a free slot. Each round, every unassigned person bids for its best
opening ``o1`` (value ``w - P``) the amount ``P[o1] + (best - second) + eps``, ``second``
including the dummy; the opening accepts its highest bids that beat its cheapest slots.

Invariant (eps-complementary slackness): every assigned person's value at its opening,
``w - P[o]``, is within ``eps`` of its best value over all its edges and the dummy; free slots
are priced 0. Then ``(u = max(0, best), v = P)`` is dual feasible and the primal value is
within ``n_persons * eps`` of the optimum (see ``_bmatching``). Within a phase prices only rise,
so the invariant holds with each person's own accepted bid; ``restore`` re-establishes it when
``eps`` shrinks or edges are added (evicting violators; at ``eps = 1`` also re-pricing free
slots at 0, which the certificate needs).

All arithmetic is int64; the caller keeps weights and prices below 2**62.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["AuctionState", "concat_ranges"]

I64 = npt.NDArray[np.int64]
_NEG = np.int64(np.iinfo(np.int64).min // 4)
_UNASSIGNED = -1
_DUMMY = -2


def concat_ranges(starts: I64, lengths: I64) -> I64:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` without a loop."""
    offsets = np.cumsum(lengths) - lengths
    total = int(offsets[-1] + lengths[-1]) if lengths.size else 0
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


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
        self._set_empty()

    def _set_empty(self) -> None:
        self.indptr = np.zeros(self.slot_of.shape[0] + 1, dtype=np.int64)
        self.col = np.zeros(0, dtype=np.int64)
        self.w = np.zeros(0, dtype=np.int64)
        self.edge_id = np.zeros(0, dtype=np.int64)
        self.degree = np.zeros(self.slot_of.shape[0], dtype=np.int64)

    def set_edges(self, *, indptr: I64, col: I64, edge_id: I64) -> None:
        """Edges the persons may bid on (CSR by person); ``edge_id`` maps them to global ids."""
        self.indptr, self.col, self.edge_id = indptr, col, edge_id
        self.w = self.weight[edge_id]
        self.degree = np.diff(indptr)

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

    def restore(self, eps: int, *, release: bool) -> None:
        """Evict persons violating eps-CS by their own bid; with ``release``, also price free
        slots at 0 (complementary slackness) and repeat until both hold.

        Between scaling phases (``release=False``) evicted persons' slots keep their prices, so
        the next phase starts from the prices the last one found instead of from zero.
        """
        while True:
            if release:
                free = self.holder < 0
                if np.any(self.price[free] != 0):
                    self.price[free] = 0
                    self._refresh(np.arange(self.capacity.shape[0], dtype=np.int64))
            best = self.best_values(indptr=self.indptr, col=self.col, w=self.w)
            violating = (self.slot_of != _UNASSIGNED) & (self.values(own_bid=True) < best - eps)
            if violating.any():
                self.evict(np.flatnonzero(violating))
            if not release or not violating.any():
                return

    def evict(self, persons: I64) -> None:
        slots = self.slot_of[persons]
        self.holder[slots[slots >= 0]] = _UNASSIGNED
        self.slot_of[persons] = _UNASSIGNED
        self.edge_of[persons] = _UNASSIGNED

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

    def _round(self, bidders: I64, eps: int) -> None:
        lengths = self.degree[bidders]
        idx = concat_ranges(self.indptr[bidders], lengths)
        opening = self.col[idx]
        value = self.w[idx] - self.P[opening]
        starts = np.cumsum(lengths) - lengths
        best = np.maximum.reduceat(value, starts)
        segment = np.repeat(np.arange(bidders.shape[0]), lengths)
        at_best = np.flatnonzero(value == best[segment])
        first_seen = np.ones(at_best.shape[0], dtype=np.bool_)
        first_seen[1:] = segment[at_best[1:]] != segment[at_best[:-1]]
        top = at_best[first_seen]  # first (lowest opening) best edge of each bidder
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
        slots = slots[np.lexsort((slots, self.price[slots], group_of_slot))]  # cheapest first
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
