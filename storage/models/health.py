"""Whether each workspace's messages are getting through, as the delivery health check last
found (bot/delivery/health.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class DeliveryHealth(Base):
    """One row per workspace whose messages ever failed; a workspace without one is fine.

    While `ok`, `failures` counts failed messages in a row (no message got through since
    `since`); while `failing`, every failed message since the episode began at `since`.
    """

    __tablename__ = "delivery_health"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    # ok, failing
    status: Mapped[str] = mapped_column(String(16), default="ok")
    # unreachable: the workspace cannot be reached at all; errors: the platform refuses sends.
    cause: Mapped[str] = mapped_column(String(16), default="")
    # The platform's last error (an error code, never a message or a person).
    reason: Mapped[str] = mapped_column(String(300), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(nullable=True)
    changed_at: Mapped[datetime]
