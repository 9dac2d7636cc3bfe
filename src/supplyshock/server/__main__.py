"""``python -m supplyshock.server``: the ``supplyshock serve`` command."""

from supplyshock.cli_report import serve

if __name__ == "__main__":
    serve(prog_name="python -m supplyshock.server")
