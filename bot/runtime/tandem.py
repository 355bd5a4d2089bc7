"""Where every inbound event enters: tenant resolution, de-duplication, error isolation."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.answers import screen_answers
from bot.core.clock import Clock
from bot.core.events import Command, FormSubmitted, InboundEvent
from bot.core.outbound import FormField, Message
from bot.core.refs import UserRef
from bot.delivery.sender import Sender
from bot.runtime.context import FlowContext
from bot.runtime.router import Router
from storage.uow import Database

log = logging.getLogger(__name__)

# Errors under this key belong to the whole form rather than one field.
FORM_ERROR = ""
SORRY = (
    "Sorry, something went wrong on my side and I couldn't finish that. "
    "Nothing you had saved was lost. Please try again in a minute."
)


@dataclass(frozen=True, slots=True)
class Checked:
    """A submission reduced to the offered fields' answers, and its field errors (if any)."""

    event: FormSubmitted
    errors: dict[str, str]


class Tandem:
    def __init__(self, db: Database, clock: Clock, router: Router, sender: Sender) -> None:
        self.db = db
        self.clock = clock
        self.router = router
        self.sender = sender
        # Events handled since start-up by (event type, outcome), for /metrics.
        self.outcomes: Counter[tuple[str, str]] = Counter()

    def validate(self, event: FormSubmitted, offered: Sequence[FormField]) -> Checked:
        """Fast, pure checks an adapter runs before acknowledging a submission. Never raises.

        `offered` are the fields of the form the person was actually shown: anything else is
        dropped, and a wrong shape, an option not offered or an unstorable character is refused
        on its field before the flow's own checks can misread it.
        """
        screened = screen_answers(offered, event.values)
        submitted = replace(event, values=screened.answers)
        try:
            errors = self.router.validate(submitted)
        except Exception:
            log.exception("form check failed", extra={"form": event.form_id})
            errors = {} if screened.errors else {FORM_ERROR: SORRY}
        # Where a flow has its own words for a problem on the same field, they are shown.
        return Checked(submitted, {**screened.errors, **errors})

    async def context_for(self, event: InboundEvent) -> FlowContext:
        workspace = event.user.workspace
        return FlowContext(
            db=self.db,
            clock=self.clock,
            sender=self.sender,
            workspace=workspace,
            workspace_id=await self.db.workspace_id(workspace),
            user=event.user,
            interaction=getattr(event, "interaction", None),
        )

    async def handle(self, event: InboundEvent) -> dict[str, str] | None:
        """Run the flow for one event. Returns field errors for a rejected form submission.

        Never raises: one bad event must not take the process down.
        """
        kind = type(event).__name__
        try:
            ctx = await self.context_for(event)
            if event.event_id and not await self._first_time(ctx, event.event_id):
                log.info("duplicate event ignored", extra={"event": kind})
                self.outcomes[kind, "duplicate"] += 1
                return None
            errors = await self.router.dispatch(ctx, event)
            self.outcomes[kind, "rejected" if errors else "handled"] += 1
            return errors
        except Exception:
            log.exception("flow failed", extra={"event": kind})
            self.outcomes[kind, "failed"] += 1
            if isinstance(event, FormSubmitted):
                # The adapter keeps the form and the person's answers on screen to try again.
                return {FORM_ERROR: SORRY}
            try:
                ctx = await self.context_for(event)
                await ctx.reply_text(SORRY)
            except Exception:
                log.exception("could not tell the person about the failure")
            return None

    async def home(self, user: UserRef) -> Message | None:
        """The person's home screen, for platforms that have one; None if no flow draws it."""
        if self.router.home is None:
            return None
        ctx = await self.context_for(Command(user=user, name="home"))
        return await self.router.draw_home(ctx)

    async def _first_time(self, ctx: FlowContext, event_id: str) -> bool:
        async with ctx.uow() as uow:
            first = await uow.events.claim(event_id, self.clock.now())
            await uow.commit()
        return first
