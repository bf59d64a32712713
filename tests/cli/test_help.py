"""Every command's one-line summary in `target87 --help` is one line of the docstring (the
help list shows the first paragraph as written: a wrapped sentence breaks mid-list)."""

from __future__ import annotations

import typer.main

from target87.cli import app


def _commands(command, path=()):
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))
    if path:
        yield " ".join(path), command


def test_every_command_has_a_one_line_summary():
    found = list(_commands(typer.main.get_command(app)))
    assert len(found) > 20  # every group registered in cli.app.COMMAND_GROUPS is walked
    wrapped = [
        name for name, command in found if "\n" in (command.help or "").strip().split("\n\n")[0]
    ]
    assert not wrapped, f"summaries wrapped over lines: {wrapped}"
    missing = [name for name, command in found if not (command.help or "").strip()]
    assert not missing, f"commands without help: {missing}"


def test_every_group_in_the_registry_is_reachable():
    from target87.cli.app import COMMAND_GROUPS

    top = typer.main.get_command(app).commands
    for group, name in COMMAND_GROUPS:
        if name:
            assert name in top
        else:
            for command in group.registered_commands:
                assert (command.name or command.callback.__name__.replace("_", "-")) in top
