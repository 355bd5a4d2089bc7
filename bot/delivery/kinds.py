"""What the dispatcher needs to know about each kind of row in the outbox.

A scheduled delivery is stored as (kind, payload), never as rendered text: it is rendered
when it is sent, so a moved meeting's nudge shows the new time and a late poll can say so.
Each kind names its renderer and its misfire policy, i.e. what to do when it is found late.

A job is the outbox's other kind of row: timed work that sends nothing itself (plan the
day's surveys, close finished pairs, report on an announcement). Its row is claimed with a
lease like a message's, so across replicas and restarts it runs once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.outbound import Message
from bot.core.refs import WorkspaceRef
from bot.delivery.when_unsure import WhenUnsure
from storage.repositories import deliveries

if TYPE_CHECKING:
    from bot.delivery.sender import Sender
    from storage.models import Delivery
    from storage.uow import Database, UnitOfWork

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


@dataclass(slots=True)
class JobRun:
    """What a job is given when its row comes due."""

    db: Database
    sender: Sender
    delivery: Delivery
    # The workspace the row belongs to (a recurring job's row serves every workspace).
    workspace: WorkspaceRef
    now: datetime

    @property
    def payload(self) -> dict[str, Any]:
        return self.delivery.payload or {}


# Returns when to run the same row again (e.g. a report still waiting for rows), or None.
JobWork = Callable[[JobRun], Awaitable[datetime | None]]


@dataclass(frozen=True, slots=True)
class Job:
    """Timed work kept as a row of the outbox. Running it again must be harmless: after a
    crash mid-run there is no platform to ask whether it finished, so it simply runs again.

    A recurring job (`every`) plans its next period's row when its row settles, in the same
    transaction, keyed by the period (`plan_surveys:2026-12-01`): two replicas never both
    run one period, a restart never forgets the next, and a long downtime runs it once, not
    once per missed period.
    """

    name: str
    run: JobWork
    every: timedelta | None = None

    def period_of(self, when: datetime) -> datetime:
        """The start of the period `when` falls in (daily periods start at midnight UTC)."""
        assert self.every is not None
        return EPOCH + (when - EPOCH) // self.every * self.every

    def key(self, when: datetime) -> str:
        start = self.period_of(when)
        whole_days = self.every is not None and self.every % timedelta(days=1) == timedelta()
        return f"{self.name}:{start.strftime('%Y-%m-%d' if whole_days else '%Y-%m-%dT%H:%M')}"

    def row(self, workspace_id: int, due_at: datetime, now: datetime) -> dict[str, Any]:
        """A recurring job's row for the period of `due_at`; it has no recipient."""
        return deliveries.row(
            workspace_id=workspace_id,
            key=self.key(due_at),
            kind=self.name,
            due_at=due_at,
            now=now,
            channel_id="",
        )

    def next_row(self, workspace_id: int, after: datetime, now: datetime) -> dict[str, Any]:
        """The row of the period after the one `after` falls in, due at its start."""
        assert self.every is not None
        return self.row(workspace_id, self.period_of(after) + self.every, now)


class DeliveryKinds:
    def __init__(self) -> None:
        self._kinds: dict[str, DeliveryKind] = {}
        self._jobs: dict[str, Job] = {}

    def add(self, kind: DeliveryKind) -> None:
        self._kinds[kind.name] = kind

    def add_job(self, job: Job) -> None:
        self._jobs[job.name] = job

    def get(self, name: str) -> DeliveryKind | None:
        return self._kinds.get(name)

    def job(self, name: str) -> Job | None:
        return self._jobs.get(name)

    def jobs(self) -> list[Job]:
        return [self._jobs[name] for name in sorted(self._jobs)]

    def job_names(self) -> list[str]:
        return sorted(self._jobs)

    def names(self) -> list[str]:
        return sorted(self._kinds)
