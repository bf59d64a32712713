"""The analysis page's model choices, checked against the effects chosen and turned into what
:func:`target87.evidence.analysis.meta_analysis` takes (the CLI's ``--mods``, ``--subgroup``
and ``--cluster``): moderators as numeric columns of the analysis table, a subgroup field
whose every group has two effects or more, and what to do with several effects per study.

* **Moderators** (``mods``): ``year`` (numeric, as metafor's ``mods = ~ year``), and the
  categorical ``design``, ``quality``, ``region`` and ``outcome``, each coded as metafor codes
  ``factor(x)``: one 0/1 column per level but the first in sorted order (the reference
  level, absorbed by the intercept); a data set's own moderators (``mod_<name>`` columns)
  numeric when every value is a number, else categorical. A moderator that takes one value
  among the effects chosen, or has no value for some of them, is refused by name
  (:class:`~target87.evidence.query.FilterError` ``constant`` / ``missing``), as the design
  matrix would otherwise be singular or rows silently dropped.
* **Subgroups** (``subgroup``): ``intervention``, ``outcome``, ``design``, ``quality`` or
  ``region``; empty = by intervention when there are several (the page's default). A group of
  a single effect has no tau^2 (``single_group``); a field with one value has no groups
  (``one_group``).
* **Several effects per study** (``several``): ``none`` (effects independent), ``cr2``
  (cluster-robust errors by study, CR2 with Satterthwaite df, as metafor's ``robust(res,
  cluster = study, clubSandwich = TRUE)``), ``multilevel`` (``rma.mv(yi, vi, random = ~ 1 |
  study/effect)``) and ``multilevel_cr2`` (both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from target87.evidence.errors import EvidenceError

MODERATORS = ("year", "design", "quality", "region", "outcome")
NUMERIC = ("year",)
SUBGROUPS = ("intervention", "outcome", "design", "quality", "region")
SEVERAL = ("none", "cr2", "multilevel", "multilevel_cr2")
MOD_PREFIX = "mod_"
OWN_NAME = re.compile(r"mod_[A-Za-z0-9_.]{1,60}")


class ChoiceError(EvidenceError):
    """A model choice the effects chosen cannot support. ``reason``: ``unknown``,
    ``constant``, ``missing``, ``one_group``, ``single_group`` or ``too_few_studies``;
    ``field`` and ``value`` say which (the page words it in the reader's language)."""

    def __init__(self, reason: str, field: str = "", value: str = "", choices: tuple = ()):
        self.reason, self.field, self.value, self.choices = reason, field, value, choices
        detail = {
            "unknown": f"unknown {field} {value!r}; known: {', '.join(choices)}",
            "constant": f"the moderator {field} takes one value only ({value}) among the "
            "effects chosen",
            "missing": f"{value} effect(s) have no {field}",
            "absent": f"the effects chosen do not record the moderator {value!r}",
            "one_group": f"every effect chosen has the same {field} ({value}): no subgroups",
            "single_group": f"the subgroup {field} = {value} has a single effect: tau^2 "
            "cannot be estimated",
            "too_few_studies": f"{value} study(ies): models of several effects per study need "
            "at least two",
        }[reason]
        super().__init__(detail)


@dataclass(frozen=True)
class Choices:
    """What the reader chose beyond the filters and the estimator."""

    mods: tuple[str, ...] = ()
    subgroup: str = ""
    several: str = "none"

    @classmethod
    def of(cls, mods: Any = (), subgroup: Any = "", several: Any = "") -> Choices:
        """From loose values (a string or a list of strings; blanks ignored)."""
        raw = [mods] if isinstance(mods, str) else list(mods or ())
        names = tuple(dict.fromkeys(str(m).strip() for m in raw if m and str(m).strip()))
        return cls(names, str(subgroup or "").strip(), str(several or "none").strip() or "none")

    @property
    def cluster(self) -> bool:
        return self.several in ("cr2", "multilevel_cr2")

    @property
    def multilevel(self) -> bool:
        return self.several in ("multilevel", "multilevel_cr2")

    def items(self) -> list[tuple[str, str]]:
        """As query parameters (for links and downloads)."""
        out = [("mods", m) for m in self.mods]
        if self.subgroup:
            out.append(("subgroup", self.subgroup))
        if self.several != "none":
            out.append(("several", self.several))
        return out


def moderator_fields(table: pd.DataFrame) -> tuple[str, ...]:
    """The moderators the page offers for these rows: the study and effect fields, then the
    data set's own ``mod_<name>`` columns."""
    own = tuple(c for c in table.columns if str(c).startswith(MOD_PREFIX))
    return MODERATORS + own


def check_choices(choices: Choices, table: pd.DataFrame) -> Choices:
    """The choices if each names a known field (:class:`ChoiceError` ``unknown`` otherwise)."""
    known = moderator_fields(table)
    for name in choices.mods:
        if name.startswith(MOD_PREFIX) and name not in known and OWN_NAME.fullmatch(name):
            # A data set's own moderator, not recorded for these effects (another subset's).
            raise ChoiceError("absent", name, name[len(MOD_PREFIX) :])
        if name not in known:
            raise ChoiceError("unknown", "mods", name, known)
    if choices.subgroup and choices.subgroup not in SUBGROUPS:
        raise ChoiceError("unknown", "subgroup", choices.subgroup, SUBGROUPS)
    if choices.several not in SEVERAL:
        raise ChoiceError("unknown", "several", choices.several, SEVERAL)
    if choices.several != "none" and table["study_id"].nunique() < 2:
        raise ChoiceError("too_few_studies", "study_id", str(table["study_id"].nunique()))
    return choices


def _values(table: pd.DataFrame, name: str) -> pd.Series:
    """A field's values with blanks as missing."""
    values = table[name]
    return values.where(values.astype(str).str.strip() != "", None)


def _numeric(values: pd.Series) -> pd.Series | None:
    converted = pd.to_numeric(values, errors="coerce")
    return converted if converted.notna().all() else None


def moderator_columns(table: pd.DataFrame, mods: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """The table with one numeric column per coefficient of ``mods`` (``year``; ``design:rct``
    for a level of a categorical field; see the module docstring), and their names in order."""
    out = table.copy()
    names: list[str] = []
    for name in mods:
        values = _values(table, name)
        missing = int(values.isna().sum())
        if missing:
            raise ChoiceError("missing", name, str(missing))
        if values.nunique() < 2:
            raise ChoiceError("constant", name, str(values.iloc[0]))
        numbers = _numeric(values) if name in NUMERIC or name.startswith(MOD_PREFIX) else None
        if numbers is not None:
            out[name] = numbers.astype(float)
            names.append(name)
            continue
        text = values.astype(str)
        for level in sorted(text.unique())[1:]:  # the first level is the reference
            column = f"{name}:{level}"
            out[column] = (text == level).astype(float).to_numpy()
            names.append(column)
    return out, names


def subgroup_labels(table: pd.DataFrame, field: str) -> np.ndarray:
    """Each row's group for ``field``, refused when a group has one effect or there is one
    group (a subgroup analysis needs two groups of two effects or more)."""
    values = _values(table, field)
    missing = int(values.isna().sum())
    if missing:
        raise ChoiceError("missing", field, str(missing))
    sizes = values.astype(str).value_counts()
    if len(sizes) < 2:
        raise ChoiceError("one_group", field, str(sizes.index[0]))
    single = sorted(sizes[sizes < 2].index)
    if single:
        raise ChoiceError("single_group", field, ", ".join(single))
    return values.astype(str).to_numpy()
