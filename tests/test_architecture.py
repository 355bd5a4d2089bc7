"""The design card's rules, checked on the source: layers, import direction, no circles.

Layers, lowest first: `bot.core` (neutral types and ports) <- `storage` <- `bot.delivery`
<- `bot.runtime` <- `flows` and `adapters` <- `bot.app` (the composition root). A module
may import its own layer and the layers below it, never above; `flows` and `adapters` never
import each other. Imports under `if TYPE_CHECKING:` count too: a cycle only the type
checker sees is still a cycle in the design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("bot", "flows", "storage", "adapters")
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest")

# What each part of the house may import of ours, besides itself.
ALLOWED: dict[str, tuple[str, ...]] = {
    "bot.core": (),
    "storage": ("bot.core",),
    "bot.delivery": ("bot.core", "storage"),
    "bot.runtime": ("bot.core", "storage", "bot.delivery"),
    "flows": ("bot.core", "storage", "bot.delivery", "bot.runtime"),
    "adapters": ("bot.core", "storage", "bot.delivery", "bot.runtime"),
    "bot.app": ("bot.core", "storage", "bot.delivery", "bot.runtime", "flows", "adapters"),
}


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module (or module.name), dotted
    line: int
    local: bool  # inside a function or method


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for package in OURS:
        yield from sorted((ROOT / package).rglob("*.py"))


def imports_of(path: Path) -> list[Import]:
    source = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            local = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend(Import(source, a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.extend(
                    Import(source, f"{child.module}.{a.name}", child.lineno, in_function)
                    for a in child.names
                )
            visit(child, local)

    visit(tree, False)
    return found


def all_imports() -> list[Import]:
    return [imp for path in source_files() for imp in imports_of(path)]


KNOWN_MODULES = {module_name(path) for path in source_files()}


def resolve(target: str) -> str | None:
    """The module of ours an import names (`from a.b import c` is module a.b.c or a.b)."""
    while target:
        if target in KNOWN_MODULES:
            return target
        target = target.rpartition(".")[0]
    return None


def part_of(module: str) -> str:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    raise AssertionError(f"{module} belongs to no part of the house: add it to ALLOWED")


def test_every_module_belongs_to_a_part() -> None:
    loose = [m for m in KNOWN_MODULES if m.startswith("bot.") and m.count(".") == 1]
    assert [m for m in loose if m not in ALLOWED] == []
    for module in KNOWN_MODULES:
        if module not in ("bot", *OURS):
            part_of(module)


def test_imports_run_only_down_the_layers() -> None:
    wrong = []
    for imp in all_imports():
        target = resolve(imp.target)
        if target is None or imp.source in ("bot", *OURS):
            continue
        source_part, target_part = part_of(imp.source), part_of(target)
        if target_part != source_part and target_part not in ALLOWED[source_part]:
            wrong.append(f"{imp.source}:{imp.line} imports {target} ({target_part})")
    assert wrong == []


def test_no_function_local_imports_of_our_modules() -> None:
    """A local import hides a dependency (often a circle) from the reader and the linters."""
    hidden = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in all_imports()
        if imp.local and resolve(imp.target) is not None
    ]
    assert hidden == []


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in KNOWN_MODULES}
    for imp in all_imports():
        target = resolve(imp.target)
        if target is not None and target != imp.source:
            graph[imp.source].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_circles() -> None:
    graph = import_graph()
    # Package __init__ modules are empty; an edge to one is an edge to nothing.
    assert circles(graph) == []


def test_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", ["bot", "flows", "storage"])
def test_platform_sdks_are_imported_only_in_adapters(package: str) -> None:
    offenders = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for path in (ROOT / package).rglob("*.py")
        for imp in imports_of(path)
        if imp.target.split(".")[0] in PLATFORM_SDKS
    ]
    assert offenders == []


def test_each_platform_sdk_lives_in_its_own_adapter() -> None:
    homes = {
        "slack_bolt": "slack",
        "slack_sdk": "slack",
        "botbuilder": "teams",
        "botframework": "teams",
    }
    misplaced = []
    for path in (ROOT / "adapters").rglob("*.py"):
        platform = path.relative_to(ROOT / "adapters").parts[0]
        for imp in imports_of(path):
            home = homes.get(imp.target.split(".")[0])
            if home and home != platform:
                misplaced.append(f"{path.relative_to(ROOT)} imports {imp.target}")
    assert misplaced == []


PURE_MATCHING_MODULES = (
    "matching/engine.py",
    "matching/matrix.py",
    "matching/reasons.py",
    "matching/rules.py",
    "matching/scores.py",
    "matching/solvers.py",
    "matching/unmatched.py",
)


def test_matching_engine_is_pure() -> None:
    for module in PURE_MATCHING_MODULES:
        names = [imp.target for imp in imports_of(ROOT / "flows" / module)]
        assert not any(
            n.split(".")[0] in ("sqlalchemy", "storage", "adapters", "aiohttp") for n in names
        )


def test_modules_stay_small() -> None:
    """One job per module: past ~300 lines a module is usually doing two."""
    large = {
        str(path.relative_to(ROOT)): lines
        for path in source_files()
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 320
    }
    assert large == {}


def test_outbound_model_round_trips_through_json() -> None:
    from bot.core.outbound import (
        Button,
        Buttons,
        ButtonStyle,
        Choice,
        Context,
        Divider,
        FieldKind,
        Form,
        FormField,
        Message,
        Poll,
        Section,
        Text,
        from_json,
        to_json,
    )

    message = Message(
        summary="s",
        blocks=(
            Text("*hi*"),
            Section("t", "x", (("a", "b"),)),
            Divider(),
            Context("c"),
            Buttons((Button("Go", "go", "1", ButtonStyle.PRIMARY),)),
            Poll("Q?", "poll", (Choice("Yes", "y"), Choice("No", "n")), multi=True, context="m:1"),
        ),
    )
    form = Form(
        "f",
        "Title",
        (FormField("a", "A", FieldKind.MULTI_SELECT, options=(Choice("x", "x"),), initial=("x",)),),
        errors={"a": "bad"},
    )
    assert from_json(to_json(message)) == message
    restored = from_json(to_json(form))
    assert restored == form and isinstance(restored.fields[0].kind, FieldKind)
