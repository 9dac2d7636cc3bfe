"""``python -m supplyshock``."""

from supplyshock.cli import main

main(prog_name="supplyshock")
