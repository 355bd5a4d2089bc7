"""Answers people give: polls, surveys, fit checks, goals and private reflections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NEVER_REUSED, Base


class Response(Base):
    """Poll and survey answers, fit checks, goals and private reflections, each with an owner.

    One row per (owner, kind, subject, question): answering again replaces the answer.
    """

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "subject", "question"),
        Index("ix_responses_workspace_kind_subject", "workspace_id", "kind", "subject"),
        NEVER_REUSED,
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
