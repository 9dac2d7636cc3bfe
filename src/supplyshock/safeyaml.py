"""The one YAML loader of the package: bounded in size, depth and alias expansion.

Every YAML the package reads (scenarios, dataset metadata, sweep and backtest specs,
news drafts merged into a scenario, scenario text posted to the server) goes through
:func:`parse_yaml` (directly, or through :func:`load_yaml_text` or :func:`load_yaml_file`).
PyYAML's ``safe_load`` builds only plain objects, but aliases can still make a few hundred
bytes expand to billions of nodes ("billion laughs"), and code that walks the composed
node graph (to map keys to line numbers) follows every alias. Here:

* the text is bounded in size (:data:`MAX_FILE_BYTES`) before it is parsed;
* while the document is composed, its distinct nodes are counted and its nesting measured,
  and composing stops at :data:`MAX_NODES` nodes or :data:`MAX_DEPTH` levels (so neither
  memory nor Python's recursion limit is reached);
* the composed graph is then measured in time linear in its size (each node once, aliases
  counted by their expanded size) and refused when it would expand beyond
  :data:`MAX_NODES` or is cyclic;

only then are Python objects built. Every refusal is a :class:`YamlProblem`, which the
loaders turn into the package's own input error (e.g.
:class:`~supplyshock.errors.ScenarioError`): never a traceback, never a full memory.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from supplyshock.errors import SupplyShockError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "YamlDocument",
    "YamlProblem",
    "load_yaml_file",
    "load_yaml_text",
    "parse_yaml",
    "read_text_file",
]

#: Largest YAML file read (bytes). Scenarios, specs and metadata are short files.
MAX_FILE_BYTES = 1_000_000
#: Largest number of nodes, as written and after alias expansion (the largest YAML the
#: package ships, the news labels, has about 3,400; a scenario a few hundred).
MAX_NODES = 100_000
#: Deepest nesting of mappings and sequences.
MAX_DEPTH = 64

ErrorType = Callable[[str], SupplyShockError]


class YamlProblem(Exception):
    """Why a text could not be read as (safe) YAML, and on which line if known."""

    def __init__(self, message: str, hint: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.hint, self.line = message, hint, line

    def text(self, label: str) -> str:
        """The problem as one line naming the file (and the line)."""
        where = f"{label}:{self.line}" if self.line else label
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.message}{hint}"


class YamlDocument:
    """A parsed YAML document: its Python data and its composed node (for line numbers)."""

    def __init__(self, data: Any, node: yaml.Node | None) -> None:
        self.data = data
        self.node = node

    def line_index(self) -> dict[tuple[Any, ...], int]:
        """Map key paths (tuples of keys and list indices) to 1-based line numbers.

        Each node is visited once: an alias shares the lines of its anchor.
        """
        out: dict[tuple[Any, ...], int] = {}
        seen: set[int] = set()
        stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(self.node, ())] if self.node is not None else []
        while stack:
            node, prefix = stack.pop()
            out.setdefault(prefix, node.start_mark.line + 1)
            if id(node) in seen:
                continue
            seen.add(id(node))
            children: list[tuple[yaml.Node, tuple[Any, ...]]] = []
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    key = (*prefix, k.value)
                    out.setdefault(key, k.start_mark.line + 1)
                    children.append((v, key))
            elif isinstance(node, yaml.SequenceNode):
                children = [(v, (*prefix, i)) for i, v in enumerate(node.value)]
            stack.extend(reversed(children))  # document order: first keys first
        return out


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stopping while composing at too many nodes or too deep a nesting."""

    def __init__(self, text: str, max_nodes: int, max_depth: int) -> None:
        super().__init__(text)
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > self.max_nodes:
            mark = self.peek_event().start_mark
            raise YamlProblem(f"the YAML has more than {self.max_nodes:,} values", "this file should be short", mark.line + 1)
        self.depth += 1
        if self.depth > self.max_depth:
            mark = self.peek_event().start_mark
            raise YamlProblem(f"the YAML nests deeper than {self.max_depth} levels", "flatten it", mark.line + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _measure(root: yaml.Node, max_nodes: int, max_depth: int) -> None:
    """Refuse a node graph whose alias expansion is too large, too deep or cyclic."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order walk; each distinct node is expanded once
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children += [k, v]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > max_nodes:
                raise YamlProblem(
                    f"the YAML expands through its aliases ('*') to more than {max_nodes:,} values",
                    "write the values out, or remove the anchors and aliases",
                )
            if depth[key] > max_depth:
                raise YamlProblem(f"the YAML nests deeper than {max_depth} levels", "flatten it")
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlProblem("an alias refers to a node that contains it (a cycle)", "remove the recursive alias")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def parse_yaml(text: str, *, max_bytes: int = MAX_FILE_BYTES, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> YamlDocument:
    """Parse YAML text safely, or raise :class:`YamlProblem` (with the line where known).

    Parameters
    ----------
    text : str
        The YAML.
    max_bytes, max_nodes, max_depth : int
        Bounds on the text's UTF-8 size, the node count after alias expansion and the
        nesting depth.
    """
    if len(text.encode("utf-8", errors="replace")) > max_bytes:
        raise YamlProblem(f"larger than {max_bytes:,} bytes", "this file should be short")
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text, max_nodes, max_depth)  # refuses unprintable characters at once
        node = loader.get_single_node()
        if node is not None:
            _measure(node, max_nodes, max_depth)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlProblem(f"not valid YAML: {problem}", "check indentation and quoting", mark.line + 1 if mark is not None else None) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date such as 2025-02-30
        raise YamlProblem(f"not valid YAML: {exc}", "write dates as YYYY-MM-DD with a real day") from None
    except RecursionError:
        raise YamlProblem("the YAML nests too deeply", "flatten it") from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data, node)


def load_yaml_text(text: str, label: str, *, error: ErrorType, max_bytes: int = MAX_FILE_BYTES) -> YamlDocument:
    """Parse YAML text safely (see :func:`parse_yaml`), raising the package error ``error``.

    Parameters
    ----------
    text : str
        The YAML.
    label : str
        Where it comes from (a file name), for messages.
    error : callable
        The package error to raise (e.g. :class:`~supplyshock.errors.ScenarioError`).
    max_bytes : int
        Largest accepted size.
    """
    try:
        return parse_yaml(text, max_bytes=max_bytes)
    except YamlProblem as exc:
        raise error(exc.text(label)) from None


def read_text_file(path: Path, *, what: str, error: ErrorType, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a short UTF-8 text file, refusing folders, devices and oversized files with a clear message."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path}: is a folder, not a {what} file; give the file's path")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: is not a regular file (a device or a pipe); give a {what} file")
    if st.st_size > max_bytes:
        raise error(f"{path}: larger than {max_bytes:,} bytes; a {what} is a short file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text; save the {what} as UTF-8") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None


def load_yaml_file(path: Path, *, what: str, error: ErrorType, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read and parse a YAML file safely; return its data (see :func:`load_yaml_text`)."""
    text = read_text_file(path, what=what, error=error, max_bytes=max_bytes)
    return load_yaml_text(text, str(path), error=error, max_bytes=max_bytes).data
