"""Command line interface (Typer + Rich)."""

from target87.cli import io_cmd, profile_cmd, query_cmd  # noqa: E402,F401  (register commands)
from target87.cli.app import app, main

__all__ = ["app", "main"]
