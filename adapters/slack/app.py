"""The slack-bolt AsyncApp: listeners that ack at once and hand a neutral event to Tandem.

With process_before_response=False (bolt's default for HTTP) bolt answers Slack as soon as a
listener calls ack() and lets the rest of the listener run on, so database writes and Web API
calls made by the flow never hold up the acknowledgement.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.flow_slots import NORMAL, URGENT, FlowSlots
from adapters.slack.home import HomeTab
from adapters.slack.render_form import form_errors
from adapters.slack.workspaces import SlackWorkspaces
from bot.core.events import FormSubmitted, InboundEvent, MemberJoined
from bot.runtime.tandem import Tandem

log = logging.getLogger(__name__)

COMMAND = "/mentoring"
ANY = re.compile(".*")
MAX_FLOWS = 4
NOT_SAVED = "I couldn't save that form: {reason} Please open it again and check your answers."

OnUninstalled = Callable[[str], Awaitable[None]]
Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackParts:
    """What the listeners need from the rest of Tandem."""

    tandem: Tandem
    home: HomeTab
    workspaces: SlackWorkspaces
    on_uninstalled: OnUninstalled
    # Flows run after their ack; capping how many run at once keeps the event loop free to
    # ack new requests under load, and keeps flows within the database connection pool.
    flow_slots: FlowSlots = field(default_factory=lambda: FlowSlots(MAX_FLOWS))


def build_bolt_app(
    parts: SlackParts,
    *,
    client: AsyncWebClient,
    signing_secret: str,
    oauth_settings: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    """`client` carries the base URL (and, for one workspace, the bot token)."""
    options: dict[str, Any] = {}
    if oauth_settings is not None:
        options["oauth_settings"] = oauth_settings
        # Cached auth.test results keep a per-request Web API call out of the ack path.
        options["authorize"] = AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=oauth_settings.installation_store,  # type: ignore[arg-type]
            client_id=oauth_settings.client_id,
            client_secret=oauth_settings.client_secret,
            bot_only=True,
            cache_enabled=True,
            client=client,
        )
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        # Socket Mode has no signatures; HTTP mode always has a secret (wiring checks).
        request_verification_enabled=bool(signing_secret),
        process_before_response=False,
        logger=log,
        **options,
    )
    register_listeners(app, parts)
    return app


def register_listeners(app: AsyncApp, parts: SlackParts) -> None:
    tandem, home = parts.tandem, parts.home

    async def handle(event: InboundEvent) -> dict[str, str] | None:
        urgent = getattr(event, "interaction", None) is not None
        async with parts.flow_slots.slot(URGENT if urgent else NORMAL):
            await parts.workspaces.seen(event.user.workspace.external_id)
            return await tandem.handle(event)

    async def on_command(ack: AsyncAck, body: Body) -> None:
        await ack()
        try:
            event = translate.command(body)
        except ValueError:
            log.warning("slash command without a person ignored")
            return
        await handle(event)

    async def on_action(ack: AsyncAck, body: Body) -> None:
        await ack()
        try:
            click = translate.button(body)
        except ValueError:
            log.warning("button click without a person ignored")
            return
        if click is None:
            return
        await handle(click)
        view = body.get("view") or {}
        if view.get("type") == "home":
            await home.publish(click.user)

    async def on_view_submission(ack: AsyncAck, body: Body) -> None:
        try:
            submitted, offered = translate.form(body)
        except ValueError:
            # No person to answer: nothing is saved, and Slack needs its ack all the same.
            log.warning("unreadable view submission ignored")
            await ack()
            return
        checked = tandem.validate(submitted, offered)
        if checked.errors:
            view = body["view"] if isinstance(body.get("view"), dict) else {}
            await ack(**form_errors(_errors_on_fields(checked.errors, view)))
            return
        await ack()
        late_errors = await handle(checked.event)
        if late_errors:
            await _tell_not_saved(tandem, checked.event, late_errors)

    async def on_message(body: Body, event: Body) -> None:
        if not translate.is_person_message(event):
            return
        try:
            received = translate.message(body)
        except ValueError:
            log.warning("message event without a person or channel ignored")
            return
        await handle(received)

    async def on_home_opened(body: Body, event: Body) -> None:
        try:
            user = translate.home_opened(body)
        except ValueError:
            log.warning("app_home_opened without a person ignored")
            return
        if event.get("tab") == "messages":
            # First visit to the DM: the welcome flow sends its greeting once per person.
            event_id = body.get("event_id")
            joined = MemberJoined(
                user=user, event_id=event_id if isinstance(event_id, str) else None
            )
            await handle(joined)
            return
        await parts.workspaces.seen(user.workspace.external_id)
        await home.publish(user)

    async def on_uninstalled(body: Body) -> None:
        await parts.on_uninstalled(translate.team_of(body))

    async def on_tokens_revoked(body: Body, event: Body) -> None:
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            await parts.on_uninstalled(translate.team_of(body))

    async def on_error(error: Exception, body: Body) -> None:
        log.error("slack listener failed", exc_info=error, extra={"type": body.get("type")})

    app.command(COMMAND)(on_command)
    app.action(ANY)(on_action)
    app.view_submission(ANY)(on_view_submission)
    app.event("message")(on_message)
    app.event("app_home_opened")(on_home_opened)
    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
    app.error(on_error)


def _errors_on_fields(errors: dict[str, str], view: Body) -> dict[str, str]:
    """Slack rejects errors for block ids the modal lacks; fold those onto a field it has."""
    fields = translate.field_names(view)
    shown = {name: text for name, text in errors.items() if name in fields}
    stray = [text for name, text in errors.items() if name not in fields]
    if stray and fields:
        first = next(iter(sorted(fields)))
        shown[first] = " ".join([shown.get(first, ""), *stray]).strip()
    return shown or errors


async def _tell_not_saved(tandem: Tandem, submitted: FormSubmitted, errors: dict[str, str]) -> None:
    ctx = await tandem.context_for(submitted)
    await ctx.reply_text(NOT_SAVED.format(reason=" ".join(errors.values())))
