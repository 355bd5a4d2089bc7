"""The Teams bot: one TeamsActivityHandler that hands every activity to Tandem.

On every turn it first records where the person (or channel) can be reached later, then
translates the activity into a neutral event. Card submissions are answered in place: the
card turns into a confirmation, or shows the form again with the errors.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes

from adapters.teams import people_picker, references, sent_forms, translate
from adapters.teams.card_forms import render_form_card
from adapters.teams.card_submissions import invoke_response_body, is_form_submission
from adapters.teams.cards import render_confirmation_card
from adapters.teams.messenger import TeamsMessenger, card_activity
from bot.core.outbound import Form
from bot.core.refs import UserRef, WorkspaceRef
from bot.runtime.tandem import SORRY, Tandem
from storage.uow import Database

log = logging.getLogger(__name__)

CARD_ACTION = "adaptiveCard/action"
OTHER_TENANT = (
    "Sorry, Tandem isn't set up for your organisation, so I can't help you here. "
    "Your Teams admin can tell you which mentoring tools you can use."
)
FORM_EXPIRED = "That form has expired. Type `signup` (or the command you used) to start again."
UNREADABLE_CARD = "Sorry, I couldn't read that card. Type `status` to see where things stand."


@dataclass(frozen=True, slots=True)
class CardAnswer:
    """What the person sees where the card was: a new card, or a short message."""

    card: dict[str, Any] | None = None
    message: str | None = None


def _with_answers(form: Form, values: Mapping[str, Any], errors: dict[str, str]) -> Form:
    """The same form, keeping what the person typed, with each error under its field."""
    fields = tuple(
        dataclasses.replace(
            field,
            initial=tuple(value) if isinstance(value, list) else value,
        )
        if (value := values.get(field.name)) is not None
        else field
        for field in form.fields
    )
    return dataclasses.replace(form, fields=fields, errors=errors)


def _confirmation(form: Form) -> dict[str, Any]:
    return render_confirmation_card(
        "Thanks, that's done", [f"*{form.title}*: your answers are in. Details follow below."]
    )


class TandemTeamsBot(TeamsActivityHandler):
    def __init__(
        self, tandem: Tandem, db: Database, messenger: TeamsMessenger, allowed_tenant: str = ""
    ) -> None:
        self.tandem = tandem
        self.db = db
        self.messenger = messenger
        # Set for a single-tenant bot: activities from any other tenant are turned away.
        self.allowed_tenant = allowed_tenant

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        try:
            workspace = translate.workspace_of(activity)
            if workspace is None:
                log.warning("activity without a tenant ignored", extra={"type": activity.type})
                await self._answer_invoke(turn_context, CardAnswer(message=UNREADABLE_CARD))
                return
            if self.allowed_tenant and workspace.external_id != self.allowed_tenant:
                log.warning("activity from another tenant refused", extra={"type": activity.type})
                await self._refuse(turn_context)
                return
            await self._remember(activity, workspace)
            await super().on_turn(turn_context)
        except Exception:
            log.exception("teams turn failed", extra={"type": activity.type})
            await self._answer_invoke(turn_context, CardAnswer(message=SORRY))

    # --- activity kinds ---------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:  # an Action.Submit from an older client
            await self._submitted_in_message(turn_context)
            return
        event = translate.message_event(activity)
        if event is not None:
            await self.tandem.handle(event)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        event = translate.member_joined(turn_context.activity)
        if event is not None:
            await self.tandem.handle(event)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != CARD_ACTION:
            return await super().on_invoke_activity(turn_context)
        data = translate.invoke_action_data(activity)
        answer = await self._card_action(turn_context, data)
        # Built by hand: botbuilder 4.17's own adaptive-card invoke path cannot serialise a
        # card response under CloudAdapter.
        return InvokeResponse(status=200, body=self._invoke_body(answer))

    # --- card submissions -------------------------------------------------------------

    async def _card_action(
        self, turn_context: TurnContext, data: Mapping[str, Any] | None
    ) -> CardAnswer:
        activity = turn_context.activity
        user = translate.user_of(activity)
        if user is None or data is None:
            return CardAnswer(message=UNREADABLE_CARD)
        if is_form_submission(data):
            return await self._form_submitted(activity, user, data)
        try:
            event = translate.button_clicked(activity, user, data)
        except ValueError:
            log.warning("unreadable card action")
            return CardAnswer(message=UNREADABLE_CARD)
        await self.tandem.handle(event)
        return CardAnswer(message="")

    async def _form_submitted(
        self, activity: Activity, user: UserRef, data: Mapping[str, Any]
    ) -> CardAnswer:
        workspace_id = await self.db.workspace_id(user.workspace)
        sent = await sent_forms.sent_form(self.db, workspace_id, user.user_id, data["form_id"])
        if sent is None:
            return CardAnswer(message=FORM_EXPIRED)
        form = sent.form
        event = translate.form_submitted(activity, user, data, form.fields, form.context)
        event = await people_picker.with_member_ids(
            self.db, workspace_id, form, event, self.messenger.find_member
        )
        checked = self.tandem.validate(event, form.fields)
        errors = checked.errors or await self.tandem.handle(checked.event)
        if errors:
            shown = _with_answers(form, checked.event.values, errors)
            people = await people_picker.choices_for(self.db, workspace_id, shown)
            return CardAnswer(card=render_form_card(shown, people))
        return CardAnswer(card=_confirmation(form))

    async def _submitted_in_message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        value = activity.value
        answer = await self._card_action(turn_context, value if isinstance(value, dict) else None)
        if answer.card is not None:
            card = card_activity(answer.card, "Form")
            if activity.reply_to_id:
                card.id = activity.reply_to_id
                await turn_context.update_activity(card)
            else:
                await turn_context.send_activity(card)
        elif answer.message:
            await turn_context.send_activity(answer.message)

    # --- helpers ----------------------------------------------------------------------

    async def _remember(self, activity: Activity, workspace: WorkspaceRef) -> None:
        """Store this conversation's reference: later DMs and posts are sent with it."""
        sender_id = getattr(activity.from_property, "id", None)
        if (
            not activity.service_url
            or not sender_id
            or not getattr(activity.conversation, "id", None)
        ):
            return
        ref = TurnContext.get_conversation_reference(activity).serialize()
        workspace_id = await self.db.workspace_id(workspace)
        if translate.is_personal(activity):
            name = getattr(activity.from_property, "name", "") or ""
            object_id = getattr(activity.from_property, "aad_object_id", "") or ""
            references.remember_turn(sender_id, ref)
            await references.save_person_ref(
                self.db, workspace_id, sender_id, ref, name, directory_id=object_id
            )
            return
        channel = translate.channel_of(activity)
        if channel is not None:
            await references.save_channel_ref(self.db, workspace_id, channel, ref)

    async def _refuse(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type == ActivityTypes.invoke:
            await self._answer_invoke(turn_context, CardAnswer(message=OTHER_TENANT))
        elif activity.type == ActivityTypes.message and translate.is_personal(activity):
            await turn_context.send_activity(OTHER_TENANT)

    @staticmethod
    def _invoke_body(answer: CardAnswer) -> dict[str, Any]:
        if answer.card is not None:
            return invoke_response_body(card=answer.card)
        return invoke_response_body(message=answer.message or "")

    async def _answer_invoke(self, turn_context: TurnContext, answer: CardAnswer) -> None:
        """Invokes must be answered with a 200 whatever happened, or Teams shows an error."""
        if turn_context.activity.type != ActivityTypes.invoke:
            return
        response = InvokeResponse(status=200, body=self._invoke_body(answer))
        await turn_context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=response)
        )
