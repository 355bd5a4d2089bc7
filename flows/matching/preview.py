"""The stored proposal of a programme, shown to its admins: a chat message with buttons,
or a plain-text table for the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.outbound import Block, Button, Buttons, ButtonStyle, Context, Divider, Message, Text
from flows.common.wording import plural
from flows.matching.line_managers import unidentified_note
from storage.models import Programme
from storage.pair_status import LIVE_STATES
from storage.uow import UnitOfWork

CHAT_LIMIT = 20
UNMATCHED_LIMIT = 10
REMOVED = "removed from the proposal by an admin"
# The preview's buttons, handled in flows/matching/review.py (which imports this module).
LOCK_ACTION = "match_lock"
UNLOCK_ACTION = "match_unlock"
REMOVE_ACTION = "match_remove"
RERUN_ACTION = "match_rerun"
SWAP_ACTION = "match_swap"
PUBLISH_ACTION = "match_publish"


@dataclass(frozen=True)
class PairView:
    pair_id: int
    mentor: str
    mentee: str
    score: float
    reasons: tuple[str, ...]
    locked: bool


@dataclass(frozen=True)
class UnmatchedView:
    name: str
    role: str
    reason: str


@dataclass(frozen=True)
class ProposalView:
    programme_id: int
    programme_name: str
    slug: str
    pairs: list[PairView]
    unmatched: list[UnmatchedView]
    has_run: bool
    # People whose line manager is named in words that name no one: the rule can't see it.
    unidentified_managers: tuple[str, ...] = ()

    @property
    def total_score(self) -> float:
        return sum(p.score for p in self.pairs)


async def load_proposal(uow: UnitOfWork, programme: Programme) -> ProposalView:
    rows = await uow.matching.active_enrolments(programme.id)
    names = {r.id: r.display_name or r.platform_user_id for r in rows}
    roles = {r.id: r.role for r in rows}
    all_pairs = await uow.matching.pairs(programme.id)
    busy = {
        e
        for p in all_pairs
        if p.status in LIVE_STATES
        for e in (p.mentor_enrolment_id, p.mentee_enrolment_id)
    }
    proposed = await uow.pairs.in_programme(programme.id, ("proposed",))
    in_proposal = {e for p in proposed for e in (p.mentor_enrolment_id, p.mentee_enrolment_id)}
    run = await uow.matching.latest_run(programme.id)
    reasons = {int(u[0]): (u[1], u[2]) for u in (run.unmatched if run else [])}
    unmatched = []
    for enrolment_id, name in names.items():
        if enrolment_id in busy or enrolment_id in in_proposal:
            continue
        role, reason = reasons.get(enrolment_id, (roles[enrolment_id], REMOVED))
        if run is None:
            reason = "not matched yet"
        unmatched.append(UnmatchedView(name, role, reason))
    pairs = [
        PairView(
            p.id,
            names.get(p.mentor_enrolment_id, "someone who left"),
            names.get(p.mentee_enrolment_id, "someone who left"),
            p.score,
            tuple(p.reasons),
            p.locked,
        )
        for p in sorted(proposed, key=lambda p: (not p.locked, -p.score, p.id))
    ]
    return ProposalView(
        programme.id,
        programme.name,
        programme.slug,
        pairs,
        unmatched,
        run is not None,
        tuple(await uow.matching.unidentified_managers(programme.id)),
    )


def _pair_block(number: int, pair: PairView) -> tuple[Text, Buttons]:
    # One text block and one row of buttons per pair: 20 pairs stay inside Slack's 50 blocks.
    lock = (
        Button("Unlock", UNLOCK_ACTION, str(pair.pair_id))
        if pair.locked
        else Button("Lock", LOCK_ACTION, str(pair.pair_id))
    )
    title = f"*{number}. {pair.mentor} (mentor) & {pair.mentee} (mentee)*"
    if pair.locked:
        title += " [locked]"
    reasons = "\n".join(f"• {r}" for r in pair.reasons[:6])
    return Text(f"{title}  score {pair.score:.2f}\n{reasons}"), Buttons(
        (lock, Button("Remove", REMOVE_ACTION, str(pair.pair_id), ButtonStyle.DANGER))
    )


def _actions(view: ProposalView) -> Buttons:
    actions = [Button("Re-run", RERUN_ACTION, str(view.programme_id))]
    if len(view.pairs) >= 2:
        actions.insert(0, Button("Swap two pairs", SWAP_ACTION, str(view.programme_id)))
    if view.pairs:
        actions.append(
            Button("Publish", PUBLISH_ACTION, str(view.programme_id), ButtonStyle.PRIMARY)
        )
    return Buttons(tuple(actions))


def preview_message(view: ProposalView, limit: int = CHAT_LIMIT) -> Message:
    """The summary and the main buttons come first, so nothing that matters is ever cut."""
    summary = (
        f"Proposed pairs for {view.programme_name}: {plural(len(view.pairs), 'pair')}, "
        f"{len(view.unmatched):,} unmatched"
    )
    blocks: list[Block] = [
        Text(
            f"*Proposed pairs for {view.programme_name}*: {plural(len(view.pairs), 'pair')} "
            f"(total score {view.total_score:.1f}), "
            f"{plural(len(view.unmatched), 'person')} unmatched. "
            "Nobody has been told anything yet."
        ),
        _actions(view),
        Context(
            "Publishing introduces each pair by DM. Locked pairs survive a re-run; removed "
            "pairs are never proposed again."
        ),
    ]
    if view.unidentified_managers:
        blocks.append(Text(unidentified_note(list(view.unidentified_managers))))
    if not view.pairs:
        blocks.append(Text(_why_no_pairs(view)))
    for number, pair in enumerate(view.pairs[:limit], start=1):
        blocks.extend(_pair_block(number, pair))
    if len(view.pairs) > limit:
        blocks.append(
            Context(
                f"Showing the best {limit} of {len(view.pairs):,} pairs. See them all with "
                f"`tandem match preview {view.slug} --current`."
            )
        )
    if view.unmatched:
        lines = [f"• {u.name} ({u.role}): {u.reason}" for u in view.unmatched[:UNMATCHED_LIMIT]]
        if len(view.unmatched) > UNMATCHED_LIMIT:
            lines.append(
                f"…and {len(view.unmatched) - UNMATCHED_LIMIT:,} more: "
                f"`tandem match preview {view.slug} --current`"
            )
        blocks.append(Divider())
        blocks.append(Text("*Not matched*\n" + "\n".join(lines)))
    return Message(summary=summary, blocks=tuple(blocks))


def _why_no_pairs(view: ProposalView) -> str:
    roles = {u.role for u in view.unmatched}
    if not view.unmatched:
        return "There's nobody waiting for a match in this programme."
    if "mentor" not in roles:
        return "There are no mentors waiting for a match, so nobody could be paired yet."
    if "mentee" not in roles:
        return "There are no mentees waiting for a match, so nobody could be paired yet."
    return (
        "The rules (reporting lines, earlier pairs, exclusions, enough shared working hours "
        "for a session) leave no possible pair."
    )


def preview_table(view: ProposalView) -> str:
    lines = [
        f"{view.programme_name} ({view.slug}): {plural(len(view.pairs), 'proposed pair')}, "
        f"total score {view.total_score:.2f}, {len(view.unmatched):,} unmatched",
        "",
        f"{'#':>4}  {'mentor':<28} {'mentee':<28} {'score':>6}  locked",
    ]
    if view.unidentified_managers:
        note = unidentified_note(list(view.unidentified_managers), len(view.unidentified_managers))
        lines[1:1] = [note.replace("`", ""), ""]
    for number, p in enumerate(view.pairs, start=1):
        lines.append(
            f"{number:>4}  {p.mentor[:28]:<28} {p.mentee[:28]:<28} {p.score:>6.2f}  "
            f"{'yes' if p.locked else ''}"
        )
        lines.extend(f"{'':>6}- {reason}" for reason in p.reasons)
    if not view.pairs:
        lines.append(f"{'':>6}{_why_no_pairs(view)}")
    lines += ["", f"Unmatched ({len(view.unmatched):,}):"]
    lines.extend(f"  {u.name} ({u.role}): {u.reason}" for u in view.unmatched)
    return "\n".join(lines)

