"""Action and form ids live on in messages already sent: a Slack message or Teams card posted
months ago still carries the ids it was rendered with, and a click on it must still reach its
flow. Renaming a constant is fine; changing its value strands every button that carries it."""

from __future__ import annotations

from flows.chemistry import meeting as chemistry
from flows.common import actions
from flows.routes import build_router
from flows.sessions import cadence as sessions

ACTION_IDS = {
    "agenda",
    "chem_accept",
    "chem_book",
    "chem_cancel",
    "chem_ics",
    "chem_other",
    "chem_slot",
    "close_choice",
    "fit_no",
    "fit_yes",
    "forget_cancel",
    "forget_confirm",
    "goals_open",
    "leave",
    "leave_cancel",
    "leave_confirm",
    "lessons_open",
    "match_lock",
    "match_publish",
    "match_remove",
    "match_rerun",
    "match_swap",
    "match_unlock",
    "pause",
    "poll_open",
    "reflect",
    "rematch_me",
    "resume",
    "sess_accept",
    "sess_book",
    "sess_cadence",
    "sess_cancel",
    "sess_ics",
    "sess_other",
    "sess_slot",
    "signup_edit",
    "support",
    "support_link",
    "survey",
}
FORM_IDS = {
    "agenda",
    "announce",
    "chem_time",
    "goals",
    "lessons",
    "match_swap",
    "poll",
    "reflection",
    "sess_time",
    "signup",
    "support",
    "survey",
}


def test_buttons_and_forms_already_sent_still_reach_a_flow() -> None:
    router = build_router()
    assert set(router.actions) == ACTION_IDS
    assert set(router.forms) == FORM_IDS


def test_the_shared_book_buttons_start_their_own_kind_of_booking() -> None:
    assert chemistry.SPEC.action("book") == actions.CHEMISTRY_BOOK_ACTION
    assert sessions.SPEC.action("book") == actions.SESSION_BOOK_ACTION
