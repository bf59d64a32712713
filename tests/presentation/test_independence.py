"""The presentation floor stands below the web, the command line and national reporting: it
imports none of them, so each of them can build on it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import target87.presentation

FORBIDDEN = ("target87.web", "target87.cli", "target87.reporting")
PACKAGE = Path(target87.presentation.__file__).parent

PROBE = """
import importlib, json, pkgutil, sys
import target87.presentation as p
for info in pkgutil.iter_modules(p.__path__):
    importlib.import_module(f"target87.presentation.{info.name}")
# Call everything once, so that imports made inside functions are made too.
p.content_text("most recent year in 2013-2021; the year is not given by the source", "fr")
p.code_label("time_period", "2013/2021", "es")
p.format_value(27.6, "NUMBER", 6, "es"), p.format_value(5.4, "PT", 0, "fr")
p.age_label("Y5T17", "fr"), p.sex_label("F", "es", children=True), p.date_label("2010-04-07", "fr")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("target87"))))
"""


def test_importing_and_using_it_loads_no_web_cli_or_reporting_module():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "target87.presentation.content" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []


def test_no_module_of_the_package_names_them():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not [n for n in names if n.startswith(FORBIDDEN)], (path.name, names)
