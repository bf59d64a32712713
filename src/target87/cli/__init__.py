"""Command line interface (Typer + Rich)."""

from target87.cli import (  # noqa: F401  (register the commands)
    fetch_cmd,
    io_cmd,
    profile_cmd,
    progress_cmd,
    query_cmd,
    serve_cmd,
    template_cmd,
)
from target87.cli.app import app, main

__all__ = ["app", "main"]
