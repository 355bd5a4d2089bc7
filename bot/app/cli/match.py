"""Admin commands for matching: `tandem match preview|publish PROGRAMME` and
`tandem participants import FILE.csv --programme SLUG`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.app.bootstrap import build
from bot.app.cli.common import CliError, workspace_arg
from bot.core.clock import SystemClock
from bot.core.config import Config
from bot.core.refs import WorkspaceRef
from flows.common.wording import agree, plural
from flows.matching.introductions import publish
from flows.matching.preview import load_proposal, preview_table
from flows.matching.run import run_matching
from flows.signup.csv_file import ImportFileError
from flows.signup.csv_import import import_participants
from flows.signup.csv_rows import ImportReport
from storage.db import upgrade
from storage.uow import Database

ERRORS_SHOWN = 100
BAR_WIDTH = 30


def add_match_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    match = sub.add_parser("match", help="propose pairs, review them and publish introductions")
    actions = match.add_subparsers(dest="action", required=True)
    preview = actions.add_parser("preview", help="run matching and print the proposed pairs")
    preview.add_argument("programme", help="the programme's slug, e.g. pilot")
    preview.add_argument(
        "--current",
        action="store_true",
        help="print the stored proposal (with admins' swaps and locks) without re-running",
    )
    publish_ = actions.add_parser("publish", help="introduce every proposed pair by DM")
    publish_.add_argument("programme")
    for parser in (preview, publish_):
        parser.add_argument(
            "--workspace",
            type=workspace_arg,
            default=workspace_arg("playground"),
            help="slack:<team id>, teams:<tenant id> or playground (default)",
        )

    participants = sub.add_parser("participants", help="bulk-enrol participants")
    p_actions = participants.add_subparsers(dest="action", required=True)
    importer = p_actions.add_parser("import", help="enrol people from a CSV file (see docs)")
    importer.add_argument("file", type=Path)
    importer.add_argument("--programme", required=True, help="the programme's slug")
    importer.add_argument("--workspace", type=workspace_arg, default=workspace_arg("playground"))


async def run(args: argparse.Namespace, config: Config) -> int:
    if args.command == "match" and args.action == "publish":
        return await publish_command(args, config)
    await upgrade(config.database_url)
    db = Database(config.database_url, SystemClock())
    try:
        if args.command == "match":
            return await preview_command(db, args)
        return await import_command(db, args)
    finally:
        await db.dispose()


async def _programme_id(db: Database, workspace: WorkspaceRef, slug: str) -> tuple[int, int]:
    workspace_id = await db.workspace_id(workspace)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.by_slug(slug)
    if programme is None:
        raise CliError(f"there's no programme called '{slug}' in {workspace.platform.value}")
    return workspace_id, programme.id


async def preview_command(db: Database, args: argparse.Namespace) -> int:
    workspace_id, programme_id = await _programme_id(db, args.workspace, args.programme)
    async with db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.get(programme_id)
        assert programme is not None
        if not args.current:
            await run_matching(uow, programme, db.clock.now())
            await uow.commit()
        view = await load_proposal(uow, programme)
    print(preview_table(view))
    if view.pairs:
        print(f"\nPublish with: tandem match publish {view.slug}")
    return 0


async def publish_command(args: argparse.Namespace, config: Config) -> int:

    services = await build(replace(config, run_scheduler=False), demo=False)
    try:
        if args.workspace.platform not in services.messengers:
            raise CliError(
                f"Tandem isn't configured for {args.workspace.platform.value} here: "
                "set the platform's credentials in the environment first"
            )
        workspace_id, programme_id = await _programme_id(
            services.db, args.workspace, args.programme
        )
        report = await publish(
            services.db,
            services.sender,
            args.workspace,
            workspace_id,
            programme_id,
            services.clock.now(),
        )
    finally:
        await services.close()
    if not report.introduced and not report.skipped:
        print("Nothing to publish: run `tandem match preview` first, or it is already published.")
        return 0
    print(f"Published: {plural(report.introduced, 'pair')} introduced by DM.")
    for line in report.skipped:
        print(f"Not introduced: {line}")
    return 0


def progress_bar(stream: TextIO | None = None) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        out = stream or sys.stderr
        total = max(total, done, 1)
        filled = BAR_WIDTH * done // total
        out.write(
            f"\rImporting [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} rows"
        )
        if done >= total:
            out.write("\n")
        out.flush()

    return show


async def import_command(db: Database, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CliError(f"can't find the file {args.file}")
    workspace_id = await db.workspace_id(args.workspace)
    try:
        report = await import_participants(
            db, workspace_id, args.programme, args.file, progress=progress_bar()
        )
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    print_import_report(report)
    return 1 if report.errors else 0


def print_import_report(report: ImportReport) -> None:
    print(
        f"{plural(report.rows, 'row')} read: {report.created:,} enrolled, "
        f"{report.updated:,} updated, "
        f"{report.skipped_rows:,} skipped."
    )
    if report.ignored_columns:
        unknown = agree(len(report.ignored_columns), "column")
        print(f"Ignored unknown {unknown}: {', '.join(report.ignored_columns)}")
    if report.errors:
        print("\nRows skipped (fix them and import the file again; good rows won't duplicate):")
        for error in report.errors[:ERRORS_SHOWN]:
            print(f"  row {error.row}, column {error.column}: {error.problem}")
        if len(report.errors) > ERRORS_SHOWN:
            print(f"  ...and {plural(len(report.errors) - ERRORS_SHOWN, 'more problem')}")
    if report.warnings:
        print("\nImported without a line manager (fix the manager and import the file again):")
        for warning in report.warnings[:ERRORS_SHOWN]:
            print(f"  row {warning.row}, column {warning.column}: {warning.problem}")
        if len(report.warnings) > ERRORS_SHOWN:
            print(f"  ...and {len(report.warnings) - ERRORS_SHOWN:,} more")
