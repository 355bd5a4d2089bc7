"""Every flow the bot runs, wired to the events that start it. The one place to look."""

from __future__ import annotations

from bot.core.events import ButtonClicked, FormSubmitted
from bot.runtime.context import FlowContext
from bot.runtime.router import Router
from flows.account import forget, help, home, leave, pause, status, support, welcome
from flows.announcements import compose as announcements
from flows.booking import confirm as booking_confirm
from flows.booking import offer as booking_slots
from flows.booking import proposal as booking_proposal
from flows.booking import spec as booking
from flows.chemistry import fit_check
from flows.chemistry import meeting as chemistry
from flows.chemistry import rematch as rematch_offer
from flows.common import actions
from flows.matching import preview as proposal
from flows.matching import review as matching
from flows.meetings import reflections
from flows.sessions import cadence as sessions
from flows.sessions import close as programme_close
from flows.sessions import goals, polls, prep
from flows.signup import enrol as signup
from flows.signup import form as signup_form
from flows.surveys import answers as surveys


def build_router() -> Router:
    router = Router()
    router.command("signup", signup.start, "join a programme, or edit your answers")
    router.command("join", signup.start)
    router.command("status", status.status, "your programme, match and next session")
    router.command("help", help.show_help, "what I can do")
    router.command("leave", leave.leave, "withdraw from a programme")
    router.command("withdraw", leave.leave)
    router.command("pause", pause.pause, "take a break")
    router.command("resume", pause.resume, "come back after a break")
    router.command("forget-me", forget.forget_me, "erase everything Tandem holds about you")
    router.command("forget", forget.forget_me)
    router.fallback_command = help.unknown

    router.form(signup_form.FORM_ID, signup_form.validate, signup.submit)
    router.action(actions.SIGNUP_ACTION, signup.edit)
    router.action(actions.PAUSE_ACTION, pause.pause_clicked)
    router.action(pause.RESUME_ACTION, pause.resume_clicked)
    router.action(actions.LEAVE_ACTION, leave.leave_clicked)
    router.action(leave.CONFIRM_ACTION, leave.leave_confirmed)
    router.action(leave.CANCEL_ACTION, leave.leave_cancelled)
    router.action(forget.CONFIRM_ACTION, forget.forget_confirmed)
    router.action(forget.CANCEL_ACTION, forget.forget_cancelled)
    router.command("support", support.command, "ask the programme team for support, privately")
    router.action(actions.SUPPORT_ACTION, support.clicked)
    router.action(support.LINK_ACTION, support.link_opened)
    router.form(support.FORM_ID, support.validate, support.submit)
    router.action(surveys.ACTION_ID, surveys.open_survey)
    router.form(surveys.FORM_ID, surveys.validate, surveys.submit)
    router.command("match", matching.match, "admins: propose pairs for a programme")
    router.action(proposal.LOCK_ACTION, matching.lock)
    router.action(proposal.UNLOCK_ACTION, matching.unlock)
    router.action(proposal.REMOVE_ACTION, matching.remove)
    router.action(proposal.RERUN_ACTION, matching.rerun)
    router.action(proposal.PUBLISH_ACTION, matching.publish_clicked)
    router.action(proposal.SWAP_ACTION, matching.swap_clicked)
    router.form(matching.SWAP_FORM, matching.validate_swap, matching.swap_submitted)
    add_booking_steps(router, chemistry.SPEC)
    router.action(fit_check.YES_ACTION, fit_check.answer_yes)
    router.action(fit_check.NO_ACTION, fit_check.answer_no)
    router.command("announce", announcements.start, "champions and admins: send an announcement")
    router.form(announcements.FORM_ID, announcements.validate, announcements.submit)
    router.command("reflections", reflections.list_own, "read your own private reflections")
    router.action(reflections.ACTION_ID, reflections.open_form)
    router.form(reflections.FORM_ID, reflections.validate, reflections.submit)
    # The session cycle (docs/sessions.md).
    add_booking_steps(router, sessions.SPEC)
    router.action(sessions.CADENCE_ACTION, sessions.cadence_chosen)
    router.action(goals.ACTION_ID, goals.open_form)
    router.form(goals.FORM_ID, goals.validate, goals.submit)
    router.action(prep.AGENDA_ACTION, prep.open_agenda)
    router.form(prep.AGENDA_FORM, prep.validate_agenda, prep.submit_agenda)
    router.action(polls.ACTION_ID, polls.open_poll)
    router.form(polls.FORM_ID, polls.validate, polls.submit)
    router.action(programme_close.CHOICE_ACTION, programme_close.choose)
    router.action(programme_close.LESSONS_ACTION, programme_close.open_lessons)
    router.form(
        programme_close.LESSONS_FORM,
        programme_close.validate_lessons,
        programme_close.submit_lessons,
    )
    router.action(actions.REMATCH_ACTION, rematch_offer.clicked)
    router.on_join = welcome.welcome
    router.home = home.home_for
    return router


def add_booking_steps(router: Router, spec: booking.BookingSpec) -> None:
    """The same booking steps for every kind of meeting; `spec` says what differs."""

    async def book(ctx: FlowContext, click: ButtonClicked) -> None:
        await booking_slots.book(ctx, click, spec)

    async def slot_chosen(ctx: FlowContext, click: ButtonClicked) -> None:
        await booking_slots.slot_chosen(ctx, click, spec)

    async def other_time(ctx: FlowContext, click: ButtonClicked) -> None:
        await booking_proposal.other_time(ctx, click, spec)

    async def accept(ctx: FlowContext, click: ButtonClicked) -> None:
        await booking_confirm.accept(ctx, click, spec)

    async def cancel(ctx: FlowContext, click: ButtonClicked) -> None:
        await booking_confirm.cancel(ctx, click, spec)

    async def time_submitted(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
        return await booking_proposal.time_submitted(ctx, form, spec)

    router.action(spec.action("book"), book)
    router.action(spec.action("slot"), slot_chosen)
    router.action(spec.action("other"), other_time)
    router.action(spec.action("accept"), accept)
    router.action(spec.action("cancel"), cancel)
    router.action(spec.action("ics"), booking_confirm.calendar_clicked)
    router.form(spec.form_id, booking_proposal.validate_time, time_submitted)
