"""Start a server, or answer one request in-process: what ``supplyshock serve`` and
``python -m supplyshock.server`` do.

The server does not depend on the command line; the command line may call these.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from supplyshock.server.app import create_app
from supplyshock.server.state import ServerConfig

__all__ = ["LOOPBACK", "answer_one", "default_data_dir", "serve"]

#: Hosts that only this machine can reach.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


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


def serve(config: ServerConfig, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Serve the API and the dashboard until interrupted (uvicorn).

    Parameters
    ----------
    config
        The server's settings.
    host, port
        Where to listen; a host other than a loopback one is warned about (the API has no
        authentication).
    log_level
        uvicorn's log level.
    """
    import uvicorn

    app = create_app(config)
    if host not in LOOPBACK:
        print(f"Warning: binding {host}: the API has no authentication; anyone who can reach it can start runs.", file=sys.stderr)
    print(f"supplyshock dashboard: http://{host}:{port}/   API docs: http://{host}:{port}/docs   data: {config.data_dir}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
