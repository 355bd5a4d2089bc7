"""What goes out and what came in: announcements, the outbox, processed inbound events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NEVER_REUSED, Base


class Announcement(Base):
    __tablename__ = "announcements"
    __table_args__ = (NEVER_REUSED,)

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
        # The delivery health check reads what settled since it last looked; /metrics
        # counts rows by kind and state.
        Index("ix_deliveries_settled_at", "settled_at"),
        Index("ix_deliveries_kind_state", "kind", "state"),
        NEVER_REUSED,
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
    # When the row got its outcome (sent, failed, dropped...); None while it has none.
    settled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_id: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Inbound event ids already handled: platforms retry, we answer once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("workspace_id", "event_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime]
