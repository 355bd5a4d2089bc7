"""Every kind of scheduled message, wired to its renderer and misfire policy. One place.

A flow that plans delivery rows of a new kind exports `KINDS` and is added here.
"""

from __future__ import annotations

from bot.delivery.kinds import DeliveryKinds
from flows import scheduled_messages
from flows.announcements import compose as announcements
from flows.chemistry import fit_check
from flows.meetings import nudges
from flows.sessions import close as programme_close
from flows.sessions import goals, polls, prep
from flows.sessions import plan as session_plan
from flows.surveys import calendar as programme_calendar

SESSION_CYCLE = (session_plan, prep, polls, goals, programme_close, programme_calendar)


def build_delivery_kinds() -> DeliveryKinds:
    kinds = DeliveryKinds()
    for module in (nudges, announcements, scheduled_messages, fit_check, *SESSION_CYCLE):
        for kind in module.KINDS:
            kinds.add(kind)
    return kinds
