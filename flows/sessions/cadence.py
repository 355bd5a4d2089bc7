"""Mentoring sessions: a confirmed pair agrees a cadence and books each session.

Booking is the same engine as the chemistry meeting (flows/booking/spec.py): three times inside
both people's working hours, each shown in the reader's zone, propose another, accept,
calendar link, reschedule, cancel. What is special here: only confirmed pairs book, the
programme's session length applies, the next session is offered about one cadence after
the last, nothing is booked past the programme's end or beyond its session count, and a
booked session plans its prep prompt, poll and what follows (flows/sessions/plan.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.events import ButtonClicked
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.runtime.context import FlowContext
from flows.booking import spec as booking
from flows.booking.spec import NOTICE, Booking, BookingSpec
from flows.common.actions import SESSION_BOOK_ACTION, support_button
from flows.common.pair_view import answers_of, pair_subject, pair_view, save_answers
from flows.common.people import name_of
from flows.common.wording import plural
from flows.sessions.goals import ACTION_ID as GOALS_ACTION
from flows.sessions.plan import plan_followups
from storage.models import Meeting, Person, Programme
from storage.uow import UnitOfWork

FORM_ID = "sess_time"
CADENCE_ACTION = "sess_cadence"
CADENCE_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 30}
COUNTED = ("scheduled", "held")


def _counted(meetings: Sequence[Meeting]) -> list[Meeting]:
    return [m for m in meetings if m.status in COUNTED]


def _refuse(b: Booking, meetings: Sequence[Meeting], now: datetime) -> str | None:
    counted = _counted(meetings)
    upcoming = [m for m in counted if m.status == "scheduled" and m.ends_at > now]
    if len(counted) >= b.programme.session_count and not upcoming:
        return (
            f"You've had all {plural(b.programme.session_count, 'session')} of "
            f"{b.programme.name}. "
            "There are no more to book, but you're welcome to keep in touch informally."
        )
    return None


def _earliest(b: Booking, meetings: Sequence[Meeting], now: datetime) -> datetime:
    counted = _counted(meetings)
    if not counted:
        return now + NOTICE
    gap = timedelta(days=CADENCE_DAYS.get(b.programme.cadence, 30))
    # A little before a full cadence, so there is a choice of days either side.
    return counted[-1].starts_at + gap * 3 / 4


async def _booked(uow: UnitOfWork, meeting: Meeting, b: Booking, now: datetime) -> None:
    await plan_followups(uow, meeting, b.programme, (b.me, b.partner), now)


def _minutes(programme: Programme) -> int:
    return programme.session_minutes


SPEC = BookingSpec(
    kind="session",
    prefix="sess",
    label="mentoring session",
    book_label="Book the next session",
    bookable=("confirmed",),
    minutes=_minutes,
    refuse=_refuse,
    earliest=_earliest,
    after_booked=_booked,
    booked_note=(
        "I'll send you a prep prompt a couple of working days before, nudge you 30 minutes "
        "before, and ask how it went the morning after."
    ),
    extra_buttons=lambda b: (support_button(b.programme.id),),
    cancel_states=("confirmed",),
)
assert SPEC.form_id == FORM_ID


# ---- the hand-off from the fit check, and agreeing a cadence


def confirmed_message(pair_id: int, other: Person, programme: Programme | None) -> Message:
    """What both people read once both said "good fit": cadence, first session, goals."""
    name = name_of(other)
    default = programme.cadence if programme else "monthly"
    count = programme.session_count if programme else 6
    minutes = programme.session_minutes if programme else 60
    cadences = tuple(
        Button(
            f"{c.title()} (suggested)" if c == default else c.title(),
            CADENCE_ACTION,
            f"{pair_id}:{c}",
            ButtonStyle.PRIMARY if c == default else ButtonStyle.DEFAULT,
        )
        for c in CADENCE_DAYS
    )
    return Message(
        summary=f"You and {name} are a match!",
        blocks=(
            Text(
                f"Great news: you and *{name}* both want to carry on. You're confirmed as a pair!"
            ),
            Text(
                f"Next: agree how often you'll meet (the programme suggests {default}: "
                f"{plural(count, 'session')} of {plural(minutes, 'minute')}), then book your "
                "first session together."
            ),
            Buttons(cadences),
            Buttons(
                (
                    Button(
                        "Book our first session",
                        SESSION_BOOK_ACTION,
                        str(pair_id),
                        ButtonStyle.PRIMARY,
                    ),
                    Button("Write my goals", GOALS_ACTION, str(pair_id)),
                    support_button(programme.id if programme else 0),
                )
            ),
            Context(
                "Your goals are private unless you choose to share them with your partner. "
                "Type `status` any time to see your match and your next session."
            ),
        ),
    )


async def agreed_cadence(uow: UnitOfWork, pair_id: int, people: Sequence[int]) -> str | None:
    chosen = set()
    for person_id in people:
        row = (await answers_of(uow, person_id, "cadence", pair_subject(pair_id))).get("cadence")
        chosen.add(row.value_text if row else None)
    return chosen.pop() if len(chosen) == 1 and None not in chosen else None


async def cadence_chosen(ctx: FlowContext, click: ButtonClicked) -> None:
    raw_pair, _, cadence = click.value.partition(":")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
        view = await pair_view(uow, int(raw_pair), me.id) if me and raw_pair.isdigit() else None
        if view is None or view.pair.status != "confirmed" or cadence not in CADENCE_DAYS:
            await ctx.reply_text(booking.GONE)
            return
        await save_answers(
            uow,
            person_id=me.id,
            programme_id=view.programme.id,
            kind="cadence",
            subject=pair_subject(view.pair.id),
            texts={"cadence": cadence},
            now=now,
        )
        agreed = await agreed_cadence(uow, view.pair.id, (me.id, view.partner.id))
        await uow.commit()
    partner = name_of(view.partner)
    if agreed:
        for user_id, other in (
            (me.platform_user_id, partner),
            (view.partner.platform_user_id, name_of(me)),
        ):
            await ctx.dm(
                user_id,
                Message(
                    summary=f"Agreed: you and {other} will meet {agreed}",
                    blocks=(
                        Text(f"Agreed: you and *{other}* will meet {agreed}."),
                        Buttons(
                            (
                                Button(
                                    "Book our first session", SESSION_BOOK_ACTION, str(view.pair.id)
                                ),
                            )
                        ),
                    ),
                ),
                kind="cadence_agreed",
                key=f"cadence_agreed:{view.pair.id}:{agreed}:{user_id}",
            )
        return
    await ctx.reply_text(
        f"Saved: you'd like to meet {cadence}. I'll let {partner} know; once you both pick "
        "the same, it's agreed."
    )
    await ctx.dm(
        view.partner.platform_user_id,
        Message(
            summary=f"{name_of(me)} suggests meeting {cadence}",
            blocks=(
                Text(f"{name_of(me)} suggests meeting *{cadence}*. Does that suit you?"),
                Buttons(
                    (Button(f"Agree: {cadence}", CADENCE_ACTION, click.value, ButtonStyle.PRIMARY),)
                ),
            ),
        ),
        kind="cadence_proposal",
    )
