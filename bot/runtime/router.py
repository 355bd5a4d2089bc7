"""Maps neutral events to flows. Flows are registered here, in one place, by name."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.events import (
    ButtonClicked,
    Command,
    FormSubmitted,
    InboundEvent,
    MemberJoined,
    MessageReceived,
)
from bot.core.outbound import Message
from bot.runtime.context import FlowContext

log = logging.getLogger(__name__)

CommandHandler = Callable[[FlowContext, Command], Awaitable[None]]
ActionHandler = Callable[[FlowContext, ButtonClicked], Awaitable[None]]
FormValidator = Callable[[dict[str, str | list[str]]], dict[str, str]]
FormHandler = Callable[[FlowContext, FormSubmitted], Awaitable[dict[str, str] | None]]
JoinHandler = Callable[[FlowContext, MemberJoined], Awaitable[None]]
# What a person sees on a platform's home screen (Slack's App Home tab).
HomeView = Callable[[FlowContext], Awaitable[Message]]


@dataclass(frozen=True, slots=True)
class FormRoute:
    validate: FormValidator
    handle: FormHandler


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, CommandHandler] = {}
        self.command_help: dict[str, str] = {}
        self.actions: dict[str, ActionHandler] = {}
        self.forms: dict[str, FormRoute] = {}
        self.on_join: JoinHandler | None = None
        self.fallback_command: CommandHandler | None = None
        self.home: HomeView | None = None

    def command(self, name: str, handler: CommandHandler, help_text: str = "") -> None:
        self.commands[name] = handler
        if help_text:
            self.command_help[name] = help_text

    def action(self, prefix: str, handler: ActionHandler) -> None:
        """`prefix` matches action ids `prefix` and `prefix:anything`."""
        self.actions[prefix] = handler

    def form(self, form_id: str, validate: FormValidator, handle: FormHandler) -> None:
        self.forms[form_id] = FormRoute(validate, handle)

    def validate(self, event: FormSubmitted) -> dict[str, str]:
        """Fast, pure field checks: adapters call this before acknowledging a submission."""
        route = self.forms.get(event.form_id)
        return route.validate(event.values) if route else {}

    async def dispatch(self, ctx: FlowContext, event: InboundEvent) -> dict[str, str] | None:
        match event:
            case Command():
                handler = self.commands.get(event.name.lower()) or self.fallback_command
                if handler:
                    await handler(ctx, event)
            case MessageReceived():
                await self._dispatch_text(ctx, event)
            case ButtonClicked():
                handler = self.actions.get(event.action_id.split(":", 1)[0])
                if handler is None:
                    await ctx.reply_text(
                        "That button has expired. Type `status` to see where things stand."
                    )
                else:
                    await handler(ctx, event)
            case FormSubmitted():
                route = self.forms.get(event.form_id)
                if route is None:
                    await ctx.reply_text("That form has expired. Please start again.")
                    return None
                errors = route.validate(event.values)
                if errors:
                    return errors
                return await route.handle(ctx, event)
            case MemberJoined():
                if self.on_join:
                    await self.on_join(ctx, event)
        return None

    async def _dispatch_text(self, ctx: FlowContext, event: MessageReceived) -> None:
        words = event.text.strip().lstrip("/").split(maxsplit=1)
        if words and words[0].lower() == "mentoring":
            words = words[1].split(maxsplit=1) if len(words) > 1 else []
        name = words[0].lower() if words else "help"
        command = Command(
            user=event.user,
            name=name,
            args=words[1] if len(words) > 1 else "",
            conversation=event.conversation,
            event_id=event.event_id,
            interaction=event.interaction,
        )
        handler = self.commands.get(name) or self.fallback_command
        if handler:
            await handler(ctx, command)
