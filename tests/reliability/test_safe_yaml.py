"""One safe YAML loader: random YAML (aliases included) never exhausts memory and never
raises anything but the package's own input error, on every path that reads YAML."""

from __future__ import annotations

import contextlib
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplyshock.analysis.backtest import load_backtest
from supplyshock.analysis.sweep import load_sweep
from supplyshock.errors import ScenarioError, SupplyShockError
from supplyshock.safeyaml import MAX_NODES, YamlProblem, load_yaml_text, parse_yaml
from supplyshock.scenario import load_scenario, validate_text
from supplyshock.server.safety import UnsafeInput, check_yaml

#: Most memory (bytes, traced by Python) that reading one random text may take.
MEMORY_BOUND = 64 * 1024 * 1024

_scalars = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["x", "~", "null", "true", "2025-02-30", "2025-01-01", "1e400", "!!binary Zm9v", "!!python/object:os.system", "'q'"]),
    st.text(min_size=0, max_size=8),
)


@st.composite
def alias_bomb(draw: st.DrawFn) -> tuple[str, int]:
    """Anchors each holding ``width`` aliases of the one before ("billion laughs"), maybe
    merged or cyclic; the text and the number of scalars it expands to."""
    width = draw(st.integers(2, 30))
    levels = draw(st.integers(1, 14))
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    if draw(st.booleans()):
        lines.append(f"m: &m {{<<: *a{levels - 1}}}" if draw(st.booleans()) else f"z: *a{levels - 1}")
    if draw(st.booleans()):  # an alias inside its own anchor: a cycle
        lines.append("c: &c [1, *c]")
    return "\n".join(lines) + "\n", width**levels


@st.composite
def structured(draw: st.DrawFn) -> str:
    """A random document of mappings, lists, scalars, anchors and aliases, in block or flow style."""
    anchors: list[str] = []

    def node(depth: int) -> str:
        kind = draw(st.sampled_from(["scalar", "list", "map", "alias", "anchor"] if depth < 6 else ["scalar", "alias"]))
        if kind == "alias" and anchors:
            return "*" + draw(st.sampled_from(anchors))
        if kind == "anchor":
            name = f"n{len(anchors)}"
            inner = node(depth + 1)
            anchors.append(name)
            return f"&{name} {inner}"
        if kind == "list":
            return "[" + ", ".join(node(depth + 1) for _ in range(draw(st.integers(0, 4)))) + "]"
        if kind == "map":
            keys = draw(st.lists(st.sampled_from(["name", "start", "events", "type", "uncertain", "a", "<<", "? k"]), max_size=4, unique=True))
            return "{" + ", ".join(f"{k}: {node(depth + 1)}" for k in keys) + "}"
        return draw(_scalars)

    lines = [f"k{i}: {node(0)}" for i in range(draw(st.integers(1, 6)))]
    return "\n".join(lines) + "\n"


_junk = st.text(alphabet=st.sampled_from(list("[]{}&*!:-?,|>'\"#%@`\t\n x1\x00\ufeff\ud800")), max_size=200)
_deep = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)
random_yaml = st.one_of(structured(), alias_bomb().map(lambda bomb: bomb[0]), _junk, _deep, st.text(max_size=300))


def _bounded(fn: object, *args: object) -> None:
    """Call ``fn(*args)`` under tracemalloc and check its peak."""
    tracemalloc.start()
    try:
        fn(*args)  # type: ignore[operator]
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"reading {len(str(args[0]))} characters took {peak / 1e6:.0f} MB"


def _load(text: str) -> None:
    try:
        load_yaml_text(text, "random.yaml", error=ScenarioError)
    except ScenarioError as exc:
        assert str(exc).startswith("random.yaml"), "the message names the file"


def _validate(text: str) -> None:
    _, problems = validate_text(text, "random.yaml")
    assert all(str(p).startswith("random.yaml") for p in problems)


def _server(text: str) -> None:
    with contextlib.suppress(UnsafeInput):
        check_yaml(text, ["rare-earths"], max_chars=100_000)


@given(random_yaml)
def test_random_yaml_only_input_errors_and_bounded_memory(text: str) -> None:
    _bounded(_load, text)


@given(random_yaml)
def test_random_scenario_text_gives_problems_not_exceptions(text: str) -> None:
    _bounded(_validate, text)


@given(random_yaml)
def test_random_yaml_on_the_server_is_refused_cleanly(text: str) -> None:
    _bounded(_server, text)


@given(alias_bomb())
def test_alias_bombs_beyond_the_bound_are_refused(bomb: tuple[str, int]) -> None:
    """A bomb expanding beyond the node bound is refused for its aliases; others load or
    fail as ordinary bad YAML (a merge of a list, a cycle), always as the package's error."""
    text, scalars = bomb
    try:
        load_yaml_text(text, "bomb.yaml", error=ScenarioError)
    except ScenarioError as exc:
        if scalars > MAX_NODES:
            assert "aliases" in str(exc) or "cycle" in str(exc), str(exc)
    else:
        assert scalars <= MAX_NODES


BILLION_LAUGHS = "".join(
    [
        "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n",
        *(f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)),
    ]
)


@pytest.mark.parametrize("reader", ["scenario", "sweep", "backtest"])
def test_the_369_byte_bomb_on_every_file_reader(reader: str, tmp_path: Path) -> None:
    """The bomb of the report (9 levels of 9 aliases: 9**9 = 387 million values) on each file reader."""
    path = tmp_path / "bomb.yaml"
    path.write_text("name: bomb\nstart: 2025-01-01\n" + BILLION_LAUGHS, encoding="utf-8")
    load = {"scenario": load_scenario, "sweep": load_sweep, "backtest": load_backtest}[reader]
    tracemalloc.start()
    try:
        with pytest.raises(SupplyShockError, match="alias"):
            load(path)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_BOUND


def test_many_values_stop_while_composing() -> None:
    """A long flat list is refused once it passes the bound, not after composing all of it."""
    text = "- a\n" * 200_000  # composed whole: about 140 MB of nodes
    tracemalloc.start()
    try:
        with pytest.raises(YamlProblem, match="more than 1,000 values"):
            parse_yaml(text, max_nodes=1000)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
