"""The programme's own dates: the baseline survey on its first working morning, the closing
survey on its last, and (when switched on) a check-in on the first working morning of each
calendar quarter in between, planned per person through the delivery engine.

`plan_surveys` is idempotent (one delivery key per person, phase and programme, the same
key `flows.surveys.answers.send_survey` uses, so an admin's manual send and the planned one never
both arrive). The daily `plan_surveys` job (JOBS, a row of the outbox) runs it, planning
what falls due within a day, so people who sign up later (even after the start) get the
baseline too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bot.core.outbound import Message
from bot.core.working_hours import next_working_time, zone_of
from bot.delivery.kinds import DeliveryKind, Drop, Job, JobRun, RenderRequest, send_late
from flows.surveys.answers import INVITE_KIND, SurveyRef, invitation
from flows.surveys.questions import closed_reason, closes_on, pulse_enabled, pulse_round
from storage.models import Enrolment, Person, Programme
from storage.repositories import deliveries
from storage.uow import Database

KIND = INVITE_KIND
PLANNER = "plan_surveys"
# Rows are planned shortly before they are due, not months ahead: the outbox stays small
# and people who withdraw before the start were never planned at all.
PLAN_AHEAD = timedelta(days=1)


def morning_of(person: Person, day: date) -> datetime:
    hours = person.working_hours()
    return next_working_time(hours, datetime.combine(day, time(), tzinfo=zone_of(hours)))


def survey_key(programme_id: int, phase: str, person_id: int, round_: str = "") -> str:
    survey = SurveyRef(programme_id, phase, round_)
    return f"{survey.kind}:{survey.encode()}:{person_id}"


def survey_dates(programme: Programme) -> list[tuple[str, date, str]]:
    """(phase, day, pulse round) for every survey of the programme, in date order."""
    dates = [("pre", programme.starts_on, "")]
    if pulse_enabled(programme.settings):
        year, month = programme.starts_on.year, (programme.starts_on.month - 1) // 3 * 3 + 1
        while True:
            month += 3
            if month > 12:
                year, month = year + 1, month - 12
            quarter = date(year, month, 1)
            if quarter >= programme.ends_on:
                break
            round_ = pulse_round(datetime.combine(quarter, time(), tzinfo=UTC))
            dates.append(("pulse", quarter, round_))
    dates.append(("post", programme.ends_on, ""))
    return dates


async def plan_surveys(db: Database, now: datetime) -> int:
    """Plan the pre and post survey for every active participant of every open programme."""
    today = now.date()
    planned = 0
    async with db.sessions() as session:
        programmes = list(await session.scalars(select(Programme).order_by(Programme.id)))
        for programme in programmes:
            if today > closes_on("post", programme.ends_on, programme.settings):
                continue
            people = await session.scalars(
                select(Person)
                .join(Enrolment, Enrolment.person_id == Person.id)
                .where(
                    Enrolment.programme_id == programme.id,
                    Enrolment.status == "active",
                    Person.reachable.is_(True),
                )
            )
            rows = []
            dates = survey_dates(programme)
            for person in people:
                for phase, day, round_ in dates:
                    due_at = morning_of(person, day)
                    if due_at > now + PLAN_AHEAD or (phase != "post" and today > programme.ends_on):
                        continue
                    rows.append(
                        deliveries.row(
                            workspace_id=programme.workspace_id,
                            key=survey_key(programme.id, phase, person.id, round_),
                            kind=KIND,
                            due_at=due_at,
                            now=now,
                            channel_id=f"@{person.platform_user_id}",
                            person_id=person.id,
                            payload={"programme_id": programme.id, "phase": phase, "round": round_},
                        )
                    )
            await deliveries.plan(session, rows)
            planned += len(rows)
        await session.commit()
    return planned


async def plan_due_surveys(run: JobRun) -> None:
    await plan_surveys(run.db, run.now)


async def render(req: RenderRequest) -> Message | Drop:
    programme = await req.uow.programmes.get(int(req.payload.get("programme_id", 0)))
    phase = str(req.payload.get("phase", ""))
    round_ = str(req.payload.get("round", ""))
    if programme is None or phase not in ("pre", "post", "pulse"):
        return Drop("programme gone")
    if phase == "pulse" and not pulse_enabled(programme.settings):
        return Drop("the quarterly check-in was switched off")
    enrolment = await req.uow.enrolments.find(programme.id, req.delivery.person_id or 0)
    if enrolment is None or enrolment.status != "active":
        return Drop("no longer taking part")
    if closed_reason(phase, programme.ends_on, programme.settings, req.now.date()):
        return Drop("the survey has closed")
    return invitation(programme, SurveyRef(programme.id, phase, round_))


KINDS = (DeliveryKind(KIND, render, send_late),)
JOBS = (Job(PLANNER, plan_due_surveys, every=timedelta(days=1)),)
