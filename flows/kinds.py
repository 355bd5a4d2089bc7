"""Every kind of row in the outbox, one place: each message kind wired to its renderer and
misfire policy, and each job (timed work that sends nothing itself) to its function.

A flow that plans delivery rows of a new kind exports `KINDS` (or `JOBS`) and is added here.
"""

from __future__ import annotations

from bot.delivery.kinds import DeliveryKinds
from flows.account import delivery_alerts
from flows.announcements import message as announcement
from flows.announcements import report as announcement_report
from flows.chemistry import fit_check
from flows.meetings import nudges
from flows.sessions import close as programme_close
from flows.sessions import goals, pair_closer, polls, prep
from flows.sessions import plan as session_plan
from flows.surveys import calendar as programme_calendar

SESSION_CYCLE = (session_plan, prep, polls, goals, programme_close, programme_calendar)


def build_delivery_kinds() -> DeliveryKinds:
    kinds = DeliveryKinds()
    for module in (nudges, announcement, fit_check, delivery_alerts, *SESSION_CYCLE):
        for kind in module.KINDS:
            kinds.add(kind)
    for module in (announcement_report, programme_calendar, pair_closer, delivery_alerts):
        for job in module.JOBS:
            kinds.add_job(job)
    return kinds
