"""The programme domain as typed SQLAlchemy 2 tables. Every row belongs to one workspace."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Workspace(Base):
    """A Slack workspace, a Teams tenant or a playground. The tenant boundary."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Minutes after local midnight; Monday=0 .. Sunday=6 in work_days.
    work_start_minute: Mapped[int] = mapped_column(Integer, default=9 * 60)
    work_end_minute: Mapped[int] = mapped_column(Integer, default=17 * 60 + 30)
    work_days: Mapped[list[str]] = mapped_column(default=lambda: ["0", "1", "2", "3", "4"])
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    unreachable_reason: Mapped[str] = mapped_column(String(200), default="")
    # Platform address for proactive messages (a Teams ConversationReference), opaque here.
    conversation_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="reverse")
    wave: Mapped[str] = mapped_column(String(64), default="pilot")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    cadence: Mapped[str] = mapped_column(String(16), default="monthly")
    session_count: Mapped[int] = mapped_column(Integer, default=6)
    session_minutes: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=30)
    signup_opens_at: Mapped[datetime | None] = mapped_column(nullable=True)
    signup_closes_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    matching_mode: Mapped[str] = mapped_column(String(16), default="optimal")
    # Matching weights, prep lead days, support resources, survey questions.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class ProgrammeRole(Base):
    """Admins and champions of a programme."""

    __tablename__ = "programme_roles"
    __table_args__ = (UniqueConstraint("programme_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("programme_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    seniority: Mapped[int] = mapped_column(Integer, default=1)
    department: Mapped[str] = mapped_column(String(120), default="")
    manager_user_id: Mapped[str] = mapped_column(String(128), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    medium: Mapped[str] = mapped_column(String(16), default="online")
    offers: Mapped[list[str]] = mapped_column(default=list)
    goal_areas: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[str] = mapped_column(Text, default="")
    lived_experience: Mapped[list[str]] = mapped_column(default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Pair(Base):
    __tablename__ = "pairs"
    __table_args__ = (Index("ix_pairs_programme_status", "programme_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    mentor_enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE")
    )
    mentee_enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE")
    )
    # proposed, introduced, chemistry_booked, confirmed, rematch_requested, ended
    status: Mapped[str] = mapped_column(String(24), default="proposed")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    end_reason: Mapped[str] = mapped_column(String(32), default="")


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # chemistry or session
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # proposed, scheduled, held, missed, cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    proposed_by_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Response(Base):
    """Poll and survey answers, fit checks, goals and private reflections, each with an owner.

    One row per (owner, kind, subject, question): answering again replaces the answer.
    """

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "subject", "question"),
        Index("ix_responses_workspace_kind_subject", "workspace_id", "kind", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), nullable=True
    )
    # poll, survey_pre, survey_post, pulse, reflection, fit_check, goal, agenda, support
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(64))  # e.g. "meeting:12", "programme:3"
    question: Mapped[str] = mapped_column(String(64))
    value_number: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_text: Mapped[str] = mapped_column(Text, default="")
    shared_with_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), nullable=True
    )
    sender_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime]


class Delivery(Base):
    """The outbox and the delivery log in one: every outbound message, due or done.

    `idempotency_key` is unique per workspace, so planning the same message twice is a no-op
    and a crash between send and commit is detectable on restart.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_deliveries_state_due", "state", "due_at"),
        Index("ix_deliveries_meeting", "meeting_id"),
        Index("ix_deliveries_announcement", "announcement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True
    )
    channel_id: Mapped[str] = mapped_column(String(128), default="")
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), nullable=True
    )
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), nullable=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime]
    # pending, sending, sent, failed, dropped, unreachable, cancelled
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_id: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Inbound event ids already handled: platforms retry, we answer once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("workspace_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime]


class PlaygroundItem(Base):
    """What the playground shows each person: DMs, channel posts and open forms."""

    __tablename__ = "playground_items"
    __table_args__ = (Index("ix_playground_items_ws_conv", "workspace_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))  # message or form
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Setting(Base):
    """Small durable key/values (the playground clock offset, schema markers)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class MatchExclusion(Base):
    """An admin's rule that two enrolments are never proposed together (a removed pair)."""

    __tablename__ = "match_exclusions"
    __table_args__ = (
        UniqueConstraint("programme_id", "mentor_enrolment_id", "mentee_enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    mentor_enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE")
    )
    mentee_enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime]


class MatchRun(Base):
    """The latest matching run of a programme: who was left unmatched and why, so the
    admin's preview survives restarts. The proposed pairs themselves are Pair rows."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="optimal")
    # [[enrolment_id, role, reason], ...]
    unmatched: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)


# Tables only the Teams adapter uses (migration 0003).
class TeamsChannel(Base):
    """A team channel the bot has seen, with the reference needed to post there later."""

    __tablename__ = "teams_channels"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    team_id: Mapped[str] = mapped_column(String(200), default="")
    conversation_ref: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class TeamsForm(Base):
    """The last form card sent to a person, per form: to re-render it with errors in place."""

    __tablename__ = "teams_forms"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", "form_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(128))
    form_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(200))
    activity_id: Mapped[str] = mapped_column(String(128))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
