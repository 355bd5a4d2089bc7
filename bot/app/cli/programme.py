"""Admin commands: create and list programmes (more arrive with matching and reports)."""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta

from bot.app.cli.common import CliError, workspace_arg
from bot.core.clock import SystemClock
from bot.core.config import Config
from storage.db import upgrade
from storage.uow import Database


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
    create.add_argument("--name", required=True)
    create.add_argument(
        "--slug", help="short name people type, e.g. pilot (default: from the name)"
    )
    create.add_argument("--kind", choices=["reverse", "traditional"], default="reverse")
    create.add_argument("--wave", default="pilot", help="cohort wave, e.g. pilot, wave-2")
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
    slug = args.slug or re.sub(r"[^a-z0-9]+", "-", args.name.lower()).strip("-")[:60]
    ends = _add_months(starts, args.months)
    workspace_id = await db.workspace_id(args.workspace)
    async with db.unit_of_work(workspace_id) as uow:
        if await uow.programmes.by_slug(slug):
            raise CliError(f"a programme called '{slug}' already exists in this workspace")
        programme = await uow.programmes.create(
            slug=slug,
            name=args.name,
            kind=args.kind,
            wave=args.wave,
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
        f"Created '{args.name}' ({slug}): {args.kind} mentoring, {starts} to {ends}, "
        f"{args.sessions} x {args.session_minutes} min {args.cadence}. "
        f"Sign-up is open for {args.signup_days} days."
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


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
