"""Where a pair is in the programme, and the only ways it moves on.

    proposed          -> introduced          the admin publishes the match
    introduced        -> chemistry_booked    they book their chemistry meeting
    chemistry_booked  -> chemistry_booked    they move it
    chemistry_booked  -> introduced          they cancel it
    chemistry_booked  -> confirmed           both say it is a good fit
    chemistry_booked  -> rematch_requested   either says it is not
    any live status   -> ended               someone withdraws, or the programme is completed

`rematch_requested` and `ended` are final: the people go back to the pool and a new pairing
is a new Pair row. Change a pair's status only through `move`, which refuses any other
transition and then leaves the pair as it was.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class PairStatus(StrEnum):
    # The values are stored in pairs.status: never rename one.
    PROPOSED = "proposed"  # matched by a run, not yet published to the two people
    INTRODUCED = "introduced"
    CHEMISTRY_BOOKED = "chemistry_booked"
    CONFIRMED = "confirmed"
    REMATCH_REQUESTED = "rematch_requested"  # dissolved after the chemistry meeting
    ENDED = "ended"


# A live pair holds both its people: they are not matched again while it lasts.
LIVE_STATES: tuple[PairStatus, ...] = (
    PairStatus.INTRODUCED,
    PairStatus.CHEMISTRY_BOOKED,
    PairStatus.CONFIRMED,
)

NEXT: dict[PairStatus, frozenset[PairStatus]] = {
    PairStatus.PROPOSED: frozenset({PairStatus.INTRODUCED}),
    PairStatus.INTRODUCED: frozenset({PairStatus.CHEMISTRY_BOOKED, PairStatus.ENDED}),
    PairStatus.CHEMISTRY_BOOKED: frozenset(
        {
            PairStatus.CHEMISTRY_BOOKED,  # the chemistry meeting moved
            PairStatus.INTRODUCED,
            PairStatus.CONFIRMED,
            PairStatus.REMATCH_REQUESTED,
            PairStatus.ENDED,
        }
    ),
    PairStatus.CONFIRMED: frozenset({PairStatus.ENDED}),
    PairStatus.REMATCH_REQUESTED: frozenset(),
    PairStatus.ENDED: frozenset(),
}


class HasStatus(Protocol):
    """A Pair, as far as its status goes (storage.models imports this module, not back)."""

    id: int
    status: str


class IllegalPairTransition(ValueError):
    def __init__(self, pair_id: int, current: str, to: PairStatus) -> None:
        super().__init__(f"pair {pair_id} cannot move from {current!r} to {to.value!r}")
        self.pair_id, self.current, self.to = pair_id, current, to


def can_move(current: str, to: PairStatus) -> bool:
    return current in NEXT and to in NEXT[PairStatus(current)]


def move(pair: HasStatus, to: PairStatus) -> None:
    """Set the pair's status, or raise IllegalPairTransition and change nothing."""
    if not can_move(pair.status, to):
        raise IllegalPairTransition(pair.id, pair.status, to)
    pair.status = to
