"""The delivery report: once every row of an announcement has an outcome, its sender hears
how many were sent, failed or could not be reached.

A follow-up job row is planned with the announcement's rows and comes due with them. The
dispatcher runs jobs after the sends of its pass, so the report usually follows the last
send at once; while some rows still wait (for a recipient's working hours, say) the job
looks again when the first of them is due.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.core.budget import Lane
from bot.core.outbound import Message, Text
from bot.core.refs import UserRef
from bot.delivery.kinds import Job, JobRun
from storage.models import Announcement
from storage.repositories import deliveries

log = logging.getLogger(__name__)

FOLLOW_UP = "announcement_follow_up"
REPORT_KIND = "announcement_report"
# Never look again sooner than this, e.g. while another replica is still sending a row.
RECHECK = timedelta(minutes=1)


def follow_up_row(announcement: Announcement, now: datetime) -> dict[str, Any]:
    return deliveries.row(
        workspace_id=announcement.workspace_id,
        key=f"{FOLLOW_UP}:{announcement.id}",
        kind=FOLLOW_UP,
        due_at=announcement.send_at,
        now=now,
        channel_id="",
        payload={"announcement_id": announcement.id},
    )


async def report_when_settled(run: JobRun) -> datetime | None:
    """Report to the sender, or say when to look again while rows are still open."""
    workspace_id = run.delivery.workspace_id
    async with run.db.unit_of_work(workspace_id) as uow:
        announcement = await uow.session.scalar(
            select(Announcement).where(
                Announcement.workspace_id == workspace_id,
                Announcement.id == int(run.payload["announcement_id"]),
            )
        )
        if announcement is None or announcement.status != "scheduled":
            return None  # withdrawn, or reported already
        waiting = await deliveries.first_open_due(uow.session, announcement.id)
        if waiting is not None:
            return max(waiting, run.now + RECHECK)
        counts = await deliveries.outcome_counts(uow.session, announcement.id)
        author = (
            await uow.people.get(announcement.sender_person_id)
            if announcement.sender_person_id
            else None
        )
    if author is not None:
        # Keyed, so running the job again after a crash never reports twice.
        await run.sender.send_now(
            workspace_id,
            UserRef(run.workspace, author.platform_user_id),
            report_message(announcement, counts),
            kind=REPORT_KIND,
            key=f"{REPORT_KIND}:{announcement.id}",
            lane=Lane.BULK,
        )
    async with run.db.unit_of_work(workspace_id) as uow:
        await uow.session.execute(
            update(Announcement)
            .where(
                Announcement.workspace_id == workspace_id,
                Announcement.id == announcement.id,
                Announcement.status == "scheduled",
            )
            .values(status="done")
        )
        await uow.commit()
    log.info("announcement done", extra={"announcement_id": announcement.id, **counts})
    return None


def report_message(announcement: Announcement, counts: dict[str, int]) -> Message:
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    unreachable = counts.get("unreachable", 0)
    skipped = counts.get("dropped", 0) + counts.get("cancelled", 0)
    channel = (announcement.audience or {}).get("channel")
    lines = [
        f"*Delivery report* for your announcement{f' in {channel}' if channel else ''}:",
        f"• Sent: {sent:,}",
        f"• Failed: {failed:,}",
        f"• Unreachable (left, or blocked the app): {unreachable:,}",
    ]
    if skipped:
        lines.append(f"• Not sent: {skipped:,}")
    return Message(
        summary=f"Your announcement: {sent:,} sent, {failed:,} failed, {unreachable:,} unreachable",
        blocks=(Text("\n".join(lines)),),
    )


JOBS = (Job(FOLLOW_UP, report_when_settled),)
