"""Admin review of a matching run: `/mentoring match [programme]` proposes pairs, and the
preview's buttons swap, remove, lock or re-run them before publishing introductions.

Only admins of the programme get here: the router checks each route's policy first
(flows/routes.py), from the programme's roles as they are when the button is clicked.
"""

from __future__ import annotations

from bot.core.events import ButtonClicked, Command, FormSubmitted
from bot.core.outbound import Choice, FieldKind, Form, FormField
from bot.runtime.context import FlowContext
from flows.common.form_values import FormValues, one
from flows.common.wording import plural
from flows.matching.introductions import publish
from flows.matching.preview import load_proposal, preview_message
from flows.matching.reasons import explain_pair
from flows.matching.run import Pool, load_pool, run_matching
from flows.matching.scores import shared_working_minutes
from storage.models import Pair, Programme
from storage.uow import UnitOfWork

SWAP_FORM = "match_swap"
SWAP_OPTIONS_LIMIT = 100
EXPIRED = "That proposal has changed. Run `match` to see it."


async def _admin_programmes(ctx: FlowContext, uow: UnitOfWork) -> list[Programme]:
    person = await uow.people.by_user_id(ctx.user.user_id)
    return await uow.programmes.programmes_where(person.id, {"admin"}) if person else []


async def match(ctx: FlowContext, command: Command) -> None:
    wanted = command.args.strip().lower()
    async with ctx.uow() as uow:
        mine = await _admin_programmes(ctx, uow)
        # The policy let in an admin of `wanted`, or of at least one programme if none named.
        programme = next((p for p in mine if p.slug == wanted), None)
        if programme is None:
            if wanted or len(mine) != 1:
                slugs = ", ".join(f"`{p.slug}`" for p in mine)
                await ctx.reply_text(f"Which programme? Type `match <name>`, one of: {slugs}.")
                return
            programme = mine[0]
    await _run_and_preview(ctx, programme.id)


async def _run_and_preview(
    ctx: FlowContext, programme_id: int, click: ButtonClicked | None = None
) -> None:
    async with ctx.uow() as uow:
        programme = await uow.programmes.get(programme_id)
        assert programme is not None
        await run_matching(uow, programme, ctx.clock.now())
        await uow.commit()
    await _show(ctx, programme_id, click)


async def _show(ctx: FlowContext, programme_id: int, click: ButtonClicked | None = None) -> None:
    async with ctx.uow() as uow:
        programme = await uow.programmes.get(programme_id)
        assert programme is not None
        view = await load_proposal(uow, programme)
    message = preview_message(view)
    if click is not None and click.message is not None:
        await ctx.update(click.message, message)
    else:
        await ctx.reply(message, kind="match_preview")


async def _proposed_pair(ctx: FlowContext, uow: UnitOfWork, value: str) -> Pair | None:
    """The proposed pair a button names, while it is still only a proposal."""
    pair = await uow.pairs.get(int(value)) if value.isdigit() else None
    if pair is None or pair.status != "proposed":
        await ctx.reply_text("That pair isn't in the proposal any more. Run `match` to see it.")
        return None
    return pair


async def _set_lock(ctx: FlowContext, click: ButtonClicked, locked: bool) -> None:
    async with ctx.uow() as uow:
        pair = await _proposed_pair(ctx, uow, click.value)
        if pair is None:
            return
        pair.locked = locked
        programme_id = pair.programme_id
        await uow.commit()
    await _show(ctx, programme_id, click)


async def lock(ctx: FlowContext, click: ButtonClicked) -> None:
    await _set_lock(ctx, click, True)


async def unlock(ctx: FlowContext, click: ButtonClicked) -> None:
    await _set_lock(ctx, click, False)


async def remove(ctx: FlowContext, click: ButtonClicked) -> None:
    async with ctx.uow() as uow:
        pair = await _proposed_pair(ctx, uow, click.value)
        if pair is None:
            return
        programme_id = pair.programme_id
        await uow.matching.exclude(
            programme_id, pair.mentor_enrolment_id, pair.mentee_enrolment_id, ctx.clock.now()
        )
        await uow.session.delete(pair)
        await uow.commit()
    await _show(ctx, programme_id, click)


async def _programme(ctx: FlowContext, uow: UnitOfWork, value: str) -> Programme | None:
    programme = await uow.programmes.get(int(value)) if value.isdigit() else None
    if programme is None:
        await ctx.reply_text(EXPIRED)
    return programme


async def rerun(ctx: FlowContext, click: ButtonClicked) -> None:
    async with ctx.uow() as uow:
        programme = await _programme(ctx, uow, click.value)
    if programme is not None:
        await _run_and_preview(ctx, programme.id, click)


async def publish_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    async with ctx.uow() as uow:
        programme = await _programme(ctx, uow, click.value)
    if programme is None:
        return
    report = await publish(
        ctx.db, ctx.sender, ctx.workspace, ctx.workspace_id, programme.id, ctx.clock.now()
    )
    if not report.introduced and not report.skipped:
        await ctx.reply_text(
            f"There's nothing left to publish for {programme.name}: every proposed pair has "
            "already been introduced. Run `match` to propose pairs for anyone still waiting."
        )
        return
    lines = [
        f"Published {programme.name}: {plural(report.introduced, 'pair')} introduced by DM."
    ]
    if report.skipped:
        lines.append("Not introduced (their pair was dropped):")
        lines.extend(f"• {s}" for s in report.skipped)
    await ctx.reply_text("\n".join(lines))


# --- swap ---


async def swap_clicked(ctx: FlowContext, click: ButtonClicked) -> None:
    async with ctx.uow() as uow:
        programme = await _programme(ctx, uow, click.value)
        if programme is None:
            return
        view = await load_proposal(uow, programme)
    options = tuple(
        Choice(f"{n}. {p.mentor} & {p.mentee}"[:75], str(p.pair_id))
        for n, p in enumerate(view.pairs[:SWAP_OPTIONS_LIMIT], start=1)
    )
    await ctx.open_form(
        Form(
            form_id=SWAP_FORM,
            title="Swap two pairs",
            intro="The two mentees swap mentors. Both new pairs are locked, so a re-run keeps them.",
            fields=(
                FormField("first", "First pair", FieldKind.SELECT, options=options),
                FormField("second", "Second pair", FieldKind.SELECT, options=options),
            ),
            submit_label="Swap",
            context=str(programme.id),
        )
    )


def validate_swap(values: FormValues) -> dict[str, str]:
    first, second = one(values, "first"), one(values, "second")
    if not first.isdigit():
        return {"first": "Choose a pair."}
    if not second.isdigit():
        return {"second": "Choose a pair."}
    if first == second:
        return {"second": "Choose two different pairs."}
    return {}


def _forbidden(pool: Pool, mentor_id: int, mentee_id: int) -> str | None:
    if (mentor_id, mentee_id) in pool.constraints.admin_excluded:
        return "an admin excluded this pair"
    if (mentor_id, mentee_id) in pool.constraints.excluded_pairs:
        return "they were paired before"
    mentor = next((c for c in pool.mentors if c.enrolment_id == mentor_id), None)
    mentee = next((c for c in pool.mentees if c.enrolment_id == mentee_id), None)
    if mentor is None or mentee is None:
        return "one of them is no longer waiting for a match"
    minimum = pool.constraints.min_shared_minutes
    if shared_working_minutes(mentor, mentee) < minimum:
        return f"they share too few working hours for a {minimum}-minute session"
    managers = dict(pool.constraints.manager_of)
    for start, other in (
        (mentor.person_key, mentee.person_key),
        (mentee.person_key, mentor.person_key),
    ):
        boss, seen = managers.get(start, ""), {start}
        while boss and boss not in seen:
            if boss == other:
                return "one of them is in the other's reporting line"
            seen.add(boss)
            boss = managers.get(boss, "")
    return None


async def swap_submitted(ctx: FlowContext, form: FormSubmitted) -> dict[str, str] | None:
    first_id, second_id = int(one(form.values, "first")), int(one(form.values, "second"))
    async with ctx.uow() as uow:
        programme = await _programme(ctx, uow, form.context)
        if programme is None:
            return None
        first, second = await uow.pairs.get(first_id), await uow.pairs.get(second_id)
        for name, pair in (("first", first), ("second", second)):
            if pair is None or pair.status != "proposed" or pair.programme_id != programme.id:
                return {name: "That pair isn't in the proposal any more."}
        assert first is not None and second is not None
        pool = await load_pool(uow, programme)
        for mentor_id, mentee_id in (
            (first.mentor_enrolment_id, second.mentee_enrolment_id),
            (second.mentor_enrolment_id, first.mentee_enrolment_id),
        ):
            if reason := _forbidden(pool, mentor_id, mentee_id):
                return {"second": f"Those two can't be swapped: {reason}."}
        first.mentee_enrolment_id, second.mentee_enrolment_id = (
            second.mentee_enrolment_id,
            first.mentee_enrolment_id,
        )
        by_id = {c.enrolment_id: c for c in (*pool.mentors, *pool.mentees)}
        for pair in (first, second):
            score, reasons = explain_pair(
                by_id[pair.mentor_enrolment_id],
                by_id[pair.mentee_enrolment_id],
                kind=pool.kind,  # type: ignore[arg-type]
                weights=pool.weights,
            )
            pair.score, pair.reasons, pair.locked = (
                round(score, 4),
                ["Swapped by an admin", *reasons],
                True,
            )
        await uow.commit()
    await _show(ctx, programme.id)
    return None
