"""Command line interface (Typer + Rich); every command group is registered in ``cli.app``."""

from target87.cli.app import app, main

__all__ = ["app", "main"]
