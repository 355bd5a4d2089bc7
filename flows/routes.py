"""Every flow the bot runs, wired to the events that start it. The one place to look."""

from __future__ import annotations

from bot.core.events import ButtonClicked, FormSubmitted
from bot.runtime.context import FlowContext
from bot.runtime.policy import Policy, Who
from bot.runtime.router import Router
from flows import route_subjects as named
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

# Who may use each route (bot/runtime/policy.py). The README's Security table lists them.
ANYONE = Policy(Who.WORKSPACE)
THEMSELF = Policy(Who.SELF)
OWN_SIGNUP = Policy(Who.SELF, named.enrolment)
PAIR = Policy(Who.PAIR, named.pair)
PAIR_OF_MEETING = Policy(Who.PAIR, named.meeting)
ADMIN_OF_PROGRAMME = Policy(Who.ADMIN, named.programme)
ADMIN_OF_PAIR = Policy(Who.ADMIN, named.pair)


def build_router() -> Router:
    router = Router()
    router.command("signup", signup.start, "join a programme, or edit your answers", policy=ANYONE)
    router.command("join", signup.start, policy=ANYONE)
    router.command(
        "status", status.status, "your programme, match and next session", policy=THEMSELF
    )
    router.command("help", help.show_help, "what I can do", policy=ANYONE)
    router.command("leave", leave.leave, "withdraw from a programme", policy=THEMSELF)
    router.command("withdraw", leave.leave, policy=THEMSELF)
    router.command("pause", pause.pause, "take a break", policy=THEMSELF)
    router.command("resume", pause.resume, "come back after a break", policy=THEMSELF)
    router.command(
        "forget-me",
        forget.forget_me,
        "erase everything Tandem holds about you",
        policy=THEMSELF,
    )
    router.command("forget", forget.forget_me, policy=THEMSELF)
    router.fallback(help.unknown, policy=ANYONE)

    router.form(signup_form.FORM_ID, signup_form.validate, signup.submit, policy=ANYONE)
    router.action(actions.SIGNUP_ACTION, signup.edit, policy=ANYONE)
    router.action(actions.PAUSE_ACTION, pause.pause_clicked, policy=OWN_SIGNUP)
    router.action(pause.RESUME_ACTION, pause.resume_clicked, policy=OWN_SIGNUP)
    router.action(actions.LEAVE_ACTION, leave.leave_clicked, policy=OWN_SIGNUP)
    router.action(leave.CONFIRM_ACTION, leave.leave_confirmed, policy=OWN_SIGNUP)
    router.action(leave.CANCEL_ACTION, leave.leave_cancelled, policy=OWN_SIGNUP)
    router.action(forget.CONFIRM_ACTION, forget.forget_confirmed, policy=THEMSELF)
    router.action(forget.CANCEL_ACTION, forget.forget_cancelled, policy=THEMSELF)
    # Asking for help is never refused: the asker's own words go to that programme's admins.
    router.command(
        "support",
        support.command,
        "ask the programme team for support, privately",
        policy=ANYONE,
    )
    router.action(actions.SUPPORT_ACTION, support.clicked, policy=ANYONE)
    router.action(support.LINK_ACTION, support.link_opened, policy=ANYONE)
    router.form(support.FORM_ID, support.validate, support.submit, policy=ANYONE)
    taking_the_survey = Policy(Who.ENROLLED, named.survey_programme)
    router.action(surveys.ACTION_ID, surveys.open_survey, policy=taking_the_survey)
    router.form(surveys.FORM_ID, surveys.validate, surveys.submit, policy=taking_the_survey)
    router.command(
        "match",
        matching.match,
        "admins: propose pairs for a programme",
        policy=Policy(Who.ADMIN, named.programme_in_args),
    )
    router.action(proposal.LOCK_ACTION, matching.lock, policy=ADMIN_OF_PAIR)
    router.action(proposal.UNLOCK_ACTION, matching.unlock, policy=ADMIN_OF_PAIR)
    router.action(proposal.REMOVE_ACTION, matching.remove, policy=ADMIN_OF_PAIR)
    router.action(proposal.RERUN_ACTION, matching.rerun, policy=ADMIN_OF_PROGRAMME)
    router.action(proposal.PUBLISH_ACTION, matching.publish_clicked, policy=ADMIN_OF_PROGRAMME)
    router.action(proposal.SWAP_ACTION, matching.swap_clicked, policy=ADMIN_OF_PROGRAMME)
    router.form(
        matching.SWAP_FORM,
        matching.validate_swap,
        matching.swap_submitted,
        policy=ADMIN_OF_PROGRAMME,
    )
    add_booking_steps(router, chemistry.SPEC)
    router.action(fit_check.YES_ACTION, fit_check.answer_yes, policy=PAIR)
    router.action(fit_check.NO_ACTION, fit_check.answer_no, policy=PAIR)
    # Champions and admins announce only to their own programmes (the form offers no other).
    champion = Policy(Who.CHAMPION)
    router.command(
        "announce",
        announcements.start,
        "champions and admins: send an announcement",
        policy=champion,
    )
    router.form(
        announcements.FORM_ID, announcements.validate, announcements.submit, policy=champion
    )
    router.command(
        "reflections",
        reflections.list_own,
        "read your own private reflections",
        policy=THEMSELF,
    )
    reflecting = Policy(Who.PAIR, named.meeting_in_action)
    router.action(reflections.ACTION_ID, reflections.open_form, policy=reflecting)
    router.form(reflections.FORM_ID, reflections.validate, reflections.submit, policy=reflecting)
    # The session cycle (docs/sessions.md).
    add_booking_steps(router, sessions.SPEC)
    router.action(sessions.CADENCE_ACTION, sessions.cadence_chosen, policy=PAIR)
    router.action(goals.ACTION_ID, goals.open_form, policy=PAIR)
    router.form(goals.FORM_ID, goals.validate, goals.submit, policy=PAIR)
    router.action(prep.AGENDA_ACTION, prep.open_agenda, policy=PAIR_OF_MEETING)
    router.form(prep.AGENDA_FORM, prep.validate_agenda, prep.submit_agenda, policy=PAIR_OF_MEETING)
    router.action(polls.ACTION_ID, polls.open_poll, policy=PAIR_OF_MEETING)
    router.form(polls.FORM_ID, polls.validate, polls.submit, policy=PAIR_OF_MEETING)
    router.action(programme_close.CHOICE_ACTION, programme_close.choose, policy=PAIR)
    router.action(programme_close.LESSONS_ACTION, programme_close.open_lessons, policy=PAIR)
    router.form(
        programme_close.LESSONS_FORM,
        programme_close.validate_lessons,
        programme_close.submit_lessons,
        policy=PAIR,
    )
    router.action(actions.REMATCH_ACTION, rematch_offer.clicked, policy=Policy(Who.ENROLLED))
    router.join(welcome.welcome, policy=ANYONE)
    router.home_view(home.home_for, policy=THEMSELF)
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

    router.action(spec.action("book"), book, policy=PAIR)
    router.action(spec.action("slot"), slot_chosen, policy=PAIR)
    router.action(spec.action("other"), other_time, policy=PAIR)
    router.action(spec.action("accept"), accept, policy=PAIR_OF_MEETING)
    router.action(spec.action("cancel"), cancel, policy=PAIR_OF_MEETING)
    router.action(spec.action("ics"), booking_confirm.calendar_clicked, policy=PAIR_OF_MEETING)
    router.form(spec.form_id, booking_proposal.validate_time, time_submitted, policy=PAIR)
