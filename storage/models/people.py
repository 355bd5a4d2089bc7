"""Workspaces, the tenant boundary, and the people in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.working_hours import WorkingHours
from storage.models.base import NEVER_REUSED, Base


class Workspace(Base):
    """A Slack workspace, a Teams tenant or a playground. The tenant boundary."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_user_id"),
        Index("ix_people_workspace_email", "workspace_id", "email"),
        Index("ix_people_workspace_directory_id", "workspace_id", "directory_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # How colleagues may name this person (a line manager named in a CSV or in an old free-text
    # answer): the platform's full name, @handle and email, each only when the platform says.
    real_name: Mapped[str] = mapped_column(String(200), default="")
    handle: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # The person's id in the organisation's directory (Teams: the Entra object id), which is
    # what Teams' people picker answers with.
    directory_id: Mapped[str] = mapped_column(String(64), default="")
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

    def working_hours(self) -> WorkingHours:
        """The hours stored on the profile; an unusable zone or range falls back, flagged."""
        return WorkingHours.from_strings(
            self.time_zone, self.work_start_minute, self.work_end_minute, self.work_days
        )
