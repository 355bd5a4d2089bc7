"""The workspaces whose messages are failing right now, as the delivery health check left
them (bot/delivery/health.py): for /healthz, /metrics and the admins' alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DeliveryHealth, Workspace
from storage.uow import Database


@dataclass(frozen=True, slots=True)
class Outage:
    """No personal data: an internal workspace id, and the platform's error code."""

    workspace_id: int
    platform: str
    cause: str
    reason: str
    since: datetime | None
    failures: int

    def as_json(self) -> dict[str, object]:
        return {
            "workspace_id": self.workspace_id,
            "cause": self.cause,
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "failures": self.failures,
        }


async def state_of(session: AsyncSession, workspace_id: int) -> DeliveryHealth | None:
    return await session.get(DeliveryHealth, workspace_id)


async def outages(db: Database) -> list[Outage]:
    async with db.sessions() as session:
        found = await session.execute(
            select(DeliveryHealth, Workspace.platform)
            .join(Workspace, Workspace.id == DeliveryHealth.workspace_id)
            .where(DeliveryHealth.status == "failing")
            .order_by(DeliveryHealth.workspace_id)
        )
        return [
            Outage(s.workspace_id, platform, s.cause, s.reason, s.since, s.failures)
            for s, platform in found.tuples()
        ]


async def platform_report(db: Database, platform: str) -> dict[str, object]:
    """For the platform's part of /healthz: do its workspaces' messages get through?"""
    failing = [o for o in await outages(db) if o.platform == platform]
    return {
        "deliveries": "failing" if failing else "ok",
        "failing_workspaces": [o.as_json() for o in failing],
    }
