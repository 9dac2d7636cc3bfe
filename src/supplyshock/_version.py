"""The package version (one place; read by the package root, results and the CLI)."""

__version__ = "0.2.0"
