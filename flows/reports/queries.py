"""The programme report's numbers: one aggregate query per section, grouped in the database.

Reads only counts and numeric answers (never comments, reflections or goals). Turning them
into figures, with k-anonymity, is `flows.reports.figures`.
"""

from __future__ import annotations

from sqlalchemy import func, literal, null, select, union_all

from flows.reports.figures import Aggregate, ProgrammeReport, SurveyQuestion
from flows.surveys.questions import PHASE_KINDS, questions_for, subject_for
from storage.models import Enrolment, Meeting, Pair, Programme, Response
from storage.uow import Database

POLL_QUESTIONS = ("met", "valuable", "safe_space")


class ReportError(LookupError):
    """The programme asked for does not exist in this workspace."""


async def programme_report(db: Database, workspace_id: int, slug: str) -> ProgrammeReport:
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.by_slug(slug)
        if programme is None:
            raise ReportError(f"no programme called '{slug}' in this workspace")
        report = ProgrammeReport(programme.name, programme.slug, programme.wave)
        session = uow.session
        for what, status, count in (await session.execute(_participation(programme))).tuples():
            getattr(report, what)[status] = int(count)
        for status, count in (await session.execute(_sessions(programme))).tuples():
            report.sessions[status] = int(count)
        for question, answer, people, answers, mean in (
            await session.execute(_polls(programme))
        ).tuples():
            group = Aggregate(int(people), int(answers), mean)
            if answer is None:
                report.polls[question] = group
            else:
                report.met[answer] = group
        phases: dict[tuple[str, str], Aggregate] = {}
        for kind, question, people, mean in (await session.execute(_survey(programme))).tuples():
            phases[kind, question] = Aggregate(int(people), int(people), mean)
    report.survey = _survey_questions(programme, phases)
    return report


def _participation(programme: Programme):  # type: ignore[no-untyped-def]
    enrolments = (
        select(literal("enrolments"), Enrolment.status, func.count())
        .where(
            Enrolment.workspace_id == programme.workspace_id,
            Enrolment.programme_id == programme.id,
        )
        .group_by(Enrolment.status)
    )
    pairs = (
        select(literal("pairs"), Pair.status, func.count())
        .where(Pair.workspace_id == programme.workspace_id, Pair.programme_id == programme.id)
        .group_by(Pair.status)
    )
    return union_all(enrolments, pairs)


def _sessions(programme: Programme):  # type: ignore[no-untyped-def]
    return (
        select(Meeting.status, func.count())
        .join(Pair, Pair.id == Meeting.pair_id)
        .where(
            Pair.workspace_id == programme.workspace_id,
            Pair.programme_id == programme.id,
            Meeting.kind == "session",
        )
        .group_by(Meeting.status)
    )


def _polls(programme: Programme):  # type: ignore[no-untyped-def]
    """Per question (answer NULL) and, for "did you meet", per answer too."""
    where = (
        Response.workspace_id == programme.workspace_id,
        Response.programme_id == programme.id,
        Response.kind == "poll",
    )
    people = func.count(func.distinct(Response.person_id))
    per_question = (
        select(Response.question, null(), people, func.count(), func.avg(Response.value_number))
        .where(*where, Response.question.in_(POLL_QUESTIONS))
        .group_by(Response.question)
    )
    per_met_answer = (
        select(Response.question, Response.value_text, people, func.count(), null())
        .where(*where, Response.question == "met")
        .group_by(Response.question, Response.value_text)
    )
    return union_all(per_question, per_met_answer)


def _survey(programme: Programme):  # type: ignore[no-untyped-def]
    # One row per person and question and phase (a unique key), so count(*) counts people.
    return (
        select(Response.kind, Response.question, func.count(), func.avg(Response.value_number))
        .where(
            Response.workspace_id == programme.workspace_id,
            Response.kind.in_((PHASE_KINDS["pre"], PHASE_KINDS["post"])),
            Response.subject == subject_for(programme.id, "pre"),
            Response.value_number.is_not(None),
        )
        .group_by(Response.kind, Response.question)
    )


def _survey_questions(
    programme: Programme, phases: dict[tuple[str, str], Aggregate]
) -> list[SurveyQuestion]:
    """Today's questions in order, then any retired question that still has answers."""
    pre, post = PHASE_KINDS["pre"], PHASE_KINDS["post"]
    texts = {q.key: q.text for q in questions_for(programme.settings)}
    for _, key in sorted(phases):
        texts.setdefault(key, key)
    return [
        SurveyQuestion(key, text, phases.get((pre, key)), phases.get((post, key)))
        for key, text in texts.items()
    ]
