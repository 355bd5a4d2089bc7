"""A line manager written in words names a person only when the words name exactly one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from flows.common.person_names import PersonNames, looks_like_email


@dataclass(frozen=True)
class Row:
    platform_user_id: str
    display_name: str = ""
    real_name: str = ""
    handle: str = ""
    email: str = ""


PEOPLE = PersonNames(
    [
        Row("U0ADA", "Ada", "Ada Lovelace", "ada.lovelace", "Ada@Example.com"),
        Row("U0SAM1", "Sam", "Sam Okafor", "sam.okafor"),
        Row("U0SAM2", "Sam", "Sam Patel", "spatel"),
        Row("U0LEO", "Leo Marsh"),
    ]
)


@pytest.mark.parametrize(
    ("written", "person"),
    [
        ("U0ADA", "U0ADA"),
        ("@U0ADA", "U0ADA"),
        ("<@U0ADA>", "U0ADA"),
        ("<@U0ADA|ada>", "U0ADA"),
        ("@ada.lovelace", "U0ADA"),
        ("Ada Lovelace", "U0ADA"),
        ("  ada   lovelace ", "U0ADA"),
        ("ada@example.com", "U0ADA"),
        ("Sam Okafor", "U0SAM1"),
        ("@spatel", "U0SAM2"),
        ("leo.marsh", "U0LEO"),
        ("<@U0GONE|Leo Marsh>", "U0LEO"),
    ],
)
def test_ids_mentions_handles_names_and_emails_name_their_person(written: str, person: str) -> None:
    assert PEOPLE.resolve(written) == person


@pytest.mark.parametrize(
    "written",
    ["", "   ", "Sam", "@sam", "Grace Hopper", "grace@example.com", "<@U0GONE>", "U0ada", "Ada L"],
)
def test_words_that_name_no_one_or_several_people_name_no_one(written: str) -> None:
    assert PEOPLE.resolve(written) is None


def test_someone_added_by_id_and_email_is_found_by_either() -> None:
    people = PersonNames([])
    people.add("U0NEW", "new.joiner@example.com")
    assert people.resolve("New.Joiner@example.com") == "U0NEW"
    assert people.resolve("U0NEW") == "U0NEW"


def test_an_email_needs_a_name_an_at_and_a_domain() -> None:
    assert looks_like_email("ada@example.com")
    assert not looks_like_email("@ada.lovelace")
    assert not looks_like_email("ada@localhost")
    assert not looks_like_email("Ada Lovelace <ada@example.com>")
