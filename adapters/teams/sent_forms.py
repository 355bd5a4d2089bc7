"""The last form card each person was sent, so a rejected submission can be shown again.

A submission carries only the values, not the form; keeping the form also means a card
can only submit the fields (and options) the bot actually offered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.core.outbound import FieldKind, Form, from_json, to_json
from storage.models import TeamsForm
from storage.uow import Database
from storage.upsert import insert_ignore


@dataclass(frozen=True, slots=True)
class SentForm:
    form: Form
    conversation_id: str
    activity_id: str


async def remember_form(
    db: Database,
    workspace_id: int,
    user_id: str,
    form: Form,
    *,
    conversation_id: str,
    activity_id: str,
) -> None:
    now = db.clock.now()
    values = {
        "conversation_id": conversation_id,
        "activity_id": activity_id,
        "form": to_json(form),
        "updated_at": now,
    }
    row = {"workspace_id": workspace_id, "user_id": user_id, "form_id": form.form_id, **values}
    async with db.unit_of_work(workspace_id) as uow:
        inserted = await uow.session.scalar(
            insert_ignore(uow.session, TeamsForm, [row]).returning(TeamsForm.id)
        )
        if inserted is None:
            await uow.session.execute(
                update(TeamsForm)
                .where(
                    TeamsForm.workspace_id == workspace_id,
                    TeamsForm.user_id == user_id,
                    TeamsForm.form_id == form.form_id,
                )
                .values(**values)
            )
        await uow.commit()


async def sent_form(db: Database, workspace_id: int, user_id: str, form_id: str) -> SentForm | None:
    async with db.unit_of_work(workspace_id) as uow:
        row = await uow.session.scalar(
            select(TeamsForm).where(
                TeamsForm.workspace_id == workspace_id,
                TeamsForm.user_id == user_id,
                TeamsForm.form_id == form_id,
            )
        )
    if row is None:
        return None
    form = from_json(row.form)
    if not isinstance(form, Form):
        return None
    # from_json leaves each field's kind a plain string; the card renderer wants the enum.
    fields = tuple(dataclasses.replace(f, kind=FieldKind(f.kind)) for f in form.fields)
    return SentForm(dataclasses.replace(form, fields=fields), row.conversation_id, row.activity_id)
