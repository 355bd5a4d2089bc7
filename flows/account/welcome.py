"""The first message a person gets when Tandem is installed for them."""

from __future__ import annotations

from bot.core.events import MemberJoined
from bot.core.outbound import Button, Buttons, ButtonStyle, Context, Message, Text
from bot.runtime.context import FlowContext
from flows.common.actions import SIGNUP_ACTION

WELCOME = Message(
    summary="Hi, I'm Tandem: I help run mentoring programmes here",
    blocks=(
        Text(
            "Hi, I'm *Tandem*. I pair colleagues for mentoring, including *reverse mentoring*, "
            "where a colleague with a perspective leadership lacks mentors a senior leader."
        ),
        Text(
            "Once a month you'll meet your match for an hour. I'll help you book it, prepare, "
            "and reflect. What you write in a reflection is yours alone."
        ),
        Buttons((Button("Sign up", SIGNUP_ACTION, "", ButtonStyle.PRIMARY),)),
        Context("Type `help` any time to see everything I can do."),
    ),
)


async def welcome(ctx: FlowContext, event: MemberJoined) -> None:
    await ctx.reply(WELCOME, kind="welcome", key=f"welcome:{event.user.user_id}")
