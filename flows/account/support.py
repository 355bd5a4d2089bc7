""" "Need support?": tell the programme admins privately, and show the person where help is.

This is the one place a person's own words reach admins, because they chose to send them.
Nothing is stored: the message goes to the admins' DMs and nowhere else.
"""

from __future__ import annotations

from typing import Any

from bot.core.events import ButtonClicked, Command, FormSubmitted
from bot.core.outbound import (
    Button,
    Buttons,
    Context,
    FieldKind,
    Form,
    FormField,
    Message,
    Section,
    Text,
)
from bot.runtime.context import FlowContext
from flows.common.actions import support_button
from flows.common.form_values import FormValues, one, too_long
from flows.common.people import name_of, person_for
from storage.models import Programme

FORM_ID = "support"
LINK_ACTION = "support_link"
MESSAGE_LIMIT = 1000
DEFAULT_RESOURCES = (
    "If you need to talk to someone now, your Employee Assistance Programme is available "
    "24/7 and is confidential. If you are in danger, call your local emergency number."
)


def support_form(programme: Programme | None) -> Form:
    # A form's intro is plain text on every platform: no *bold* here.
    team = f"the team running {programme.name}" if programme else "the programme team"
    return Form(
        form_id=FORM_ID,
        title="Need support?",
        submit_label="Ask for support",
        intro=(
            f"We'll let {team} know privately that you asked, so they can reach out. "
            "Add a message if you like; only they will see it."
        ),
        context=str(programme.id) if programme else "",
        fields=(
            FormField(
                "message",
                "Anything you'd like them to know",
                FieldKind.LONG_TEXT,
                required=False,
                max_length=MESSAGE_LIMIT,
            ),
        ),
    )


def resources_message(settings: dict[str, Any], told_admins: bool) -> Message:
    """The programme's configured support text and links, or a sensible default."""
    support = settings.get("support") or {}
    text = str(support.get("text") or DEFAULT_RESOURCES)
    links = tuple(
        Button(str(link["label"])[:75], f"{LINK_ACTION}:{n}", url=str(link["url"]))
        for n, link in enumerate(support.get("links") or [])
        if isinstance(link, dict) and link.get("label") and link.get("url")
    )
    headline = (
        "Thank you for asking. The programme team has been told privately and will get in touch."
        if told_admins
        else "Thank you for asking. There's no programme admin to tell yet, but help is here."
    )
    blocks: list[Any] = [Text(headline), Section("Support available", text)]
    if links:
        blocks.append(Buttons(links))
    blocks.append(Context("Your request went only to the programme admins."))
    return Message(summary="Support is available", blocks=tuple(blocks))


async def _programme(ctx: FlowContext, value: str) -> Programme | None:
    """The programme named by the button, else the person's own, else the workspace's only one."""
    async with ctx.uow() as uow:
        if value.isdigit() and (programme := await uow.programmes.get(int(value))):
            return programme
        person = await uow.people.by_user_id(ctx.user.user_id)
        mine = [p for e, p in await uow.enrolments.of_person(person.id)] if person else []
        if mine:
            return mine[-1]
        every = await uow.programmes.all()
        return every[-1] if every else None


async def clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    await ctx.open_form(support_form(await _programme(ctx, click.value)))


async def command(ctx: FlowContext, command: Command) -> None:
    programme = await _programme(ctx, "")
    if command.interaction:
        await ctx.open_form(support_form(programme))
        return
    await ctx.reply(
        Message(
            summary="Need support?",
            blocks=(
                Text("Press the button to let the programme team know, privately."),
                Buttons((support_button(programme.id if programme else 0),)),
            ),
        ),
        kind="support_offer",
    )


def validate(values: FormValues) -> dict[str, str]:
    if message := too_long(one(values, "message"), MESSAGE_LIMIT):
        return {"message": message}
    return {}


def admin_alert(asker: str, programme: Programme, text: str) -> Message:
    body = (
        f"They wrote: “{text}”"
        if text
        else "They didn't add a message. Please reach out to them privately."
    )
    return Message(
        summary=f"{asker} asked for support in {programme.name}",
        blocks=(
            Text(f"*{asker}* asked for support in *{programme.name}*."),
            Text(body),
            Context("Sent to programme admins only. Please keep this confidential."),
        ),
    )


async def submit(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    programme = await _programme(ctx, form.context)
    async with ctx.uow() as uow:
        person = await person_for(ctx, uow)
        asker = name_of(person)
        admins = await uow.programmes.people_with_role(programme.id, "admin") if programme else []
        admin_users = [
            p.platform_user_id for pid in admins if (p := await uow.people.get(pid)) is not None
        ]
        await uow.commit()
    told = 0
    if programme is not None:
        alert = admin_alert(asker, programme, one(form.values, "message"))
        for user_id in admin_users:
            told += await ctx.dm(user_id, alert, kind="support_request") is not None
    await ctx.reply(
        resources_message(programme.settings if programme else {}, told > 0),
        kind="support_resources",
    )
    return None


async def link_opened(ctx: FlowContext, click: ButtonClicked) -> None:
    """Link buttons open in the browser; some platforms still report the click. Nothing to do."""
