"""Start a server, or answer one request in-process: what ``supplyshock serve`` and
``python -m supplyshock.server`` do.

The server does not depend on the command line; the command line may call these.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
import warnings
from pathlib import Path

from supplyshock.server.app import create_app
from supplyshock.server.state import ServerConfig

__all__ = ["LOOPBACK", "TOKEN_ENV", "answer_one", "default_data_dir", "serve", "with_token"]

#: Hosts that only this machine can reach.
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Environment variable holding the server's token (instead of ``--token``).
TOKEN_ENV = "SUPPLYSHOCK_TOKEN"


def default_data_dir() -> Path:
    """The data directory when none is given: ``$SUPPLYSHOCK_HOME/server``."""
    from supplyshock.store import default_home

    return default_home() / "server"


def answer_one(config: ServerConfig, path: str) -> int:
    """Answer one GET request for ``path`` in-process (no socket) and print its body.

    Parameters
    ----------
    config
        The server's settings.
    path
        The request path, starting with ``/``.

    Returns
    -------
    int
        The HTTP status.
    """
    with warnings.catch_warnings():
        # starlette warns that its test client will move to httpx2; not the user's concern
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with TestClient(create_app(config)) as client:
        response = client.get(path)
    if response.headers.get("content-type", "").startswith(("application/json", "text/")):
        print(response.text)
    else:
        sys.stdout.buffer.write(response.content)
        sys.stdout.flush()
    return int(response.status_code)


def with_token(config: ServerConfig, host: str) -> tuple[ServerConfig, str]:
    """The settings with their token, and what to say about it at start.

    The token is ``config.token``, else :data:`TOKEN_ENV`; a server bound beyond this
    machine (any host but :data:`LOOPBACK`) without one gets a new random token, printed
    once at start: it never runs open to the network.

    Parameters
    ----------
    config
        The server's settings.
    host
        The interface to bind.

    Returns
    -------
    tuple of (ServerConfig, str)
        The settings with the token set (or None on loopback without one), and the line to print.
    """
    token = config.token or os.environ.get(TOKEN_ENV, "").strip() or None
    if token is None and host not in LOOPBACK:
        token = secrets.token_urlsafe(24)
        note = (
            f"Binding {host}: every request needs this token (new, random): {token}\n"
            "  send it as 'Authorization: Bearer <token>', or open the dashboard once as /?token=<token>; "
            f"set your own with --token or ${TOKEN_ENV}"
        )
    elif token is not None:
        where = "given" if config.token else f"from ${TOKEN_ENV}"
        note = f"Every request needs the token ({where}): send 'Authorization: Bearer <token>', or open the dashboard once as /?token=<token>"
    else:
        note = f"Listening on {host} only (this machine); no token needed. Binding another interface requires one (--token or ${TOKEN_ENV})."
    return dataclasses.replace(config, token=token), note


def serve(config: ServerConfig, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Serve the API and the dashboard until interrupted (uvicorn).

    Parameters
    ----------
    config
        The server's settings.
    host, port
        Where to listen; beyond this machine (a host other than a loopback one) every
        request needs a token (see :func:`with_token`), said at start.
    log_level
        uvicorn's log level.
    """
    import uvicorn

    config, note = with_token(config, host)
    app = create_app(config)
    print(note, file=sys.stderr)
    cors = ", ".join(config.cors_origins) if config.cors_origins else "none (browsers on other sites cannot call the API)"
    limits = f"{config.rate_per_minute} requests and {config.runs_per_minute} runs a minute per client"
    print(f"Limits: {limits}; cross-origin callers: {cors}. See docs/security.md.", file=sys.stderr)
    print(f"supplyshock dashboard: http://{host}:{port}/   API docs: http://{host}:{port}/docs   data: {config.data_dir}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
