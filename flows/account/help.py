"""What Tandem can do: the `help` reply, also the answer to a command it doesn't know."""

from __future__ import annotations

from bot.core.events import Command
from bot.core.outbound import Context, Message, Text
from bot.runtime.context import FlowContext

HELP = Message(
    summary="Here's what I can do",
    blocks=(
        Text("*Tandem* pairs colleagues for mentoring, including reverse mentoring. You can:"),
        Text(
            "• `signup`: join a programme, or edit your answers\n"
            "• `status`: your programme, your match and your next session\n"
            "• `pause` / `resume`: take a break without losing your place\n"
            "• `leave`: withdraw from a programme\n"
            "• `reflections`: read your own private reflections\n"
            "• `support`: ask the programme team for support, privately\n"
            "• `forget-me`: erase everything Tandem holds about you\n"
            "• `help`: this list"
        ),
        Context(
            "Programme admins and champions can also use `announce` and `match`. "
            "In Slack, type these after `/mentoring`; in Teams or a DM, just type them."
        ),
    ),
)


async def show_help(ctx: FlowContext, command: Command) -> None:
    await ctx.reply(HELP, kind="help")


async def unknown(ctx: FlowContext, command: Command) -> None:
    await ctx.reply(
        Message(
            summary=f"I don't know '{command.name}'",
            blocks=(Text(f"Sorry, I don't know `{command.name[:40]}`."), *HELP.blocks[1:]),
        ),
        kind="help",
    )
