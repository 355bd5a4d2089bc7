"""Admin commands: create and list programmes (more arrive with matching and reports)."""

from __future__ import annotations

import argparse
import re
import unicodedata
from datetime import date, timedelta

from bot.app.cli.common import CliError, workspace_arg
from bot.core.clock import SystemClock
from bot.core.config import Config
from flows.common.wording import plural
from storage.db import upgrade
from storage.uow import Database

# The name is read in sign-up menus, where Slack cuts an option at 75 characters: the name,
# plus " (wave)" when there is one, must fit.
NAME_MIN, NAME_MAX = 3, 60
WAVE_MAX = 12
SLUG_MAX = 40
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def add_programme_commands(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """Returns the `programme` sub-commands, for other modules to add theirs."""
    programme = sub.add_parser("programme", help="create and list programmes")
    actions = programme.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create", help="create a programme and name its admins and champions"
    )
    create.add_argument(
        "--workspace",
        type=workspace_arg,
        default=workspace_arg("playground"),
        help="slack:<team id>, teams:<tenant id> or playground (default)",
    )
    create.add_argument(
        "--name", required=True, help=f"what people read, {NAME_MIN}-{NAME_MAX} characters"
    )
    create.add_argument(
        "--slug",
        help=f"short name people type, e.g. pilot (default: from the name; up to {SLUG_MAX} "
        "lower-case letters, digits and hyphens)",
    )
    create.add_argument("--kind", choices=["reverse", "traditional"], default="reverse")
    create.add_argument(
        "--wave", default="", help="cohort wave, e.g. pilot, wave-2 (default: none)"
    )
    create.add_argument(
        "--starts", type=date.fromisoformat, help="YYYY-MM-DD (default: in two weeks)"
    )
    create.add_argument("--months", type=int, default=6)
    create.add_argument("--sessions", type=int, default=6)
    create.add_argument("--session-minutes", type=int, default=60)
    create.add_argument("--buffer-minutes", type=int, default=30)
    create.add_argument(
        "--cadence", choices=["weekly", "fortnightly", "monthly"], default="monthly"
    )
    create.add_argument(
        "--matching",
        choices=["optimal", "random"],
        default="optimal",
        help="optimal: best total compatibility (default); random: random pairs, same rules",
    )
    create.add_argument("--signup-days", type=int, default=14, help="days sign-up stays open")
    create.add_argument(
        "--admin", action="append", default=[], help="platform user id (repeatable)"
    )
    create.add_argument(
        "--champion", action="append", default=[], help="platform user id (repeatable)"
    )
    listing = actions.add_parser("list", help="list programmes")
    listing.add_argument("--workspace", type=workspace_arg, default=workspace_arg("playground"))
    return actions


async def run(args: argparse.Namespace, config: Config) -> int:
    await upgrade(config.database_url)
    db = Database(config.database_url, SystemClock())
    try:
        if args.command == "programme" and args.action == "create":
            return await create_programme(db, args)
        if args.command == "programme" and args.action == "list":
            return await list_programmes(db, args)
        raise CliError(f"unknown command {args.command}")
    finally:
        await db.dispose()


async def create_programme(db: Database, args: argparse.Namespace) -> int:
    now = db.clock.now()
    starts = args.starts or (now + timedelta(days=14)).date()
    if args.months < 1 or args.sessions < 1 or args.session_minutes < 15:
        raise CliError("a programme needs at least 1 month, 1 session and 15-minute sessions")
    name, slug, wave = checked_names(args.name, args.slug, args.wave)
    ends = _add_months(starts, args.months)
    workspace_id = await db.workspace_id(args.workspace)
    async with db.unit_of_work(workspace_id) as uow:
        if existing := await uow.programmes.by_slug(slug):
            raise CliError(
                f"a programme with the short name '{slug}' already exists in this workspace "
                f"('{existing.name}'): choose another with --slug"
            )
        programme = await uow.programmes.create(
            slug=slug,
            name=name,
            kind=args.kind,
            wave=wave,
            starts_on=starts,
            ends_on=ends,
            cadence=args.cadence,
            session_count=args.sessions,
            session_minutes=args.session_minutes,
            buffer_minutes=args.buffer_minutes,
            matching_mode=args.matching,
            signup_opens_at=now,
            signup_closes_at=now + timedelta(days=args.signup_days),
            now=now,
        )
        for role, user_ids in (("admin", args.admin), ("champion", args.champion)):
            for user_id in user_ids:
                person = await uow.people.ensure(user_id, now)
                await uow.programmes.add_role(programme.id, person.id, role)
        await uow.commit()
    print(
        f"Created '{name}' ({slug}): {args.kind} mentoring, {starts} to {ends}, "
        f"{args.sessions} x {args.session_minutes} min {args.cadence}. "
        f"Sign-up is open for {plural(args.signup_days, 'day')}."
    )
    return 0


async def list_programmes(db: Database, args: argparse.Namespace) -> int:
    workspace_id = await db.workspace_id(args.workspace)
    async with db.unit_of_work(workspace_id) as uow:
        programmes = await uow.programmes.all()
        if not programmes:
            print("No programmes yet. Create one with: tandem programme create --name ...")
        for p in programmes:
            count = len(await uow.enrolments.in_programme(p.id))
            print(f"{p.slug:<20} {p.name:<40} {p.kind:<12} {p.status:<8} {count} active")
    return 0


def checked_names(name: str, slug: str | None, wave: str) -> tuple[str, str, str]:
    """The name, short name (slug) and wave to store, or a CliError saying what to change."""
    name, wave = " ".join(name.split()), wave.strip()
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise CliError(
            f"give the programme a name of {NAME_MIN} to {NAME_MAX} characters "
            f"(it's {len(name)}), e.g. --name \"Reverse mentoring 2027\""
        )
    if len(wave) > WAVE_MAX:
        raise CliError(f"keep the wave to {WAVE_MAX} characters, e.g. --wave wave-2")
    if slug is None:
        slug = slug_of(name)
        if not slug:
            raise CliError(
                f"I can't make a short name from '{name}': give one with --slug, "
                "e.g. --slug wave-2"
            )
    elif len(slug) > SLUG_MAX or not SLUG_PATTERN.match(slug):
        raise CliError(
            f"the short name '{slug}' must be 1 to {SLUG_MAX} lower-case letters, digits and "
            "single hyphens, e.g. --slug wave-2"
        )
    return name, slug, wave


def slug_of(name: str) -> str:
    """A short name people can type: accents dropped, words joined by hyphens."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:SLUG_MAX].strip("-")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
