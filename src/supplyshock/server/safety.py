"""Guards of the server: who may call it, how often, request size, paths, YAML, messages.

* :class:`TokenAuth` answers 401 to a request without the server's token (when it has
  one: always when it listens beyond this machine, see :mod:`supplyshock.server.launch`);
* :class:`RateLimit` answers 429 to a client (by address) that sends requests faster
  than its share (token buckets, a tighter one for starting runs);
* :class:`BodySizeLimit` answers 413 to a request whose body is larger than the limit,
  whether it declares a ``Content-Length`` or streams its body in chunks.
* :func:`inside` resolves a path and refuses any that is not inside the data directory
  (after following symbolic links), so no request can read or write elsewhere.
* :func:`check_yaml` refuses scenario text that is too long, not a mapping, too deep, expands
  its aliases into too many nodes (through the package's one YAML loader,
  :mod:`supplyshock.safeyaml`, with the server's tighter bounds), or names a dataset that is
  not embedded (a dataset may be a folder path, which a server must never read);
* :func:`redact` takes absolute paths out of a message before it leaves the server (the
  data directory, the home directory, any other absolute file path).
"""

from __future__ import annotations

import hmac
import json
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supplyshock.network import DEFAULT_DATASET
from supplyshock.safeyaml import YamlProblem, parse_yaml

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_YAML_NODES",
    "OPEN_PATHS",
    "RUN_ID_PATTERN",
    "TOKEN_COOKIE",
    "BodySizeLimit",
    "RateLimit",
    "TokenAuth",
    "UnsafeInput",
    "check_run_id",
    "check_yaml",
    "contained",
    "inside",
    "redact",
]

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 256 * 1024
#: Most YAML nodes a scenario may expand to (aliases counted each time they are used).
MAX_YAML_NODES = 50_000
#: Deepest nesting of YAML collections accepted (a scenario needs about six).
MAX_YAML_DEPTH = 64
#: Run ids accepted in URLs: letters, digits and dashes (no dots, no slashes).
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_RUN_ID_RE = re.compile(RUN_ID_PATTERN)


#: Name of the cookie that carries the token for the dashboard (set from ``?token=``).
TOKEN_COOKIE = "supplyshock_token"
#: Paths answered without the token (a liveness check that tells nothing).
OPEN_PATHS = ("/api/health",)


class UnsafeInput(ValueError):
    """An input the server refuses to act on; the message says why."""


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send a JSON error answer (the body of every error of the API)."""
    body = json.dumps({"detail": detail, "problems": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class TokenAuth:
    """ASGI middleware: answer 401 unless a request carries the server's token.

    The token may come as ``Authorization: Bearer <token>``, as the header
    ``X-Supplyshock-Token``, as the cookie :data:`TOKEN_COOKIE`, or once as ``?token=``
    in the address of a page (the dashboard): the answer then sets the cookie (HttpOnly,
    SameSite=Strict), so the dashboard's own requests carry it. :data:`OPEN_PATHS` need
    no token. Tokens are compared in constant time.

    Parameters
    ----------
    app
        The ASGI application to wrap.
    token
        The token; None or empty: every request passes.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token or None

    def _given(self, scope: Scope) -> tuple[str | None, bool]:
        """The token a request carries, and whether it came in the query string."""
        auth = _header(scope, b"authorization")
        if auth and auth.lower().startswith("bearer "):
            return auth[7:].strip(), False
        direct = _header(scope, b"x-supplyshock-token")
        if direct:
            return direct.strip(), False
        cookie = _header(scope, b"cookie")
        if cookie:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(cookie)
            except Exception:  # a malformed cookie header carries no token
                jar = SimpleCookie()
            if TOKEN_COOKIE in jar:
                return jar[TOKEN_COOKIE].value, False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0], True
        return None, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if self.token is None or scope["type"] not in ("http", "websocket") or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given, from_query = self._given(scope)
        if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
            what = "a wrong token" if given is not None else "no token"
            await _answer(
                send,
                401,
                f"this server needs its token and the request carried {what}: send 'Authorization: Bearer <token>' "
                "(the token was printed when the server started), or open the dashboard once as /?token=<token>",
                [(b"www-authenticate", b"Bearer")],
            )
            return
        if not from_query:
            await self.app(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        await self.app(scope, receive, with_cookie)


class _Bucket:
    """A token bucket: ``capacity`` requests at once, refilled at ``rate`` per second."""

    __slots__ = ("level", "stamp")

    def __init__(self, capacity: float, stamp: float) -> None:
        self.level = capacity
        self.stamp = stamp


class RateLimit:
    """ASGI middleware: answer 429 to a client sending requests faster than allowed.

    Each client (by address) has two token buckets: one for every request
    (``per_minute``) and one for starting runs and drafts (``POST /api/runs``,
    ``POST /api/draft``: ``runs_per_minute``); each allows bursts of half a minute's worth. A request finding its
    bucket empty is answered 429 with ``Retry-After``. At most ``max_clients`` clients are
    remembered (the least recently seen are forgotten).

    Parameters
    ----------
    app
        The ASGI application to wrap.
    per_minute
        Requests per minute per client; 0: no limit.
    runs_per_minute
        Runs (and drafts) started per minute per client; 0: no limit.
    """

    def __init__(self, app: ASGIApp, per_minute: int = 600, runs_per_minute: int = 60, max_clients: int = 10_000) -> None:
        self.app = app
        self.limits = {"all": float(per_minute), "runs": float(runs_per_minute)}
        self.max_clients = int(max_clients)
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _take(self, client: str, kind: str) -> float:
        """Take a request from a bucket; 0.0 when allowed, else seconds until allowed."""
        per_minute = self.limits[kind]
        if per_minute <= 0:
            return 0.0
        rate, capacity = per_minute / 60.0, max(per_minute / 2.0, 1.0)
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.pop((client, kind), None) or _Bucket(capacity, now)
            bucket.level = min(capacity, bucket.level + max(now - bucket.stamp, 0.0) * rate)
            bucket.stamp = now
            self._buckets[(client, kind)] = bucket
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            if bucket.level >= 1.0:
                bucket.level -= 1.0
                return 0.0
            return (1.0 - bucket.level) / rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        kinds = ["all"]
        if scope.get("method") == "POST" and scope.get("path") in ("/api/runs", "/api/draft"):
            kinds.append("runs")
        for kind in kinds:
            wait = self._take(str(client), kind)
            if wait > 0:
                what = "runs started" if kind == "runs" else "requests"
                limit = int(self.limits[kind])
                await _answer(
                    send,
                    429,
                    f"too many {what} from this client (at most {limit} a minute); try again in {wait:.0f} s",
                    [(b"retry-after", str(max(1, round(wait))).encode())],
                )
                return
        await self.app(scope, receive, send)


_ABSOLUTE = re.compile(r"(?<![\w.:/~<>])(/(?:[^\s'\"`,;()/]+/)+)([^\s'\"`,;()/]*)")
_WINDOWS = re.compile(r"\b[A-Za-z]:\\(?:[^\s'\"`,;()\\]+\\)*([^\s'\"`,;()\\]*)")


def redact(text: str, root: Path | None = None) -> str:
    """Take absolute paths out of a message that leaves the server.

    Paths inside the data directory become ``<data>/...``; the home and temporary
    directories become ``~`` and ``<tmp>``; any other absolute path of two or more parts
    keeps only its last part (the API's own addresses, ``/api/...``, are kept).

    Parameters
    ----------
    text
        The message.
    root
        The data directory.

    Returns
    -------
    str
        The message without absolute paths.
    """
    out = text
    prefixes: list[tuple[str, str]] = []
    if root is not None:
        prefixes += [(str(root.resolve()), "<data>"), (str(root), "<data>")]
    prefixes += [(tempfile.gettempdir(), "<tmp>"), (os.path.expanduser("~"), "~")]
    for prefix, label in sorted(prefixes, key=lambda p: -len(p[0])):
        if len(prefix) > 1:
            out = out.replace(prefix.rstrip("/") + "/", label + "/").replace(prefix, label)

    def keep_last(m: re.Match[str]) -> str:
        return m.group(0) if m.group(1).startswith(("/api/", "/docs/")) else (m.group(2) or "<path>")

    out = _ABSOLUTE.sub(keep_last, out)
    return _WINDOWS.sub(lambda m: m.group(1) or "<path>", out)


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
        await _answer(send, status, detail)


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
    dataset = data.get("dataset", DEFAULT_DATASET)
    if not isinstance(dataset, str) or dataset not in datasets:
        raise UnsafeInput(f"dataset {str(dataset)[:80]!r} is not one of this server's datasets: {', '.join(datasets)}")
    return data
