"""Sign-up: `/mentoring signup` opens a form; submitting it enrols the person with consent."""

from __future__ import annotations

import hashlib
import json

from bot.core.events import ButtonClicked, Command, FormSubmitted
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Section, Text
from bot.runtime.context import FlowContext
from flows.common import catalogue, disclosure
from flows.common.actions import LEAVE_ACTION, PAUSE_ACTION, SIGNUP_ACTION
from flows.common.form_values import many, one
from flows.common.people import is_known, person_for
from flows.signup.form import signup_form
from storage.models import Enrolment, Programme

UNKNOWN_PERSON = "I couldn't find that person — pick them from the list."


async def start(ctx: FlowContext, command: Command) -> None:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow, refresh=True)
        programmes = await uow.programmes.open_for_signup(now)
        wanted = command.args.strip().lower()
        chosen = next((p for p in programmes if p.slug == wanted), None)
        existing = None
        shared: frozenset[str] = frozenset()
        for programme in [chosen] if chosen else programmes:
            existing = await uow.enrolments.find(programme.id, person.id)
            if existing:
                chosen = programme
                shared = await disclosure.sharing_of(uow, person.id, programme.id)
                break
        await uow.commit()
    if not programmes:
        await ctx.reply_text(
            "There's no mentoring programme open for sign-up right now. "
            "Your programme team will announce the next one here."
        )
        return
    await ctx.open_form(signup_form(programmes, existing, person, chosen, shared))


async def edit(ctx: FlowContext, click: ButtonClicked) -> None:
    await start(
        ctx, Command(user=click.user, name="signup", args="", interaction=click.interaction)
    )


async def submit(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    values = form.values
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow)
        programme_id = one(values, "programme")
        programme = await uow.programmes.get(int(programme_id)) if programme_id.isdigit() else None
        if programme is None or programme not in await uow.programmes.open_for_signup(now):
            return {"programme": "That programme isn't open for sign-up any more."}
        manager = one(values, "manager")
        if manager == person.platform_user_id:
            return {"manager": "That's you — pick your line manager from the list."}
        if manager and not await is_known(ctx, uow, manager):
            return {"manager": UNKNOWN_PERSON}
        person.time_zone = one(values, "time_zone")
        person.work_start_minute = int(one(values, "work_start"))
        person.work_end_minute = int(one(values, "work_end"))
        enrolment = await uow.enrolments.find(programme.id, person.id)
        created = enrolment is None
        if enrolment is None:
            enrolment = Enrolment(programme_id=programme.id, person_id=person.id, created_at=now)
            uow.enrolments.add(enrolment)
        enrolment.role = one(values, "role")
        enrolment.job_title = one(values, "job_title")
        enrolment.seniority = int(one(values, "seniority"))
        enrolment.department = one(values, "department")
        enrolment.manager_user_id = manager
        if manager:
            enrolment.manager_named = ""  # picked at last: the old words are no longer needed
        enrolment.location = one(values, "location")
        enrolment.medium = one(values, "medium")
        enrolment.offers = many(values, "offers")
        enrolment.goal_areas = many(values, "goal_areas")
        enrolment.goals = one(values, "goals")
        enrolment.lived_experience = many(values, "lived_experience")
        enrolment.consent_at = now
        enrolment.status = "active"
        enrolment.updated_at = now
        shared = many(values, disclosure.FIELD)
        await disclosure.save_sharing(uow, person.id, programme.id, shared, now)
        await uow.session.flush()
        enrolment_id = enrolment.id
        summary = confirmation(programme, enrolment, created, frozenset(shared))
        await uow.commit()
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
    await ctx.reply(summary, kind="signup_confirmation", key=f"signup:{enrolment_id}:{digest}")
    return None


def confirmation(
    programme: Programme, e: Enrolment, created: bool, shared: frozenset[str]
) -> Message:
    role = {"mentor": "a mentor", "mentee": "a mentee", "either": "a mentor or mentee"}[e.role]
    headline = (
        f"You're signed up for *{programme.name}* as {role}. Thank you!"
        if created
        else f"Your answers for *{programme.name}* are updated."
    )
    lived = (
        ", ".join(catalogue.labels(e.lived_experience, catalogue.AREAS)) or "nothing (that's fine)"
    )
    with_match = ", ".join(c.label for c in disclosure.CHOICES if c.value in shared)
    return Message(
        summary=headline.replace("*", ""),
        blocks=(
            Text(headline),
            Section(
                "What you told us",
                fields=(
                    ("Role", f"{e.job_title} ({e.department})"),
                    ("Meeting", "in person" if e.medium == "in_person" else e.medium),
                    ("Can offer", ", ".join(catalogue.labels(e.offers, catalogue.AREAS))),
                    ("Lived experience", lived),
                    ("Goals", e.goals),
                    ("Shared with your match", with_match or "your name and role in the pair only"),
                ),
            ),
            Text(
                f"Next: the programme team matches people after sign-up closes. "
                f"You'll get an introduction to your match here. Sessions run "
                f"{programme.cadence}, {programme.session_minutes} minutes each."
            ),
            Buttons(
                (
                    Button("Edit my answers", SIGNUP_ACTION, str(programme.id)),
                    Button("Pause", PAUSE_ACTION, str(e.id)),
                    Button("Withdraw", LEAVE_ACTION, str(e.id), ButtonStyle.DANGER),
                )
            ),
            Context(
                "Type `status` any time to see where things stand, or `help` for everything I can do."
            ),
        ),
    )
