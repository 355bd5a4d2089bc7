"""What each button, form and command acts on, read the way its flow wrote it.

The router checks a route's policy before the flow runs (bot/runtime/policy.py); these
finders tell it which pair, meeting, sign-up or programme an event names. A button carries
its subject in its value (`12`, or `12:more`), a reflection button in its action id
(`reflect:12`), a form in its context. None means the event names nothing recognisable,
which the policy refuses.
"""

from __future__ import annotations

from bot.core.events import ButtonClicked, Command, FormSubmitted, InboundEvent
from bot.runtime.policy import (
    UNNAMED,
    EnrolmentRef,
    MeetingRef,
    PairRef,
    ProgrammeRef,
    ProgrammeSlug,
    Subject,
)
from flows.surveys.answers import SurveyRef

# Ids are 32-bit in the database; a longer number names nothing (and never reaches a query).
LARGEST_ID = 2**31 - 1


def _carried(event: InboundEvent) -> str:
    """What a button or form carries for its flow: a button's value, a form's context."""
    if isinstance(event, ButtonClicked):
        return event.value
    if isinstance(event, FormSubmitted):
        return event.context
    return ""


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) <= LARGEST_ID else None


def _leading_id(event: InboundEvent) -> int | None:
    return _id(_carried(event).split(":", 1)[0])


def pair(event: InboundEvent) -> Subject | None:
    """Booking, fit check, cadence, goals, the close: the pair id first."""
    pair_id = _leading_id(event)
    return PairRef(pair_id) if pair_id is not None else None


def meeting(event: InboundEvent) -> Subject | None:
    """Accept, cancel, agenda, poll: the meeting id."""
    meeting_id = _leading_id(event)
    return MeetingRef(meeting_id) if meeting_id is not None else None


def meeting_in_action(event: InboundEvent) -> Subject | None:
    """The reflection button names its meeting in the action id (`reflect:12`); its form,
    like every form, in the context."""
    if isinstance(event, ButtonClicked):
        meeting_id = _id(event.action_id.partition(":")[2])
        return MeetingRef(meeting_id) if meeting_id is not None else None
    return meeting(event)


def enrolment(event: InboundEvent) -> Subject | None:
    """Pause, resume, withdraw: the sign-up's id."""
    enrolment_id = _leading_id(event)
    return EnrolmentRef(enrolment_id) if enrolment_id is not None else None


def programme(event: InboundEvent) -> Subject | None:
    """The matching preview's programme-wide buttons and the swap form."""
    programme_id = _leading_id(event)
    return ProgrammeRef(programme_id) if programme_id is not None else None


def survey_programme(event: InboundEvent) -> Subject | None:
    survey = SurveyRef.decode(_carried(event))
    programme_id = _id(str(survey.programme_id)) if survey else None
    return ProgrammeRef(programme_id) if programme_id is not None else None


def programme_in_args(event: InboundEvent) -> Subject | None:
    """`match pilot` names a programme by its slug; plain `match` means the admin's own."""
    slug = event.args.strip().lower() if isinstance(event, Command) else ""
    return ProgrammeSlug(slug) if slug else UNNAMED
