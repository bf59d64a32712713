"""Declarative validation rules for observation tables, with located findings.

from target87.validation import RuleSet, Context, validate
report = validate(raw_table, RuleSet.default(), Context(codelists={...}))
print(report.text()); report.raise_for_errors()
"""

from target87.validation.engine import RuleSet, validate
from target87.validation.report import Report
from target87.validation.rules import Context, Rule, rule_from_dict

__all__ = ["Context", "Report", "Rule", "RuleSet", "rule_from_dict", "validate"]
