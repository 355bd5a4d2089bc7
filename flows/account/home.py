"""What a person sees about their own mentoring: each programme, status, match, next meeting.

Shared by the `status` reply and a platform's home screen (Slack's App Home tab).
"""

from __future__ import annotations

from bot.core.outbound import Block, Button, Buttons, ButtonStyle, Context, Message, Section, Text
from bot.core.working_hours import describe
from bot.runtime.context import FlowContext
from flows.account.pause import RESUME_ACTION
from flows.common.actions import LEAVE_ACTION, PAUSE_ACTION, SIGNUP_ACTION
from flows.common.pair_lifecycle import partner_of
from flows.common.people import name_of
from flows.common.wording import programme_title

HOME_INTRO = (
    "*Tandem* pairs colleagues for mentoring, including reverse mentoring. "
    "Here's where things stand for you."
)
NOT_SIGNED_UP = (
    "You're not signed up to a mentoring programme yet. Sign up below, or type `help` "
    "in a message to me to see everything I can do."
)


def _actions(status: str, programme_id: int, enrolment_id: int) -> tuple[Button, ...]:
    if status == "withdrawn":
        return (Button("Sign up again", SIGNUP_ACTION, str(programme_id)),)
    actions = [Button("Edit my answers", SIGNUP_ACTION, str(programme_id))]
    if status == "active":
        actions.append(Button("Pause", PAUSE_ACTION, str(enrolment_id)))
        actions.append(Button("Withdraw", LEAVE_ACTION, str(enrolment_id), ButtonStyle.DANGER))
    elif status == "paused":
        actions.append(Button("Resume", RESUME_ACTION, str(enrolment_id), ButtonStyle.PRIMARY))
    return tuple(actions)


async def programme_blocks(ctx: FlowContext) -> tuple[Block, ...]:
    """One section and one row of quick actions per programme; empty if not signed up."""
    now = ctx.clock.now()
    blocks: list[Block] = []
    async with ctx.uow() as uow:
        person = await uow.people.by_user_id(ctx.user.user_id)
        enrolments = await uow.enrolments.of_person(person.id) if person else []
        for enrolment, programme in enrolments:
            fields = [("Role", enrolment.role), ("Status", enrolment.status)]
            pair = await uow.pairs.live_for_enrolment(enrolment.id)
            if pair:
                partner = await partner_of(uow, pair, enrolment.id)
                fields.append(("Your match", name_of(partner)))
                meeting = await uow.meetings.next_for_pair(pair.id, now)
                when = describe(meeting.starts_at, person.time_zone) if meeting else None
                fields.append(("Next meeting", when or "not booked yet"))
            elif enrolment.status == "active":
                fields.append(("Your match", "not matched yet"))
            blocks.append(
                Section(programme_title(programme.name, programme.wave), fields=tuple(fields))
            )
            blocks.append(Buttons(_actions(enrolment.status, programme.id, enrolment.id)))
    return tuple(blocks)


async def home_for(ctx: FlowContext) -> Message:
    blocks = await programme_blocks(ctx)
    if not blocks:
        return Message(
            summary="Tandem: mentoring",
            blocks=(
                Text(HOME_INTRO),
                Text(NOT_SIGNED_UP),
                Buttons((Button("Sign up", SIGNUP_ACTION, "", ButtonStyle.PRIMARY),)),
            ),
        )
    return Message(
        summary="Tandem: your mentoring",
        blocks=(
            Text(HOME_INTRO),
            *blocks,
            Context("Type `help` in a message to me to see everything I can do."),
        ),
    )
