"""What matching keeps between runs: admins' exclusions and the latest run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NEVER_REUSED, Base


class MatchExclusion(Base):
    """An admin's rule that two enrolments are never proposed together (a removed pair)."""

    __tablename__ = "match_exclusions"
    __table_args__ = (
        UniqueConstraint("programme_id", "mentor_enrolment_id", "mentee_enrolment_id"),
        NEVER_REUSED,
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
    __table_args__ = (NEVER_REUSED,)

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
