"""The programme's last day reads the same in chat and on the CLI, and no meeting is booked
on a day after it, in either person's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app.cli.main import main
from flows.booking.spec import Booking
from flows.booking.times import validate_proposed_time
from storage.models import Pair, Person, Programme

HOUR = timedelta(hours=1)
EVERY_DAY = [str(d) for d in range(7)]


def person(zone: str) -> Person:
    return Person(
        platform_user_id=zone,
        time_zone=zone,
        work_start_minute=9 * 60,
        work_end_minute=17 * 60 + 30,
        work_days=EVERY_DAY,
    )


TOKYO, LONDON = person("Asia/Tokyo"), person("Europe/London")
# 2027-01-04 plus six months, as `tandem programme create --starts 2027-01-04` stores it.
PROGRAMME = Programme(ends_on=date(2027, 7, 4))


def booking(me: Person, partner: Person) -> Booking:
    return Booking(pair=Pair(), programme=PROGRAMME, me=me, partner=partner)


@pytest.mark.parametrize(("me", "partner"), [(TOKYO, LONDON), (LONDON, TOKYO)])
def test_a_time_after_the_last_day_names_the_last_day(me: Person, partner: Person) -> None:
    monday_morning_in_tokyo = datetime(2027, 7, 5, 0, 30, tzinfo=UTC)  # Sunday evening in London

    message = validate_proposed_time(
        me.working_hours(),
        partner.working_hours(),
        monday_morning_in_tokyo,
        HOUR,
        now=datetime(2027, 7, 1, tzinfo=UTC),
        not_after=booking(me, partner).not_after,
    )

    assert message == "That's after the programme ends on Sun 4 Jul."


def test_meetings_end_before_the_last_day_is_over_for_both() -> None:
    midnight_in_tokyo = datetime(2027, 7, 4, 15, 0, tzinfo=UTC)
    assert booking(TOKYO, LONDON).not_after == midnight_in_tokyo
    assert booking(LONDON, TOKYO).not_after == midnight_in_tokyo
    london_only = booking(LONDON, person("Europe/London")).not_after
    assert london_only == datetime(2027, 7, 4, 23, 0, tzinfo=UTC)  # BST


def test_the_cli_shows_the_same_last_day(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", sqlite_url)
    args = ["programme", "create", "--name", "Reverse mentoring 2027", "--starts", "2027-01-04"]
    assert main(args) == 0
    assert "2027-01-04 to 2027-07-04" in capsys.readouterr().out
