"""``python -m supplyshock.server``: serve the API and the dashboard without the main command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from supplyshock.server.launch import answer_one, default_data_dir, serve
from supplyshock.server.state import ServerConfig


def main(argv: list[str] | None = None) -> int:
    """Parse the options of ``supplyshock serve`` and serve (or answer one ``--get``); the exit status."""
    parser = argparse.ArgumentParser(prog="python -m supplyshock.server", description="Serve the REST API (/docs) and the dashboard (/).")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind; any other than this machine's needs a token (printed at start)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data-dir", type=Path, default=None, help="the only folder the server reads and writes")
    parser.add_argument("--workers", type=int, default=2, help="runs that may execute at once")
    parser.add_argument("--queue", type=int, default=8, help="runs that may wait for a worker; more are refused with 429")
    parser.add_argument("--get", metavar="PATH", default=None, help="answer one GET request in-process, print the body and exit")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    if args.get is not None and not args.get.startswith("/"):
        parser.error(f"--get takes a path starting with '/', got {args.get!r}")
    folder = (args.data_dir or default_data_dir()).expanduser()
    config = ServerConfig(data_dir=folder, workers=args.workers, queue_size=args.queue)
    if args.get is not None:
        return 1 if answer_one(config, args.get) >= 400 else 0
    serve(config, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
