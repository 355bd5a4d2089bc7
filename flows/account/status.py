"""`status`: where a person stands in each programme they signed up to."""

from __future__ import annotations

from bot.core.events import Command
from bot.core.outbound import Message
from bot.runtime.context import FlowContext
from flows.account.enrolments import NOT_ENROLLED
from flows.account.home import programme_blocks


async def status(ctx: FlowContext, command: Command) -> None:
    blocks = await programme_blocks(ctx)
    if not blocks:
        await ctx.reply_text(NOT_ENROLLED)
        return
    await ctx.reply(Message(summary="Your mentoring status", blocks=blocks), kind="status")
