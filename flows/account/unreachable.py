"""Tell programme admins when a participant can no longer be reached (blocked or uninstalled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.budget import Lane
from bot.core.outbound import Context, Message, Text
from bot.core.refs import Platform, UserRef
from flows.common.people import name_of

if TYPE_CHECKING:
    from bot.delivery.sender import Sender

PLATFORM_NAMES = {Platform.SLACK: "Slack", Platform.TEAMS: "Teams"}


def notice(name: str, platform: Platform) -> Message:
    where = PLATFORM_NAMES.get(platform, "here")
    text = (
        f"*{name}* can't be reached on {where} (they may have uninstalled or blocked Tandem). "
        "I've stopped messaging them; their sign-up and match are unchanged."
    )
    return Message(
        summary=text.replace("*", ""),
        blocks=(Text(text), Context("You may want to check in with them another way.")),
    )


async def report_unreachable(sender: Sender, workspace_id: int, user: UserRef, reason: str) -> None:
    """DM each admin of the person's programmes, once per person, admin and day: a person who
    comes back and later blocks Tandem again is reported again."""
    async with sender.db.unit_of_work(workspace_id) as uow:
        person = await uow.people.by_user_id(user.user_id)
        if person is None:
            return
        admin_ids: set[int] = set()
        for _, programme in await uow.enrolments.of_person(person.id):
            admin_ids.update(await uow.programmes.people_with_role(programme.id, "admin"))
        admin_ids.discard(person.id)
        admins = [
            admin for admin_id in sorted(admin_ids) if (admin := await uow.people.get(admin_id))
        ]
        name = name_of(person)
        person_id = person.id
    message = notice(name, user.workspace.platform)
    day = sender.clock.now().date().isoformat()
    for admin in admins:
        if not admin.reachable:
            continue
        await sender.send_now(
            workspace_id,
            UserRef(user.workspace, admin.platform_user_id),
            message,
            kind="unreachable_report",
            key=f"unreachable:{person_id}:{admin.id}:{day}",
            lane=Lane.BULK,
        )
