"""Maps neutral events to flows. Flows are registered here, in one place, by name, each with
the policy that says who may start it (bot/runtime/policy.py), checked before the flow runs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.core.events import (
    ButtonClicked,
    Command,
    FormSubmitted,
    InboundEvent,
    MemberJoined,
    MessageReceived,
)
from bot.core.outbound import Message, Text
from bot.runtime.context import FlowContext
from bot.runtime.policy import Policy, refusal, refusal_reply

log = logging.getLogger(__name__)

CommandHandler = Callable[[FlowContext, Command], Awaitable[None]]
ActionHandler = Callable[[FlowContext, ButtonClicked], Awaitable[None]]
FormValidator = Callable[[dict[str, str | list[str]]], dict[str, str]]
FormHandler = Callable[[FlowContext, FormSubmitted], Awaitable[dict[str, str] | None]]
JoinHandler = Callable[[FlowContext, MemberJoined], Awaitable[None]]
# What a person sees on a platform's home screen (Slack's App Home tab).
HomeView = Callable[[FlowContext], Awaitable[Message]]

H = TypeVar("H")


@dataclass(frozen=True, slots=True)
class Route(Generic[H]):
    """A flow and who may start it. `name` says which route in logs: `action:fit_no`."""

    name: str
    handle: H
    policy: Policy


@dataclass(frozen=True, slots=True)
class FormRoute:
    name: str
    validate: FormValidator
    handle: FormHandler
    policy: Policy


def _checked(policy: Policy) -> Policy:
    if not isinstance(policy, Policy):
        raise TypeError(f"a route needs a Policy saying who may use it, not {policy!r}")
    return policy


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Route[CommandHandler]] = {}
        self.command_help: dict[str, str] = {}
        self.actions: dict[str, Route[ActionHandler]] = {}
        self.forms: dict[str, FormRoute] = {}
        self.on_join: Route[JoinHandler] | None = None
        self.fallback_command: Route[CommandHandler] | None = None
        self.home: Route[HomeView] | None = None

    def command(
        self, name: str, handler: CommandHandler, help_text: str = "", *, policy: Policy
    ) -> None:
        self.commands[name] = Route(f"command:{name}", handler, _checked(policy))
        if help_text:
            self.command_help[name] = help_text

    def action(self, prefix: str, handler: ActionHandler, *, policy: Policy) -> None:
        """`prefix` matches action ids `prefix` and `prefix:anything`."""
        self.actions[prefix] = Route(f"action:{prefix}", handler, _checked(policy))

    def form(
        self, form_id: str, validate: FormValidator, handle: FormHandler, *, policy: Policy
    ) -> None:
        self.forms[form_id] = FormRoute(f"form:{form_id}", validate, handle, _checked(policy))

    def join(self, handler: JoinHandler, *, policy: Policy) -> None:
        self.on_join = Route("join", handler, _checked(policy))

    def fallback(self, handler: CommandHandler, *, policy: Policy) -> None:
        """What a command nobody registered runs."""
        self.fallback_command = Route("fallback", handler, _checked(policy))

    def home_view(self, view: HomeView, *, policy: Policy) -> None:
        self.home = Route("home", view, _checked(policy))

    def routes(self) -> Iterator[Route[Any] | FormRoute]:
        """Every route, for the authorization matrix and the README's table."""
        yield from self.commands.values()
        yield from self.actions.values()
        yield from self.forms.values()
        yield from (r for r in (self.fallback_command, self.on_join, self.home) if r)

    def validate(self, event: FormSubmitted) -> dict[str, str]:
        """Fast, pure field checks: adapters call this before acknowledging a submission."""
        route = self.forms.get(event.form_id)
        return route.validate(event.values) if route else {}

    async def dispatch(self, ctx: FlowContext, event: InboundEvent) -> dict[str, str] | None:
        if isinstance(event, MessageReceived):
            event = command_of(event)
        match event:
            case Command():
                route = self.commands.get(event.name.lower()) or self.fallback_command
                if route and await self.allows(ctx, route, event):
                    await route.handle(ctx, event)
            case ButtonClicked():
                action = self.actions.get(event.action_id.split(":", 1)[0])
                if action is None:
                    await ctx.reply_text(
                        "That button has expired. Type `status` to see where things stand."
                    )
                elif await self.allows(ctx, action, event):
                    await action.handle(ctx, event)
            case FormSubmitted():
                form = self.forms.get(event.form_id)
                if form is None:
                    await ctx.reply_text("That form has expired. Please start again.")
                    return None
                if not await self.allows(ctx, form, event):
                    return None
                errors = form.validate(event.values)
                if errors:
                    return errors
                return await form.handle(ctx, event)
            case MemberJoined():
                if self.on_join and await self.allows(ctx, self.on_join, event):
                    await self.on_join.handle(ctx, event)
        return None

    async def draw_home(self, ctx: FlowContext) -> Message | None:
        """The person's home screen, or None if no flow draws it (or it isn't theirs to see)."""
        if self.home is None:
            return None
        if not await self.allows(ctx, self.home, Command(user=ctx.user, name="home"), quiet=True):
            return None
        return await self.home.handle(ctx)

    async def allows(
        self,
        ctx: FlowContext,
        route: Route[Any] | FormRoute,
        event: InboundEvent,
        *,
        quiet: bool = False,
    ) -> bool:
        """The route's policy, from the database as it is now. A refusal changes nothing and
        tells the person only that it isn't available (or no longer is): never whose it is,
        or if it exists."""
        async with ctx.uow() as uow:
            reason = await refusal(route.policy, uow, ctx.user.user_id, event)
        if reason is None:
            return True
        log.warning("refused", extra={"route": route.name, "reason": reason})
        if not quiet:
            reply = refusal_reply(event)
            await ctx.reply(Message(summary=reply, blocks=(Text(reply),)), kind="refused")
        return False


def command_of(event: MessageReceived) -> Command:
    """Typed words as a command: `signup`, `/mentoring signup` and `mentoring signup` alike."""
    words = event.text.strip().lstrip("/").split(maxsplit=1)
    if words and words[0].lower() == "mentoring":
        words = words[1].split(maxsplit=1) if len(words) > 1 else []
    name = words[0].lower() if words else "help"
    return Command(
        user=event.user,
        name=name,
        args=words[1] if len(words) > 1 else "",
        conversation=event.conversation,
        event_id=event.event_id,
        interaction=event.interaction,
    )
