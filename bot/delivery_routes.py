"""Every kind of scheduled message, wired to its renderer and misfire policy. One place.

A flow that plans delivery rows of a new kind exports `KINDS` and is added here.
"""

from __future__ import annotations

from bot.delivery_kinds import DeliveryKinds
from flows import (
    announcements,
    fit_check,
    goals,
    nudges,
    polls,
    prep,
    programme_calendar,
    programme_close,
    scheduled_messages,
    session_plan,
)

SESSION_CYCLE = (session_plan, prep, polls, goals, programme_close, programme_calendar)


def build_delivery_kinds() -> DeliveryKinds:
    kinds = DeliveryKinds()
    for module in (nudges, announcements, scheduled_messages, fit_check, *SESSION_CYCLE):
        for kind in module.KINDS:
            kinds.add(kind)
    return kinds
