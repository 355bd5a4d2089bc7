"""Programmes, who runs them, and who enrolled in them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NEVER_REUSED, Base


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="reverse")
    wave: Mapped[str] = mapped_column(String(64), default="")
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
    __table_args__ = (UniqueConstraint("programme_id", "person_id", "role"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("programme_id", "person_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    seniority: Mapped[int] = mapped_column(Integer, default=1)
    department: Mapped[str] = mapped_column(String(120), default="")
    # The line manager's platform user id: the only form of it matching compares.
    manager_user_id: Mapped[str] = mapped_column(String(128), default="")
    # A line manager named in words (an old free-text answer, a CSV cell) that names no one
    # Tandem knows yet; kept only until it can be matched to a person, then emptied.
    manager_named: Mapped[str] = mapped_column(String(200), default="")
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
