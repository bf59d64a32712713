"""Command line interface (Typer + Rich)."""

from target87.cli import profile_cmd, query_cmd  # noqa: E402,F401  (register the commands)
from target87.cli.app import app, main

__all__ = ["app", "main"]
