"""Signed links to a meeting's calendar invite, served at GET /ics/{token}.ics.

Chat platforms cannot attach files through the neutral message model, so confirmations
carry an "Add to calendar" link instead. The token names the meeting and is signed with
an installation secret (TANDEM_SECRET, or one generated once and kept in the settings
table), so nobody can guess another pair's invite. The signature also covers the moment the
meeting's row was created: a link opens the row it was made for and no other, even one that
was given the same id after that meeting was erased.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows.meetings.ics import build_invite
from storage.models import Meeting
from storage.settings import read_setting, write_setting
from storage.uow import Database

SECRET_KEY = "ics_secret"
PUBLIC_URL_KEY = "public_url"
DEFAULT_PUBLIC_URL = "http://localhost:3978"
TOKEN = re.compile(r"(?P<workspace>[0-9]{1,18})-(?P<meeting>[0-9]{1,18})-(?P<sig>[0-9a-f]{32})")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CalendarToken:
    """What a link claims. Nothing is trusted until `opens` checks it against the meeting."""

    workspace_id: int
    meeting_id: int
    signature: str


async def prepare(db: Database, *, secret: str | None, public_url: str | None) -> None:
    """At start-up: keep the configured secret and URL, or generate a secret once."""
    if secret:
        await write_setting(db, SECRET_KEY, secret)
    elif not await read_setting(db, SECRET_KEY):
        await write_setting(db, SECRET_KEY, secrets.token_hex(32))
    if public_url:
        await write_setting(db, PUBLIC_URL_KEY, public_url.rstrip("/"))


async def _secret(db: Database) -> bytes:
    value = await read_setting(db, SECRET_KEY)
    if not value:
        value = secrets.token_hex(32)
        await write_setting(db, SECRET_KEY, value)
    return value.encode()


def _signature(secret: bytes, meeting: Meeting) -> str:
    # Whole microseconds: the same on SQLite and PostgreSQL however the row was read back.
    created = (meeting.created_at - EPOCH) // timedelta(microseconds=1)
    message = f"meeting:{meeting.workspace_id}:{meeting.id}:{created}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


async def token_for(db: Database, meeting: Meeting) -> str:
    signature = _signature(await _secret(db), meeting)
    return f"{meeting.workspace_id}-{meeting.id}-{signature}"


async def link_for(db: Database, meeting: Meeting) -> str:
    base = await read_setting(db, PUBLIC_URL_KEY) or DEFAULT_PUBLIC_URL
    return f"{base}/ics/{await token_for(db, meeting)}.ics"


def read_token(token: str) -> CalendarToken | None:
    """What a well-formed token claims, else None. Whether it is genuine depends on the
    meeting it names as that meeting is now: see `opens`."""
    # ASCII digits of a size the database's ids can have, and a hex signature: "①".isdigit()
    # is true and compare_digest raises on non-ASCII, so anything looser can fail with a 500.
    found = TOKEN.fullmatch(token.removesuffix(".ics"))
    if found is None:
        return None
    return CalendarToken(int(found["workspace"]), int(found["meeting"]), found["sig"])


async def opens(db: Database, token: CalendarToken, meeting: Meeting) -> bool:
    """Whether the token was signed for this very meeting row."""
    if (meeting.workspace_id, meeting.id) != (token.workspace_id, token.meeting_id):
        return False
    expected = _signature(await _secret(db), meeting)
    return hmac.compare_digest(expected.encode(), token.signature.encode())


def invite_for(meeting: Meeting, workspace_id: int, names: tuple[str, str], now: datetime) -> bytes:
    kind = "chemistry meeting" if meeting.kind == "chemistry" else "session"
    summary = f"Mentoring {kind}: {names[0]} & {names[1]}"
    # Seconds since creation only grow, so every move or cancellation outranks the last.
    sequence = max(int((meeting.updated_at - meeting.created_at).total_seconds()), 0)
    return build_invite(
        uid=f"tandem-{workspace_id}-{meeting.id}@tandem",
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=summary,
        description="Booked with Tandem. What you say to each other stays between you.",
        organizer_email=None,
        attendees=[],
        sequence=sequence,
        method="CANCEL" if meeting.status == "cancelled" else "REQUEST",
        stamp=now,
    )
