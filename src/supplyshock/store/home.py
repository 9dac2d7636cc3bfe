"""Where supplyshock keeps its stores: the supplyshock home directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["HOME_ENV", "default_home"]

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
