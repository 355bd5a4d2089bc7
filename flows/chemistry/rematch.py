"""When a partner withdraws mid-programme: "Find me a new partner".

The person's enrolment stays active and unpaired, which is what puts them in the pool for
the next matching run; this also tells the programme admins (names only, no reasons) so
they can run it soon.
"""

from __future__ import annotations

from bot.core.events import ButtonClicked
from bot.core.outbound import Context, Message, Text
from bot.runtime.context import FlowContext
from flows.common.pair_view import admin_user_ids
from flows.common.people import name_of


async def clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    waiting: list[tuple[str, list[str], int]] = []
    async with ctx.uow() as uow:
        me = await uow.people.by_user_id(ctx.user.user_id)
        for enrolment, programme in await uow.enrolments.of_person(me.id) if me else []:
            if enrolment.status != "active" or await uow.pairs.live_for_enrolment(enrolment.id):
                continue
            waiting.append((programme.name, await admin_user_ids(uow, programme.id), programme.id))
    if not waiting:
        await ctx.reply_text(
            "You already have an active match, or no active sign-up. Type `status` to check."
        )
        return
    for programme_name, admins, programme_id in waiting:
        for admin in admins:
            await ctx.dm(
                admin,
                Message(
                    summary=f"{name_of(me)} would like a new partner in {programme_name}",
                    blocks=(
                        Text(
                            f"*{name_of(me)}*'s partner in *{programme_name}* has withdrawn, "
                            "and they'd like a new match. They're back in the pool: the next "
                            "`match` run will propose someone."
                        ),
                        Context("Sent to programme admins only."),
                    ),
                ),
                kind="rematch_request",
                key=f"rematch_request:{programme_id}:{me.id}:{admin}",
            )
    await ctx.reply_text(
        "You're back in the pool, and the programme team knows you'd like a new partner. "
        "I'll introduce you as soon as there's a good match."
    )
