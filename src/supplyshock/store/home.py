"""Where supplyshock keeps its stores: the supplyshock home directory."""

from __future__ import annotations

import getpass
import os
import socket
import sys
from pathlib import Path

__all__ = ["HOME_ENV", "default_home", "origin", "owner"]

#: Environment variable naming the supplyshock home directory.
HOME_ENV = "SUPPLYSHOCK_HOME"


def default_home() -> Path:
    """Return the supplyshock home directory.

    Returns
    -------
    pathlib.Path
        ``$SUPPLYSHOCK_HOME`` when that environment variable is set and not empty, else
        ``~/.local/share/supplyshock``.
    """
    env = os.environ.get(HOME_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "supplyshock"


def owner() -> str:
    """Who records a run: ``user@host`` (the user name as the system gives it).

    Returns
    -------
    str
        E.g. ``"alice@lab-3"``; ``"unknown@host"`` when the user name cannot be read.
    """
    try:
        user = getpass.getuser()
    except (KeyError, OSError, ImportError):  # no name for this uid (containers)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}"


def origin() -> str:
    """Which process records a run: its command and id, e.g. ``"supplyshock run (pid 4242)"``.

    Returns
    -------
    str
        The program name (``supplyshock`` and its subcommand, or the Python script) and
        the process id, so that runs recorded at the same time by several processes of
        one user can be told apart.
    """
    argv = [a for a in sys.argv if a]
    prog = Path(argv[0]).name if argv else "python"
    if prog in ("supplyshock", "__main__.py") and len(argv) > 1:
        prog = f"supplyshock {argv[1]}"
    elif prog.endswith(".py") or prog in ("-c", ""):
        prog = f"python {prog}".strip()
    return f"{prog} (pid {os.getpid()})"
