"""`tandem report PROGRAMME`: the programme's aggregate figures, on screen and as CSV."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bot.app.cli.programme import CliError, workspace_arg
from bot.core.clock import SystemClock
from bot.core.config import Config
from bot.core.refs import WorkspaceRef
from flows.reports.figures import as_csv, as_text, report_rows
from flows.reports.queries import ReportError, programme_report
from storage.db import upgrade
from storage.uow import Database


@dataclass(frozen=True, slots=True)
class ReportOutput:
    text: str
    csv_path: Path
    rows: int


def add_report_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = sub.add_parser(
        "report", help="participation, sessions, poll averages and survey changes, as CSV too"
    )
    report.add_argument("programme", help="the programme's short name (slug), e.g. pilot")
    report.add_argument(
        "--workspace",
        type=workspace_arg,
        default=workspace_arg("playground"),
        help="slack:<team id>, teams:<tenant id> or playground (default)",
    )
    report.add_argument(
        "--csv", type=Path, help="where to write the CSV (default report-<slug>.csv)"
    )


async def write_report(
    db: Database, workspace: WorkspaceRef, slug: str, csv_path: Path | None = None
) -> ReportOutput:
    """Compute the report, write its CSV and return the text to print. The CLI and bench call this."""
    workspace_id = await db.workspace_id(workspace)
    try:
        report = await programme_report(db, workspace_id, slug)
    except ReportError as exc:
        raise CliError(str(exc)) from None
    rows = report_rows(report)
    path = csv_path or Path(f"report-{report.slug}.csv")
    path.write_text(as_csv(rows), encoding="utf-8")
    return ReportOutput(as_text(report, rows), path, len(rows))


async def run(args: argparse.Namespace, config: Config) -> int:
    await upgrade(config.database_url)
    db = Database(config.database_url, SystemClock())
    try:
        output = await write_report(db, args.workspace, args.programme, args.csv)
    finally:
        await db.dispose()
    print(output.text)
    print(f"\nCSV written to {output.csv_path}")
    return 0
