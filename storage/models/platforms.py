"""Tables only one platform adapter uses: playground items, Teams channels and forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import NEVER_REUSED, Base


class PlaygroundItem(Base):
    """What the playground shows each person: DMs, channel posts and open forms."""

    __tablename__ = "playground_items"
    __table_args__ = (
        Index("ix_playground_items_ws_conv", "workspace_id", "conversation_id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))  # message or form
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TeamsChannel(Base):
    """A team channel the bot has seen, with the reference needed to post there later."""

    __tablename__ = "teams_channels"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"), NEVER_REUSED)

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
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", "form_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(128))
    form_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(200))
    activity_id: Mapped[str] = mapped_column(String(128))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
