"""A validation report: every finding with file, sheet, row, column, rule and severity."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from target87.ingest.errors import LoadError, Problem


@dataclass
class Report:
    findings: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.findings if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.findings if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing blocks the load (warnings do not)."""
        return not self.errors

    def text(self) -> str:
        head = (
            f"{self.rows} row(s) checked: {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)"
        )
        lines = [head] + [f"  {p.severity.upper():7} {p}" for p in self.findings]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "rows": self.rows,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "findings": [p.to_dict() for p in self.findings],
            },
            ensure_ascii=False,
            indent=1,
        )

    def raise_for_errors(self) -> None:
        if self.errors:
            raise LoadError(self.errors + self.warnings)
