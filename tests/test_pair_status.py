"""A pair moves through the programme only the ways the programme moves it."""

from __future__ import annotations

import pytest

from storage.models import Pair
from storage.pair_status import LIVE_STATES, IllegalPairTransition, PairStatus, can_move, move

P = PairStatus
# Every move a flow makes, and the flow that makes it.
USED = [
    (P.PROPOSED, P.INTRODUCED),  # flows/matching/introductions.py: the admin publishes
    (P.INTRODUCED, P.CHEMISTRY_BOOKED),  # flows/chemistry/meeting.py: booked
    (P.CHEMISTRY_BOOKED, P.CHEMISTRY_BOOKED),  # moved to another time
    (P.CHEMISTRY_BOOKED, P.INTRODUCED),  # cancelled
    (P.CHEMISTRY_BOOKED, P.CONFIRMED),  # flows/chemistry/fit_check.py: both say yes
    (P.CHEMISTRY_BOOKED, P.REMATCH_REQUESTED),  # either says no
    (P.INTRODUCED, P.ENDED),  # flows/common/pair_lifecycle.py: someone withdraws
    (P.CHEMISTRY_BOOKED, P.ENDED),
    (P.CONFIRMED, P.ENDED),  # ... or the programme is completed
]


def _pair(status: PairStatus) -> Pair:
    return Pair(id=7, status=status.value)


def test_stored_values_never_change() -> None:
    assert [s.value for s in PairStatus] == [
        "proposed",
        "introduced",
        "chemistry_booked",
        "confirmed",
        "rematch_requested",
        "ended",
    ]


@pytest.mark.parametrize(("start", "to"), USED, ids=[f"{a}->{b}" for a, b in USED])
def test_each_move_the_programme_makes_is_allowed(start: PairStatus, to: PairStatus) -> None:
    pair = _pair(start)
    move(pair, to)
    assert pair.status == to


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (P.ENDED, P.CONFIRMED),
        (P.REMATCH_REQUESTED, P.INTRODUCED),
        (P.PROPOSED, P.CONFIRMED),
        (P.CONFIRMED, P.INTRODUCED),
        (P.PROPOSED, P.ENDED),
        (P.ENDED, P.ENDED),
    ],
)
def test_an_illegal_move_is_refused_and_changes_nothing(start: PairStatus, to: PairStatus) -> None:
    pair = _pair(start)
    with pytest.raises(IllegalPairTransition, match=f"pair 7 cannot move from '{start}' to '{to}'"):
        move(pair, to)
    assert pair.status == start


def test_a_status_the_programme_does_not_know_is_refused() -> None:
    pair = Pair(id=7, status="paused")
    with pytest.raises(IllegalPairTransition):
        move(pair, P.CONFIRMED)
    assert pair.status == "paused"


def test_only_live_pairs_can_end_and_nothing_leaves_a_final_status() -> None:
    assert {s for s in PairStatus if can_move(s, P.ENDED)} == set(LIVE_STATES)
    assert not [(s, to) for s in (P.ENDED, P.REMATCH_REQUESTED) for to in P if can_move(s, to)]
