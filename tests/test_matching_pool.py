"""Loading a programme's pool from the database: candidates, "either", and every rule."""

from __future__ import annotations

from datetime import timedelta

from adapters.playground.messenger import PLAYGROUND
from bot.runtime.host import Services
from flows.matching.run import load_pool, run_matching
from storage.models import Pair
from tests.matching_helpers import enrol, pairs


async def _programme(services: Services, **settings: object) -> tuple[int, int]:
    workspace_id = await services.db.workspace_id(PLAYGROUND)
    now = services.clock.now()
    async with services.db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.create(
            slug="wave-2",
            name="Wave 2",
            kind="reverse",
            starts_on=(now + timedelta(days=14)).date(),
            ends_on=(now + timedelta(days=200)).date(),
            now=now,
            settings=dict(settings),
        )
        await uow.commit()
        return workspace_id, programme.id


async def _pool(services: Services, workspace_id: int, programme_id: int):  # type: ignore[no-untyped-def]
    async with services.db.unit_of_work(workspace_id) as uow:
        programme = await uow.programmes.get(programme_id)
        assert programme is not None
        return await load_pool(uow, programme)


async def test_enrolments_become_candidates(services: Services) -> None:
    ws, pid = await _programme(services, matching_weights={"goals_offer": 5})
    mentor = await enrol(
        services.db,
        ws,
        pid,
        "sam",
        role="mentor",
        department="Finance",
        capacity=2,
        offers=["digital", "disability"],
        lived_experience=["disability"],
        medium="in_person",
        location="Leeds",
        manager_user_id="boss",
    )
    mentee = await enrol(services.db, ws, pid, "priya", role="mentee", zone="Europe/Berlin")

    pool = await _pool(services, ws, pid)

    [sam] = pool.mentors
    [priya] = pool.mentees
    assert (sam.enrolment_id, priya.enrolment_id) == (mentor, mentee)
    assert sam.person_key == "sam" and sam.manager_key == "boss" and sam.display_name == "Sam"
    # Areas carry their labels, so the reasons an admin reads are in words.
    assert sam.offers == {"technology and digital", "disability and accessibility"}
    assert sam.lived_experience == {"disability and accessibility"}
    assert (sam.medium, sam.location, sam.capacity) == ("in_person", "Leeds", 2)
    # January: London is UTC, Berlin is UTC+1.
    assert (sam.utc_work_start_minute, sam.utc_work_end_minute) == (540, 1050)
    assert (priya.utc_work_start_minute, priya.utc_work_end_minute) == (480, 990)
    assert priya.goals == {"technology and digital"} and priya.capacity == 1
    assert pool.weights.goals_offer == 5
    assert pool.constraints.manager_of["sam"] == "boss"


async def test_either_fills_the_short_side_most_junior_as_mentor(services: Services) -> None:
    ws, pid = await _programme(services)
    for name in ("ann", "bob", "cy"):
        await enrol(services.db, ws, pid, name, role="mentee")
    junior = await enrol(services.db, ws, pid, "dee", role="either", seniority=1)
    senior = await enrol(services.db, ws, pid, "eve", role="either", seniority=4)
    also_junior = await enrol(services.db, ws, pid, "fay", role="either", seniority=2)

    pool = await _pool(services, ws, pid)

    assert {c.enrolment_id for c in pool.mentors} == {junior, also_junior, senior}
    assert len(pool.mentees) == 3

    await enrol(services.db, ws, pid, "gus", role="mentor", capacity=3)
    pool = await _pool(services, ws, pid)
    # Three mentor places for three mentees: the most senior "either" becomes a mentee.
    assert senior in {c.enrolment_id for c in pool.mentees}
    assert junior in {c.enrolment_id for c in pool.mentors}


async def test_history_exclusions_locks_and_live_pairs_are_respected(services: Services) -> None:
    ws, pid = await _programme(services)
    old_mentor = await enrol(services.db, ws, pid, "sam", role="mentor")
    mentee = await enrol(services.db, ws, pid, "priya", role="mentee")
    banned = await enrol(services.db, ws, pid, "ola", role="mentor")
    locked_mentor = await enrol(services.db, ws, pid, "lee", role="mentor")
    busy_mentor = await enrol(services.db, ws, pid, "bo", role="mentor")
    busy_mentee = await enrol(services.db, ws, pid, "cat", role="mentee")
    other = await enrol(services.db, ws, pid, "dan", role="mentee")
    fresh = await enrol(services.db, ws, pid, "fin", role="mentor")
    now = services.clock.now()
    async with services.db.unit_of_work(ws) as uow:
        for mentor_id, mentee_id, status, locked in (
            (old_mentor, mentee, "rematch_requested", False),
            (busy_mentor, busy_mentee, "confirmed", False),
            (locked_mentor, other, "proposed", True),
        ):
            uow.pairs.add(
                Pair(
                    programme_id=pid,
                    mentor_enrolment_id=mentor_id,
                    mentee_enrolment_id=mentee_id,
                    status=status,
                    locked=locked,
                    created_at=now,
                )
            )
        await uow.matching.exclude(pid, banned, mentee, now)
        await uow.commit()

    pool = await _pool(services, ws, pid)

    ids = {c.enrolment_id for c in (*pool.mentors, *pool.mentees)}
    assert busy_mentor not in ids and busy_mentee not in ids
    assert (old_mentor, mentee) in pool.constraints.excluded_pairs
    assert (mentee, old_mentor) in pool.constraints.excluded_pairs  # either way round
    assert (banned, mentee) in pool.constraints.excluded_pairs
    assert set(pool.constraints.locked_pairs) == {(locked_mentor, other)}

    async with services.db.unit_of_work(ws) as uow:
        programme = await uow.programmes.get(pid)
        assert programme is not None
        outcome = await run_matching(uow, programme, now)
        await uow.commit()
    proposed = {
        (p.mentor_enrolment_id, p.mentee_enrolment_id): p
        for p in await pairs(services)
        if p.status == "proposed"
    }
    assert proposed[(locked_mentor, other)].locked
    assert (fresh, mentee) in proposed  # never her old mentor, nor the banned one
    assert outcome.pool_size == 6  # the confirmed pair is not in the pool


async def test_random_mode_pairs_under_the_same_rules(services: Services) -> None:
    ws, pid = await _programme(services)
    mentors = [await enrol(services.db, ws, pid, f"m{i}", role="mentor") for i in range(4)]
    mentees = [
        await enrol(services.db, ws, pid, f"e{i}", role="mentee", manager_user_id=f"m{i}")
        for i in range(4)
    ]
    async with services.db.unit_of_work(ws) as uow:
        programme = await uow.programmes.get(pid)
        assert programme is not None
        programme.matching_mode = "random"
        outcome = await run_matching(uow, programme, services.clock.now())
        await uow.commit()
    assert len(outcome.result.pairs) == 4
    for p in outcome.result.pairs:
        assert mentors.index(p.mentor_enrolment_id) != mentees.index(p.mentee_enrolment_id)
        assert p.reasons[0].startswith("Chosen at random")
