"""Running a rule set over a raw table."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from target87.validation.report import Report
from target87.validation.rules import Context, Rule, forget_numbers, rule_from_dict


class RuleSet(list[Rule]):
    """An ordered list of rules, from YAML or Python."""

    @classmethod
    def from_yaml(cls, text_or_path: str | Path) -> RuleSet:
        text = (
            Path(text_or_path).read_text(encoding="utf-8")
            if isinstance(text_or_path, Path)
            else text_or_path
        )
        spec = yaml.safe_load(text) or {}
        if not isinstance(spec, dict) or not isinstance(spec.get("rules"), list):
            raise ValueError("a rule file holds a mapping with a list under 'rules'")
        return cls(rule_from_dict(item) for item in spec["rules"])

    @classmethod
    def default(cls) -> RuleSet:
        """The rules of ``observations.yaml``, which every load applies: a new list (callers
        add rules to it) of rules parsed once per process (every draft save asks for them)."""
        return cls(_default_rules())


@cache
def _default_rules() -> tuple[Rule, ...]:
    path = resources.files("target87.validation") / "observations.yaml"
    return tuple(RuleSet.from_yaml(path.read_text(encoding="utf-8")))


def validate(raw: pd.DataFrame, rules: RuleSet | None = None, ctx: Context | None = None) -> Report:
    """Check a raw table; returns every finding (errors first in row order)."""
    rules = RuleSet.default() if rules is None else rules
    ctx = ctx or Context()
    if not raw.index.is_unique:  # rules locate rows by position (row numbers can repeat)
        raw.reset_index(drop=True, inplace=True)
    forget_numbers(raw)  # the table may have changed since a previous check
    report = Report(rows=len(raw))
    for rule in rules:
        report.findings.extend(rule.check(raw, ctx))
    report.findings.sort(
        key=lambda p: (p.severity != "error", p.sheet or "", p.line is None, p.line or 0)
    )
    return report
