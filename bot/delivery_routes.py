"""Every kind of scheduled message, wired to its renderer and misfire policy. One place.

A flow that plans delivery rows of a new kind exports `KINDS` and is added here.
"""

from __future__ import annotations

from bot.delivery_kinds import DeliveryKinds
from flows import announcements, fit_check, nudges, scheduled_messages


def build_delivery_kinds() -> DeliveryKinds:
    kinds = DeliveryKinds()
    for module in (nudges, announcements, scheduled_messages, fit_check):
        for kind in module.KINDS:
            kinds.add(kind)
    return kinds
