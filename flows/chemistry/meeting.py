"""Booking the chemistry meeting: pick one of three times that suit both, or propose
another; the other person accepts; both get the time in their own zone and a calendar link.

The booking engine is flows/booking/spec.py; this module says what is special about the
chemistry meeting: introduced pairs book it, its length comes from the programme, and once
it is booked the private "Good fit?" question is planned for its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flows.booking.spec import GONE, NOTICE, Booking, BookingSpec, load_booking
from flows.chemistry import fit_check
from flows.matching.introductions import chemistry_minutes
from storage.models import Meeting
from storage.pair_status import PairStatus, move
from storage.uow import UnitOfWork

__all__ = ["GONE", "NOTICE", "Booking", "load_booking"]

FORM_ID = "chem_time"
BOOKABLE = ("introduced", "chemistry_booked")


def _refuse(b: Booking, meetings: Sequence[Meeting], now: datetime) -> str | None:
    if b.pair.status == "confirmed":
        return "You've had your chemistry meeting and are confirmed as a pair."
    return None


async def _booked(uow: UnitOfWork, meeting: Meeting, b: Booking, now: datetime) -> None:
    move(b.pair, PairStatus.CHEMISTRY_BOOKED)
    await fit_check.plan(uow, meeting, b.pair, (b.me, b.partner))


async def _cancelled(uow: UnitOfWork, meeting: Meeting, b: Booking, now: datetime) -> None:
    await fit_check.unplan(uow, meeting.id)
    move(b.pair, PairStatus.INTRODUCED)


SPEC = BookingSpec(
    kind="chemistry",
    prefix="chem",
    label="chemistry meeting",
    book_label="Book our chemistry meeting",
    bookable=BOOKABLE,
    minutes=chemistry_minutes,
    refuse=_refuse,
    after_booked=_booked,
    after_cancelled=_cancelled,
    booked_note=(
        "I'll nudge you 30 minutes before. Afterwards I'll ask each of you, "
        "privately, whether it's a good fit."
    ),
    cancel_states=("chemistry_booked",),
    move_past=True,
)
assert SPEC.form_id == FORM_ID
