"""Send budgets replicas share on PostgreSQL (storage/send_budget.py): counts, never content."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class SendBudget(Base):
    """The sends of each lane counted in one bucket of one budget.

    `key` names the budget (platform, workspace and rate), so the rows belong to no
    workspace row: they hold numbers only and expire a window after their bucket.
    """

    __tablename__ = "send_budgets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reply: Mapped[int] = mapped_column(Integer, default=0)
    bulk: Mapped[int] = mapped_column(Integer, default=0)
    # A reply was refused in this bucket: replies are active though none was counted.
    reply_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
