"""settle() relies on a private name inside slack_bolt; a rename must fail the suite, not hide."""

from __future__ import annotations

import pytest

from tests.slack_fixtures import (
    BOLT_LISTENER_TASK,
    SlackDriver,
    assert_bolt_names_its_listener_task,
)


class RenamedRunner:
    """A bolt runner as it might look after a release that renamed its post-ack task."""

    async def run(self) -> None:
        async def run_listener_in_background() -> None:
            return None

        await run_listener_in_background()


def test_the_installed_bolt_still_names_its_listener_task_as_settle_expects() -> None:
    assert_bolt_names_its_listener_task()


def test_a_renamed_listener_task_fails_loudly_and_says_what_changed() -> None:
    with pytest.raises(AssertionError) as refused:
        assert_bolt_names_its_listener_task(RenamedRunner)
    message = str(refused.value)
    assert f"no longer defines {BOLT_LISTENER_TASK}()" in message
    assert "run_listener_in_background" in message


async def test_settle_waits_for_the_listener_that_answers_after_the_ack(
    slack: SlackDriver,
) -> None:
    response = await slack.command("help")
    assert response.status == 200
    await slack.settle()
    # The help DM is posted by the listener bolt runs after the ack; settle() must have waited.
    assert any("pairs colleagues for mentoring" in text for text in slack.dm_texts())
