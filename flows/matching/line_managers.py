"""Line managers named in words (answers from before the people picker, CSV cells naming
someone Tandem did not know yet) become people as soon as the words name exactly one.

Matching compares user ids only, so until then such a manager counts for nothing, and the
admins are told who named one (never what they wrote).
"""

from __future__ import annotations

from flows.common.person_names import PersonNames
from storage.uow import UnitOfWork


async def identify_named_managers(uow: UnitOfWork) -> int:
    """Resolve every line manager in the workspace still named in words; returns how many
    were identified. The caller commits."""
    named = await uow.matching.named_managers()
    if not named:
        return 0
    people = PersonNames(await uow.people.names())
    found = {enrolment: user_id for enrolment, words in named if (user_id := people.resolve(words))}
    await uow.matching.identify_managers(found)
    return len(found)


def unidentified_note(names: list[str], limit: int = 10) -> str:
    """What the matching review says about people whose line manager is unknown."""
    if not names:
        return ""
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    who = "1 person" if len(names) == 1 else f"{len(names)} people"
    return (
        f"{who} named a line manager I couldn't identify: {shown}. Until they pick their "
        "manager from the list (`signup` lets them edit their answers), the reporting-line "
        "rule can't protect them."
    )
