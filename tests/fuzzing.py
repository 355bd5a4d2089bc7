"""Hypothesis strategies that spoil realistic payloads: wrong types, garbage, missing keys."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

Path = tuple[str | int, ...]

# Derandomised and bounded: the same few dozen examples per payload shape on every run.
FUZZ = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a person could never type but a request can carry.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "²",
        "①",
        "٣",
        "100000",
        "-1",
        "999",
        "1e400",
        "nan",
        "\x00",
        "a\x00b",
        "\x1b[2J",
        "\ud800",
        "\u202e",
        "é" * 300,
        "x" * 5000,
        "yes",
        "true",
        "[]",
        "{}",
        "<@U0BOB0002>",
        "1,2",
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=12))
# Text that can go into a URL-encoded body (lone surrogates have no UTF-8 form).
FORM_TEXT = TEXT.filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t))
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    TEXT,
)
JUNK = st.one_of(
    SCALAR,
    st.lists(SCALAR, max_size=3),
    st.dictionaries(st.text(max_size=4), SCALAR, max_size=2),
)


def paths(node: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every key and index inside a JSON value."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def spoil(data: st.DataObject, payload: Any, under: Path = (), junk: Any = JUNK) -> Any:
    """A copy of `payload` with one to three keys under `under` dropped or replaced by junk."""
    spoilt = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        root = _at(spoilt, under)
        choices = [(*under, *p) for p in paths(root)] if root is not None else []
        if not choices:
            break
        path = data.draw(st.sampled_from(choices), label="path")
        parent, key = _at(spoilt, path[:-1]), path[-1]
        if isinstance(parent, dict) and data.draw(st.booleans(), label="drop"):
            del parent[key]
        else:
            parent[key] = data.draw(junk, label="junk")
    return spoilt


def _at(node: Any, path: Path) -> Any:
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node
