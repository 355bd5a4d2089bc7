"""Every command, button and form, tried by every kind of person: each route lets in exactly
whom it declares (flows/routes.py), judged from the database as it is.

The cases are keyed by the router's own tables, so a route added without a case here, or
declared with a policy this file doesn't know, fails the suite. For each route and person:

- allowed: the route's flow runs. Here that flow is a stand-in that notes it ran: it is the
  router's policy under test, over real rows in a real database, not what the flow does.
- refused: the real flow never runs; the person gets one neutral reply, nobody else gets
  anything, and not a row changes anywhere (the processed-events log aside).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.app.bootstrap import build
from bot.app.logs import JsonFormatter
from bot.core.clock import OffsetClock
from bot.core.config import Config
from bot.core.events import ButtonClicked, Command, FormSubmitted, InboundEvent, MemberJoined
from bot.core.outbound import Message, Text
from bot.core.refs import UserRef
from bot.runtime.policy import NO_LONGER_AVAILABLE, REFUSED, Policy, Who
from bot.runtime.router import Router
from bot.runtime.tandem import Tandem
from flows.routes import build_router
from storage.uow import Database
from tests.authorization_world import USERS, Role, Snapshot, build_world, changes, snapshot

README = Path(__file__).resolve().parents[1] / "README.md"


@dataclass(frozen=True, slots=True)
class Probe:
    """One event as a platform would deliver it; `{pair}`-style fields are filled from the
    world. `named`: whether it names a subject (a pair, a meeting, a sign-up, a programme)."""

    kind: str  # command, click, submit, join or home
    name: str = ""
    text: str = ""
    named: bool = True

    def event(self, user: UserRef, ids: dict[str, Any]) -> InboundEvent:
        name, text = self.name.format(**ids), self.text.format(**ids)
        match self.kind:
            case "command":
                return Command(user=user, name=name, args=text)
            case "click":
                return ButtonClicked(user=user, action_id=name, value=text)
            case "submit":
                return FormSubmitted(user=user, form_id=name, values={}, context=text)
            case "join":
                return MemberJoined(user=user)
        raise ValueError(f"no event for a {self.kind} probe")


@dataclass(frozen=True, slots=True)
class Case:
    who: Who
    probes: tuple[Probe, ...]


def command(name: str, args: str = "", *, named: bool = False) -> Probe:
    return Probe("command", name, args, named)


def click(action_id: str, value: str = "{pair}", *, named: bool = True) -> Probe:
    return Probe("click", action_id, value, named)


def submit(form_id: str, context: str = "{pair}", *, named: bool = True) -> Probe:
    return Probe("submit", form_id, context, named)


def case(who: Who, *probes: Probe) -> Case:
    return Case(who, probes)


def booking(prefix: str) -> dict[str, Case]:
    """The booking steps every kind of meeting shares (flows/routes.py add_booking_steps)."""
    return {
        f"action:{prefix}_book": case(Who.PAIR, click(f"{prefix}_book")),
        f"action:{prefix}_slot": case(
            Who.PAIR, click(f"{prefix}_slot", "{pair}:2027-01-12T10:00:00+00:00")
        ),
        f"action:{prefix}_other": case(Who.PAIR, click(f"{prefix}_other")),
        f"action:{prefix}_accept": case(Who.PAIR, click(f"{prefix}_accept", "{meeting}")),
        f"action:{prefix}_cancel": case(Who.PAIR, click(f"{prefix}_cancel", "{meeting}")),
        f"action:{prefix}_ics": case(Who.PAIR, click(f"{prefix}_ics", "{meeting}")),
        f"form:{prefix}_time": case(Who.PAIR, submit(f"{prefix}_time")),
    }


OWN_SIGNUP = "{enrolment}"
CASES: dict[str, Case] = {
    # Commands, typed or slashed.
    "command:signup": case(Who.WORKSPACE, command("signup")),
    "command:join": case(Who.WORKSPACE, command("join")),
    "command:help": case(Who.WORKSPACE, command("help")),
    "command:support": case(Who.WORKSPACE, command("support")),
    "command:status": case(Who.SELF, command("status")),
    "command:leave": case(Who.SELF, command("leave")),
    "command:withdraw": case(Who.SELF, command("withdraw")),
    "command:pause": case(Who.SELF, command("pause")),
    "command:resume": case(Who.SELF, command("resume")),
    "command:forget-me": case(Who.SELF, command("forget-me")),
    "command:forget": case(Who.SELF, command("forget")),
    "command:reflections": case(Who.SELF, command("reflections")),
    "command:match": case(Who.ADMIN, command("match", "{slug}", named=True), command("match")),
    "command:announce": case(Who.CHAMPION, command("announce")),
    "fallback": case(Who.WORKSPACE, command("no-such-command")),
    "join": case(Who.WORKSPACE, Probe("join")),
    "home": case(Who.SELF, Probe("home", named=False)),
    # The account.
    "action:signup_edit": case(Who.WORKSPACE, click("signup_edit", "{programme}")),
    "form:signup": case(Who.WORKSPACE, submit("signup", "")),
    "action:pause": case(Who.SELF, click("pause", OWN_SIGNUP)),
    "action:resume": case(Who.SELF, click("resume", OWN_SIGNUP)),
    "action:leave": case(Who.SELF, click("leave", OWN_SIGNUP)),
    "action:leave_confirm": case(Who.SELF, click("leave_confirm", OWN_SIGNUP)),
    "action:leave_cancel": case(Who.SELF, click("leave_cancel", OWN_SIGNUP)),
    "action:forget_confirm": case(Who.SELF, click("forget_confirm", "", named=False)),
    "action:forget_cancel": case(Who.SELF, click("forget_cancel", "", named=False)),
    "action:support": case(Who.WORKSPACE, click("support", "{programme}")),
    "action:support_link": case(Who.WORKSPACE, click("support_link:0", "")),
    "form:support": case(Who.WORKSPACE, submit("support", "{programme}")),
    "action:survey": case(Who.ENROLLED, click("survey", "{programme}:pre")),
    "form:survey": case(Who.ENROLLED, submit("survey", "{programme}:pre")),
    "action:rematch_me": case(Who.ENROLLED, click("rematch_me", "", named=False)),
    # Matching: the admin's preview.
    "action:match_lock": case(Who.ADMIN, click("match_lock", "{proposed_pair}")),
    "action:match_unlock": case(Who.ADMIN, click("match_unlock", "{proposed_pair}")),
    "action:match_remove": case(Who.ADMIN, click("match_remove", "{proposed_pair}")),
    "action:match_rerun": case(Who.ADMIN, click("match_rerun", "{programme}")),
    "action:match_publish": case(Who.ADMIN, click("match_publish", "{programme}")),
    "action:match_swap": case(Who.ADMIN, click("match_swap", "{programme}")),
    "form:match_swap": case(Who.ADMIN, submit("match_swap", "{programme}")),
    "form:announce": case(Who.CHAMPION, submit("announce", "", named=False)),
    # The pair's own: chemistry, fit check, sessions, reflections, the close.
    **booking("chem"),
    **booking("sess"),
    "action:fit_yes": case(Who.PAIR, click("fit_yes")),
    "action:fit_no": case(Who.PAIR, click("fit_no")),
    "action:reflect": case(Who.PAIR, click("reflect:{meeting}", "")),
    "form:reflection": case(Who.PAIR, submit("reflection", "{meeting}")),
    "action:sess_cadence": case(Who.PAIR, click("sess_cadence", "{pair}:monthly")),
    "action:goals_open": case(Who.PAIR, click("goals_open")),
    "form:goals": case(Who.PAIR, submit("goals")),
    "action:agenda": case(Who.PAIR, click("agenda", "{meeting}")),
    "form:agenda": case(Who.PAIR, submit("agenda", "{meeting}")),
    "action:poll_open": case(Who.PAIR, click("poll_open", "{meeting}")),
    "form:poll": case(Who.PAIR, submit("poll", "{meeting}")),
    "action:close_choice": case(Who.PAIR, click("close_choice", "{pair}:keep")),
    "action:lessons_open": case(Who.PAIR, click("lessons_open")),
    "form:lessons": case(Who.PAIR, submit("lessons")),
}

EVERYONE = frozenset(Role)
IN_THE_PILOT = frozenset({Role.SELF, Role.PARTNER, Role.PARTICIPANT})
# Who each policy lets in, for an event that names its subject (True) or names none (False):
# with none, a role counts in any programme of the person's own workspace.
ALLOWED: dict[tuple[Who, bool], frozenset[Role]] = {
    (Who.WORKSPACE, False): EVERYONE,
    (Who.WORKSPACE, True): EVERYONE,
    (Who.SELF, False): EVERYONE,
    (Who.SELF, True): frozenset({Role.SELF}),
    (Who.PAIR, True): frozenset({Role.SELF, Role.PARTNER}),
    (Who.ADMIN, True): frozenset({Role.ADMIN}),
    (Who.ADMIN, False): frozenset({Role.ADMIN, Role.OTHER_PROGRAMME, Role.OTHER_WORKSPACE}),
    (Who.CHAMPION, True): frozenset({Role.ADMIN, Role.CHAMPION}),
    (Who.CHAMPION, False): frozenset(
        {Role.ADMIN, Role.CHAMPION, Role.OTHER_PROGRAMME, Role.OTHER_WORKSPACE}
    ),
    (Who.ENROLLED, True): IN_THE_PILOT,
    (Who.ENROLLED, False): IN_THE_PILOT | {Role.OTHER_PROGRAMME, Role.OTHER_WORKSPACE},
}


def noting(router: Router, ran: list[str]) -> Router:
    """The same routes and policies, each flow replaced by one that notes it ran."""

    def stand_in(name: str) -> Callable[..., Any]:
        async def flow(*args: Any) -> Message:
            ran.append(name)
            return Message(summary=name, blocks=(Text(name),))

        return flow

    copy = Router()
    copy.commands = {k: replace(r, handle=stand_in(r.name)) for k, r in router.commands.items()}
    copy.actions = {k: replace(r, handle=stand_in(r.name)) for k, r in router.actions.items()}
    copy.forms = {
        k: replace(r, handle=stand_in(r.name), validate=lambda values: {})
        for k, r in router.forms.items()
    }
    for attribute in ("fallback_command", "on_join", "home"):
        route = getattr(router, attribute)
        setattr(copy, attribute, replace(route, handle=stand_in(route.name)) if route else None)
    return copy


async def _run(tandem: Tandem, probe: Probe, user: UserRef, ids: dict[str, Any]) -> Any:
    if probe.kind == "home":
        return await tandem.home(user)
    return await tandem.handle(probe.event(user, ids))


async def _refusal_problems(
    db: Database, refused: list[UserRef], reply: str, before: Snapshot, after: Snapshot
) -> list[str]:
    """Anything the refusals left behind besides one neutral `reply` to each refused person."""
    expected: Counter[tuple[str, int]] = Counter()
    for user in refused:
        expected[(user.user_id, await db.workspace_id(user.workspace))] += 1
    found = changes(before, after)
    problems = [f"{table} changed" for table in found.keys() - {"deliveries", "playground_items"}]
    problems += [f"{table} lost or changed rows" for table, (_, gone) in found.items() if gone]
    sent = found.get("deliveries", ([], []))[0]
    problems += [
        f"a {r['kind']} message went to {r['channel_id']}" for r in sent if r["kind"] != "refused"
    ]
    shown = found.get("playground_items", ([], []))[0]
    bodies = [i["body"] if isinstance(i["body"], dict) else json.loads(i["body"]) for i in shown]
    problems += [
        f"someone was shown {b.get('summary')!r}" for b in bodies if b.get("summary") != reply
    ]
    replied = Counter((i["conversation_id"].removeprefix("dm:"), i["workspace_id"]) for i in shown)
    logged = Counter((r["channel_id"].removeprefix("@"), r["workspace_id"]) for r in sent)
    if replied != expected or logged != expected:
        problems.append(
            f"neutral replies went to {sorted(replied)}, not one each to {sorted(expected)}"
        )
    return problems


@pytest.fixture
async def tried(database_url: str, clock: OffsetClock):  # type: ignore[no-untyped-def]
    config = Config(database_url=database_url, playground=True, run_scheduler=False)
    services = await build(config, clock, demo=False)
    yield services, await build_world(services.db)
    await services.close()


async def test_each_route_lets_in_exactly_whom_it_declares(tried) -> None:  # type: ignore[no-untyped-def]
    services, world = tried
    ids, ran = world.ids(), []
    real = services.tandem
    stand_in = Tandem(services.db, services.clock, noting(real.router, ran), services.sender)
    failures: list[str] = []
    before = await snapshot(services.db)
    for name, expected in sorted(CASES.items()):
        for probe in expected.probes:
            allowed = ALLOWED[(expected.who, probe.named)]
            where = f"{name} ({probe.name} {probe.text!r})"
            refused = [user for role, user in USERS.items() if role not in allowed]
            for role in allowed:
                ran.clear()
                await _run(stand_in, probe, USERS[role], ids)
                if ran != [name]:
                    failures.append(f"{where} as the {role}: refused, but it is theirs to do")
            for user in refused:
                if await _run(real, probe, user, ids) is not None:
                    failures.append(f"{where} as {user}: something came back")
            # One look at the whole database per probe keeps hundreds of refusals quick.
            after = await snapshot(services.db)
            if probe.kind == "home":  # a screen, not a reply: refused means nothing at all
                refused = []
            # A button or form is an old message's: it is "no longer available", whether its
            # subject is gone or never was theirs. A typed command "isn't available to you".
            reply = NO_LONGER_AVAILABLE if probe.kind in ("click", "submit") else REFUSED
            problems = await _refusal_problems(services.db, refused, reply, before, after)
            failures.extend(f"{where}, refusing {len(refused)}: {p}" for p in problems)
            before = after
    assert not failures, "\n".join(failures)


def test_every_route_has_a_case() -> None:
    routes = {route.name for route in build_router().routes()}
    assert sorted(routes - CASES.keys()) == [], "routes nobody tries: add their cases above"
    assert sorted(CASES.keys() - routes) == [], "cases for routes that are gone"


def test_every_route_declares_the_policy_its_case_expects() -> None:
    for route in build_router().routes():
        assert isinstance(route.policy, Policy), route.name
        assert route.policy.who == CASES[route.name].who, route.name
        for probe in CASES[route.name].probes:
            assert (route.policy.who, probe.named) in ALLOWED, f"unknown policy: {route.name}"


def test_a_route_cannot_be_registered_without_a_policy() -> None:
    async def flow(ctx: object, event: object) -> None:
        return None

    router = Router()
    with pytest.raises(TypeError):
        router.action("anything", flow)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        router.command("anything", flow, policy=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Policy(Who.PAIR)  # which pair?


async def test_a_refusal_is_logged_with_its_route_and_reason_only(tried, caplog) -> None:  # type: ignore[no-untyped-def]
    services, world = tried
    caplog.set_level(logging.INFO, logger="bot.runtime.router")
    olu = USERS[Role.PARTICIPANT]

    await services.tandem.handle(ButtonClicked(user=olu, action_id="fit_no", value=str(world.pair)))

    [record] = [r for r in caplog.records if r.getMessage() == "refused"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["route"], line["reason"]) == ("action:fit_no", "not a member of the pair")
    assert set(line) == {"ts", "level", "logger", "msg", "route", "reason"}


SAYS = {
    Who.WORKSPACE: "Anyone in the workspace",
    Who.SELF: "The person themself: their own account, and only their own sign-ups",
    Who.ENROLLED: "Anyone taking part in the programme (signed up, not withdrawn)",
    Who.PAIR: "One of the pair's two people, as the pair stands now",
    Who.CHAMPION: "A champion or an admin of the programme",
    Who.ADMIN: "An admin of the programme",
}
UNNAMED_ROUTES = {"fallback": "any other command", "join": "the welcome", "home": "the home screen"}


def security_table(router: Router) -> str:
    """The README's table of who may do what, drawn from the route table."""

    def listed(names: list[str], kind: str) -> list[str]:
        return [
            f"`{n}`" for n in sorted(n[len(kind) + 1 :] for n in names if n.startswith(f"{kind}:"))
        ]

    lines = ["| Who may act | Commands | Buttons | Forms |", "|---|---|---|---|"]
    for who, says in SAYS.items():
        names = [route.name for route in router.routes() if route.policy.who is who]
        commands = listed(names, "command") + [
            UNNAMED_ROUTES[n] for n in names if n in UNNAMED_ROUTES
        ]
        cells = [
            ", ".join(cell) or "-"
            for cell in (commands, listed(names, "action"), listed(names, "form"))
        ]
        lines.append(f"| {says} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def test_the_readme_says_who_may_do_what() -> None:
    table = security_table(build_router())
    assert table in README.read_text(encoding="utf-8"), f"README's Security table is now:\n{table}"
