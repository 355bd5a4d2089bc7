"""What the dispatcher needs to know about each kind of scheduled message.

A scheduled delivery is stored as (kind, payload), never as rendered text: it is rendered
when it is sent, so a moved meeting's nudge shows the new time and a late poll can say so.
Each kind names its renderer and its misfire policy, i.e. what to do when it is found late.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.core.outbound import Message

if TYPE_CHECKING:
    from storage.models import Delivery
    from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Drop:
    """A renderer's answer when the message should no longer go out, with the reason logged."""

    reason: str


@dataclass(slots=True)
class RenderRequest:
    uow: UnitOfWork
    delivery: Delivery
    now: datetime
    lateness: timedelta
    # Shared by every render in one dispatcher pass (e.g. one announcement body for 10,000 rows).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return self.delivery.payload or {}


Renderer = Callable[[RenderRequest], Awaitable[Message | Drop]]
# Given the row and now, a reason to drop it, or None to go ahead.
Misfire = Callable[["Delivery", datetime], str | None]


class WhenUnsure(StrEnum):
    """When a send's outcome is unknown (a crash mid-send, a timeout, a 5xx) and the platform
    cannot say whether the message arrived."""

    DROP = "drop"  # at most once: a missed nudge beats a duplicate
    RESEND = "resend"  # at least once


@dataclass(frozen=True, slots=True)
class DeliveryKind:
    name: str
    render: Renderer
    misfire: Misfire
    # False for nudges tied to a meeting time the person agreed to.
    quiet_hours: bool = True
    when_unsure: WhenUnsure = WhenUnsure.DROP
    # After downtime, only the newest due row per (person, kind, meeting) is sent.
    collapse_per_meeting: bool = True


def send_late(delivery: Delivery, now: datetime) -> str | None:
    """Announcements and polls: late is better than never (the renderer may adjust wording)."""
    return None


def drop_if_later_than(limit: timedelta) -> Misfire:
    def policy(delivery: Delivery, now: datetime) -> str | None:
        hours = float((delivery.payload or {}).get("max_late_hours", limit.total_seconds() / 3600))
        if now - delivery.due_at > timedelta(hours=hours):
            return f"more than {hours:g} h late"
        return None

    return policy


def drop_once_past(payload_field: str, reason: str) -> Misfire:
    """Drop once the instant stored in the payload (e.g. the meeting start) has passed."""

    def policy(delivery: Delivery, now: datetime) -> str | None:
        raw = (delivery.payload or {}).get(payload_field)
        if raw and now >= datetime.fromisoformat(raw):
            return reason
        return None

    return policy


class DeliveryKinds:
    def __init__(self) -> None:
        self._kinds: dict[str, DeliveryKind] = {}

    def add(self, kind: DeliveryKind) -> None:
        self._kinds[kind.name] = kind

    def get(self, name: str) -> DeliveryKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)
