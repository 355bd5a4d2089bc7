"""The fit check after a chemistry meeting: each person answers "Good fit?" privately.

Both yes: the pair is confirmed and can book its first session. Either "not quite": the
pair is dissolved without blame. It ends with status `rematch_requested` (a final state:
meetings and nudges cancelled, never proposed again), both people return to the pool, the
other person is told kindly without learning who answered what, and admins are told that
a pair will be rematched, never who said no.

The question is a scheduled delivery of kind "fit_check" (see KINDS), planned for the end
of the booked chemistry meeting and rendered when it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.core.events import ButtonClicked
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.core.refs import UserRef
from bot.delivery.kinds import DeliveryKind, Drop, RenderRequest, send_late
from bot.runtime.context import FlowContext
from flows.common.pair_lifecycle import end_pair
from flows.common.people import name_of
from flows.sessions.cadence import confirmed_message
from storage.models import Meeting, Pair, Person, Programme, Response
from storage.pair_status import PairStatus, move
from storage.repositories import deliveries
from storage.uow import UnitOfWork

KIND = "fit_check"
QUESTION = "good_fit"
YES_ACTION = "fit_yes"
NO_ACTION = "fit_no"
DISSOLVED = PairStatus.REMATCH_REQUESTED


def subject(pair_id: int) -> str:
    return f"pair:{pair_id}"


async def plan(uow: UnitOfWork, meeting: Meeting, pair: Pair, people: Sequence[Person]) -> None:
    """Ask both people when the meeting ends; a moved meeting moves the question too."""
    await unplan(uow, meeting.id)
    now = meeting.updated_at
    rows = [
        deliveries.row(
            workspace_id=uow.workspace_id,
            key=f"{KIND}:{meeting.id}:{meeting.ends_at.isoformat()}:{person.id}",
            kind=KIND,
            due_at=meeting.ends_at,
            now=now,
            channel_id=f"@{person.platform_user_id}",
            person_id=person.id,
            meeting_id=meeting.id,
            payload={"pair_id": pair.id, "meeting_id": meeting.id},
        )
        for person in people
    ]
    await deliveries.plan(uow.session, rows)


async def unplan(uow: UnitOfWork, meeting_id: int) -> None:
    await deliveries.cancel_pending(uow.session, uow.workspace_id, [meeting_id], kind=KIND)


async def render(req: RenderRequest) -> Message | Drop:
    uow, payload = req.uow, req.payload
    pair = await uow.pairs.get(int(payload.get("pair_id", 0)))
    meeting = await uow.meetings.get(int(payload.get("meeting_id", 0)))
    if pair is None or pair.status != "chemistry_booked":
        return Drop("the pair is no longer waiting for a fit check")
    if meeting is None or meeting.status == "cancelled":
        return Drop("the chemistry meeting was cancelled")
    person = await uow.people.get(req.delivery.person_id or 0)
    partner = await _partner(uow, pair, person)
    if person is None or partner is None:
        return Drop("one of the pair has left")
    return question(pair.id, partner)


def question(pair_id: int, partner: Person) -> Message:
    name = name_of(partner)
    return Message(
        summary=f"Good fit? A private question about {name}",
        blocks=(
            Text(
                f"How was your chemistry meeting with *{name}*? Would you like to carry on "
                "together for the programme?"
            ),
            Buttons(
                (
                    Button("Yes, good fit", YES_ACTION, str(pair_id), ButtonStyle.PRIMARY),
                    Button("Not quite", NO_ACTION, str(pair_id)),
                )
            ),
            Context(
                f"Your answer is private: {name} won't see it. If either of you says "
                "'not quite', we'll simply find you both someone new, and nobody is told who "
                "said what."
            ),
        ),
    )


KINDS = (DeliveryKind(KIND, render, send_late, quiet_hours=True),)


async def _partner(uow: UnitOfWork, pair: Pair, person: Person | None) -> Person | None:
    """The other one of the pair's two members; None unless `person` is one of them."""
    mentor = await uow.enrolments.get(pair.mentor_enrolment_id)
    mentee = await uow.enrolments.get(pair.mentee_enrolment_id)
    if person is None or mentor is None or mentee is None:
        return None
    members = {mentor.person_id: mentee.person_id, mentee.person_id: mentor.person_id}
    other = members.get(person.id)
    return await uow.people.get(other) if other is not None else None


async def answer_yes(ctx: FlowContext, click: ButtonClicked) -> None:
    await _answer(ctx, click.value, "yes")


async def answer_no(ctx: FlowContext, click: ButtonClicked) -> None:
    await _answer(ctx, click.value, "no")


async def _record(uow: UnitOfWork, person: Person, pair: Pair, value: str, now: datetime) -> None:
    existing = await uow.session.scalar(
        select(Response).where(
            Response.workspace_id == uow.workspace_id,
            Response.person_id == person.id,
            Response.kind == KIND,
            Response.subject == subject(pair.id),
            Response.question == QUESTION,
        )
    )
    if existing is None:
        uow.session.add(
            Response(
                workspace_id=uow.workspace_id,
                person_id=person.id,
                programme_id=pair.programme_id,
                kind=KIND,
                subject=subject(pair.id),
                question=QUESTION,
                value_text=value,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        existing.value_text, existing.updated_at = value, now
    await uow.session.flush()


async def _answers(uow: UnitOfWork, pair_id: int) -> dict[int, str]:
    rows = await uow.session.execute(
        select(Response.person_id, Response.value_text).where(
            Response.workspace_id == uow.workspace_id,
            Response.kind == KIND,
            Response.subject == subject(pair_id),
            Response.question == QUESTION,
        )
    )
    return {person_id: value for person_id, value in rows.tuples()}


async def _answer(ctx: FlowContext, value: str, answer: str) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        pair = await uow.pairs.get(int(value)) if value.isdigit() else None
        me = await uow.people.by_user_id(ctx.user.user_id)
        partner = await _partner(uow, pair, me) if pair else None
        if pair is None or me is None or partner is None:
            await ctx.reply_text(
                "That question has expired. Type `status` to see where things stand."
            )
            return
        if pair.status in (DISSOLVED, "ended"):
            await ctx.reply_text(
                "This pairing has already closed, and you're back in the pool for the next "
                "matching round. Thank you for giving it a go."
            )
            return
        if pair.status == "confirmed":
            await ctx.reply_text("You're already confirmed as a pair. Enjoy your sessions!")
            return
        if pair.status != "chemistry_booked":
            await ctx.reply_text("I'll ask you this after your chemistry meeting.")
            return
        await _record(uow, me, pair, answer, now)
        answers = await _answers(uow, pair.id)
        outcome = "waiting"
        if "no" in answers.values():
            await end_pair(uow, pair, "fit_check", now, to=DISSOLVED)
            outcome = "dissolved"
        elif answers.get(partner.id) == "yes" and answers.get(me.id) == "yes":
            move(pair, PairStatus.CONFIRMED)
            outcome = "confirmed"
        programme = await uow.programmes.get(pair.programme_id)
        admins = await uow.programmes.people_with_role(pair.programme_id, "admin")
        admin_users = [p.platform_user_id for a in admins if (p := await uow.people.get(a))]
        await uow.commit()
    if outcome == "waiting":
        await ctx.reply_text(
            f"Thanks! I'll let you know as soon as {name_of(partner)} has answered too."
        )
    elif outcome == "confirmed":
        for person, other in ((me, partner), (partner, me)):
            await ctx.dm(
                person.platform_user_id,
                confirmed(other, pair.id, programme),
                kind="fit_confirmed",
                key=f"fit_confirmed:{pair.id}:{person.id}",
            )
    else:
        await _tell_dissolved(
            ctx, pair, me, partner, admin_users, programme.name if programme else ""
        )


def confirmed(other: Person, pair_id: int = 0, programme: Programme | None = None) -> Message:
    """The hand-off to the session cycle: agree a cadence, book, write goals."""
    if pair_id:
        return confirmed_message(pair_id, other, programme)
    name = name_of(other)
    return Message(
        summary=f"You and {name} are a match!",
        blocks=(
            Text(
                f"Great news: you and *{name}* both want to carry on. You're confirmed as a pair!"
            ),
            Text(
                "Next: book your first session together. Agree one to three goals for the "
                "programme when you meet."
            ),
            Context("Type `status` any time to see your match and your next session."),
        ),
    )


async def _tell_dissolved(
    ctx: FlowContext,
    pair: Pair,
    me: Person,
    partner: Person,
    admin_users: list[str],
    programme_name: str,
) -> None:
    await ctx.reply_text(
        f"Thank you for being honest. I've closed this pairing and let {name_of(partner)} "
        "know kindly, without saying who answered what or why. You're back in the pool "
        "for the next matching round."
    )
    await ctx.dm(
        partner.platform_user_id,
        Message(
            summary="Your pairing won't continue, and that's fine",
            blocks=(
                Text(
                    f"After your chemistry meeting, this pairing with {name_of(me)} won't "
                    "continue. That's a normal part of finding the right match, and nobody "
                    "is at fault."
                ),
                Text("You're back in the pool, and we'll match you with someone new soon."),
            ),
        ),
        kind="fit_dissolved",
        key=f"fit_dissolved:{pair.id}:{partner.id}",
    )
    # Alphabetical, so the order never hints at who said "not quite".
    pair_names = " and ".join(sorted((name_of(me), name_of(partner))))
    for user_id in admin_users:
        await ctx.sender.send_now(
            ctx.workspace_id,
            UserRef(ctx.workspace, user_id),
            Message(
                summary=f"A pair in {programme_name} will be rematched",
                blocks=(
                    Text(
                        f"{pair_names} in *{programme_name}* decided after their chemistry "
                        "meeting not to continue. Both are back in the pool; the next `match` "
                        "run will propose new partners and never this pair again."
                    ),
                ),
            ),
            kind="fit_admin_notice",
            key=f"fit_admin:{pair.id}:{user_id}",
        )
