"""What each recipient of an announcement gets, rendered when it is sent."""

from __future__ import annotations

from bot.core.outbound import Context, Message, Text
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from bot.delivery.when_unsure import WhenUnsure
from flows.common.people import name_of
from storage.models import Announcement

KIND = "announcement"


async def render(req: RenderRequest) -> Message | Drop:
    announcement_id = int(req.payload["announcement_id"])
    cache_key = f"{KIND}:{announcement_id}"
    if cache_key not in req.cache:
        announcement = await req.uow.session.get(Announcement, announcement_id)
        sender = (
            await req.uow.people.get(announcement.sender_person_id)
            if announcement and announcement.sender_person_id
            else None
        )
        req.cache[cache_key] = (announcement, name_of(sender) if sender else "the programme team")
    announcement, sender_name = req.cache[cache_key]
    if announcement is None or announcement.status == "cancelled":
        return Drop("announcement withdrawn")
    body = announcement.body
    return Message(
        summary=body[:150],
        blocks=(Text(body), Context(f"Announcement from {sender_name} via Tandem")),
    )


KINDS = (
    # Late is better than never for an announcement; if a crash leaves it unclear whether
    # one arrived, sending again beats a silent loss (Slack and the playground can tell).
    DeliveryKind(KIND, render, send_late, quiet_hours=True, when_unsure=WhenUnsure.RESEND),
)
