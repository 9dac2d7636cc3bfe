"""Guards of the server: request size, paths inside the data directory, YAML size.

* :class:`BodySizeLimit` answers 413 to a request whose body is larger than the limit,
  whether it declares a ``Content-Length`` or streams its body in chunks.
* :func:`inside` resolves a path and refuses any that is not inside the data directory
  (after following symbolic links), so no request can read or write elsewhere.
* :func:`check_yaml` refuses scenario text that is too long, not a mapping, too deep, expands
  its aliases into too many nodes (through the package's one YAML loader,
  :mod:`supplyshock.safeyaml`, with the server's tighter bounds), or names a dataset that is
  not embedded (a dataset may be a folder path, which a server must never read).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supplyshock.safeyaml import YamlProblem, parse_yaml

__all__ = ["MAX_BODY_BYTES", "MAX_YAML_NODES", "RUN_ID_PATTERN", "BodySizeLimit", "UnsafeInput", "check_run_id", "check_yaml", "contained", "inside"]

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 256 * 1024
#: Most YAML nodes a scenario may expand to (aliases counted each time they are used).
MAX_YAML_NODES = 50_000
#: Deepest nesting of YAML collections accepted (a scenario needs about six).
MAX_YAML_DEPTH = 64
#: Run ids accepted in URLs: letters, digits and dashes (no dots, no slashes).
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_RUN_ID_RE = re.compile(RUN_ID_PATTERN)


class UnsafeInput(ValueError):
    """An input the server refuses to act on; the message says why."""


class BodySizeLimit:
    """ASGI middleware: answer 413 to requests with a body over ``max_bytes``.

    Parameters
    ----------
    app
        The ASGI application to wrap.
    max_bytes
        The largest body accepted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call.

        Parameters
        ----------
        scope, receive, send
            The ASGI call.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reject(send, 400, "the Content-Length header is not a number")
                    return
                if declared > self.max_bytes:
                    await self._reject(send, 413, f"request body of {declared} bytes is larger than the limit of {self.max_bytes} bytes")
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, 413, f"request body is larger than the limit of {self.max_bytes} bytes")

    @staticmethod
    async def _reject(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail, "problems": []}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised while reading a body once it passes the limit (answered with 413)."""

    def __init__(self, max_bytes: int = MAX_BODY_BYTES) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than the limit of {max_bytes} bytes")


def inside(root: Path, *parts: str) -> Path:
    """Join ``parts`` to ``root`` and check the result stays inside ``root``.

    Parameters
    ----------
    root
        The data directory.
    *parts
        Path components (from requests: already validated, checked again here).

    Returns
    -------
    pathlib.Path
        The resolved path (symbolic links followed).

    Raises
    ------
    UnsafeInput
        When the path would leave ``root``.
    """
    base = root.resolve()
    for part in parts:
        if not part or "\x00" in part or Path(part).is_absolute():
            raise UnsafeInput(f"refused path component {part!r}")
    target = base.joinpath(*parts).resolve()
    if target != base and not target.is_relative_to(base):
        raise UnsafeInput("refused a path outside the server's data directory")
    return target


def contained(root: Path, path: Path) -> Path:
    """Resolve a path (e.g. one read from the run store) and check it lies inside ``root``.

    Parameters
    ----------
    root
        The data directory.
    path
        An absolute path, or one relative to ``root``.

    Returns
    -------
    pathlib.Path
        The resolved path (symbolic links followed).

    Raises
    ------
    UnsafeInput
        When the path lies outside ``root``.
    """
    base = root.resolve()
    target = base.joinpath(path).resolve()
    if not target.is_relative_to(base):
        raise UnsafeInput("refused a path outside the server's data directory")
    return target


def check_run_id(run_id: str) -> str:
    """Check a run id taken from a URL.

    Parameters
    ----------
    run_id
        The id (or a unique prefix).

    Returns
    -------
    str
        The same id.

    Raises
    ------
    UnsafeInput
        When it has characters other than letters, digits, ``-`` and ``_``.
    """
    if not _RUN_ID_RE.match(run_id):
        raise UnsafeInput(f"{run_id[:80]!r} is not a run id (letters, digits, '-' and '_', at most 64)")
    return run_id


def check_yaml(text: str, datasets: list[str], *, max_chars: int, max_nodes: int = MAX_YAML_NODES) -> dict[str, Any]:
    """Check scenario text is safe to validate, and return it parsed.

    Parameters
    ----------
    text
        The scenario YAML.
    datasets
        The datasets the scenario may use (embedded ones only).
    max_chars
        The longest text accepted.
    max_nodes
        The most nodes the document may expand to.

    Returns
    -------
    dict
        The parsed mapping.

    Raises
    ------
    UnsafeInput
        With a message naming the problem.
    """
    if len(text) > max_chars:
        raise UnsafeInput(f"scenario text of {len(text)} characters is longer than the limit of {max_chars}")
    try:
        data = parse_yaml(text, max_bytes=4 * max_chars, max_nodes=max_nodes, max_depth=MAX_YAML_DEPTH).data
    except YamlProblem as exc:
        raise UnsafeInput(exc.text("scenario text")) from None
    if data is None:
        raise UnsafeInput("the scenario text is empty; a scenario is a YAML mapping with at least name and start")
    if not isinstance(data, dict):
        raise UnsafeInput(f"a scenario is a YAML mapping (name: ..., start: ...), not a {type(data).__name__}")
    dataset = data.get("dataset", "rare-earths")
    if not isinstance(dataset, str) or dataset not in datasets:
        raise UnsafeInput(f"dataset {str(dataset)[:80]!r} is not one of this server's datasets: {', '.join(datasets)}")
    return data
