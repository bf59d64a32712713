"""An R script that reproduces an analysis with metafor, so that a reviewer can check our
numbers: the rows analysed inline as a ``data.frame`` (every number written with 17
significant digits), ``escalc`` on the rows whose estimate we computed from raw data, then
``rma`` with the same ``method``, ``test`` and ``level``, the subgroup model by intervention
when the page showed one, and ``regtest``, ``ranktest`` and ``trimfill`` on the model the bias
tests use (``rma`` with the same method and a z test, as :func:`evidence.analysis.bias_tests`).

tests/web/test_evidence_metafor.py runs the script of the analysis page with R's metafor
(Debian's r-cran-metafor and r-cran-clubsandwich, installed by .ci/run) and compares its numbers
with ours. Run it with ``Rscript analysis.R`` after ``install.packages("metafor")``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

RAW_BINARY = ("ai", "bi", "ci", "di", "n1i", "n2i")
RAW_MEANS = ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i")
TEXT_COLUMNS = ("study_id", "effect_id", "citation", "intervention", "outcome")


def r_string(value: Any) -> str:
    """An R string literal (double quotes, escapes for backslash, quote and line breaks)."""
    text = str(value)
    for old, new in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        text = text.replace(old, new)
    return f'"{text}"'


def r_number(value: Any) -> str:
    """A number as R reads it back exactly (``NA`` for missing)."""
    if value is None:
        return "NA"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "NA"
    if math.isnan(number):
        return "NA"
    if math.isinf(number):
        return "Inf" if number > 0 else "-Inf"
    return format(number, ".17g")


def _vector(values: list[str]) -> str:
    body = ",\n    ".join(", ".join(values[i : i + 6]) for i in range(0, len(values), 6))
    return f"c(\n    {body}\n  )" if len(values) > 6 else f"c({body})"


def _numeric(table: pd.DataFrame, name: str) -> bool:
    return bool(pd.to_numeric(table[name], errors="coerce").notna().all())


def _formula(table: pd.DataFrame, mods: list[str]) -> str:
    """``~ year + factor(design)``: numbers as they are, text as a factor (its first level in
    sorted order the reference, as :func:`evidence.choices.moderator_columns`)."""
    terms = [m if _numeric(table, m) else f"factor({m})" for m in mods]
    return "~ " + " + ".join(terms)


def _data_frame(table: pd.DataFrame, numbers: list[str], texts: tuple[str, ...] = ()) -> str:
    columns = []
    for name in (*TEXT_COLUMNS, *texts):
        columns.append(f"  {name} = {_vector([r_string(v) for v in table[name]])}")
    for name in numbers:
        columns.append(f"  {name} = {_vector([r_number(v) for v in table[name]])}")
    return "dat <- data.frame(\n" + ",\n".join(columns) + ",\n  stringsAsFactors = FALSE\n)"


def r_script(
    table: pd.DataFrame,
    *,
    measure: str,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    subgroups: bool = False,
    title: str = "target87 evidence analysis",
    source: str = "",
    mods: list[str] | tuple[str, ...] = (),
    subgroup: str = "intervention",
    several: str = "none",
) -> str:
    """The script for :func:`evidence.query.analysis_table`'s rows (``yi``, ``vi``,
    ``computed`` and the raw columns) analysed with these settings; with the page's choices
    (:class:`evidence.choices.Choices`): the meta-regression on ``mods``, subgroups by
    ``subgroup`` (when ``subgroups``), and for ``several`` effects per study
    ``robust(..., clubSandwich = TRUE)`` and/or ``rma.mv(..., random = ~ 1 | study/effect)``."""
    computed = table["computed"].astype(bool) if "computed" in table else None
    raw_cols: tuple[str, ...] = ()
    if computed is not None and computed.any():
        raw_cols = RAW_MEANS if measure in ("SMD", "MD", "ROM") else RAW_BINARY
    used = list(dict.fromkeys([*mods, *([subgroup] if subgroups else [])]))
    used = [c for c in used if c in table.columns and c not in TEXT_COLUMNS]
    numbers = ["yi", "vi", *raw_cols, *(c for c in used if _numeric(table, c))]
    texts = tuple(c for c in used if not _numeric(table, c))
    shown = table.copy()
    if computed is not None:
        # yi/vi of the computed rows are left to escalc, in R, from the raw data.
        shown.loc[computed, ["yi", "vi"]] = float("nan")
    lvl = r_number(level)
    lines = [
        f"# {title}",
        *(f"# {line}" for line in source.splitlines() if line),
        "# Reproduces target87's numbers with metafor (Viechtbauer 2010, J. Stat. Softw. 36(3)).",
        '# Run: install.packages("metafor"); then Rscript analysis.R',
        "",
        "library(metafor)",
        "",
        f"# {len(table)} effects from {table['study_id'].nunique()} studies; measure {measure}.",
        _data_frame(shown, numbers, texts),
        "",
    ]
    if raw_cols:
        if measure in ("RD", "RR", "OR"):
            lines += [
                "# Effects given as counts: bi and di from the group sizes where missing.",
                "raw <- is.na(dat$yi)",
                "dat$bi <- ifelse(is.na(dat$bi), dat$n1i - dat$ai, dat$bi)",
                "dat$di <- ifelse(is.na(dat$di), dat$n2i - dat$ci, dat$di)",
                f'es <- escalc(measure = "{measure}", ai = ai, bi = bi, ci = ci, di = di, '
                "data = dat[raw, ])",
            ]
        elif measure == "SMD":
            lines += [
                "raw <- is.na(dat$yi)",
                'es <- escalc(measure = "SMD", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, '
                "n1i = n1i, n2i = n2i, data = dat[raw, ])",
            ]
        else:
            lines += [
                "raw <- is.na(dat$yi)",
                f'es <- escalc(measure = "{measure}", m1i = m1i, m2i = m2i, sd1i = sd1i, '
                'sd2i = sd2i, n1i = n1i, n2i = n2i, vtype = "LS", data = dat[raw, ])',
            ]
        lines += ["dat$yi[raw] <- es$yi", "dat$vi[raw] <- es$vi", ""]
    slab = "slab = paste(citation, effect_id)"
    lines += [
        "# The pooled effect, its heterogeneity (tau2, I2, H2, Q) and the prediction interval.",
        f'res <- rma(yi, vi, data = dat, method = "{method}", test = "{test}", level = {lvl}, '
        f"{slab})",
        "print(res)",
        "predict(res)",
        "",
    ]
    if subgroups:
        g = subgroup
        lines += [
            f"# Subgroups by {g}: one model with a common tau2 (test of difference),",
            f"# and a separate model per value of {g}.",
            f'sub <- rma(yi, vi, mods = ~ factor({g}), data = dat, method = "{method}", '
            f'test = "{test}", level = {lvl})',
            "print(sub)",
            f"for (g in unique(dat${g})) {{",
            f'  cat("\\n{g}:", g, "\\n")',
            f'  print(rma(yi, vi, data = dat, subset = {g} == g, method = "{method}", '
            f'test = "{test}", level = {lvl}))',
            "}",
            "",
        ]
    cluster = ", cluster = study_id, clubSandwich = TRUE)"
    if several == "cr2":
        lines += [
            "# Several effects per study: cluster-robust errors by study (CR2, Satterthwaite df;",
            '# needs install.packages("clubSandwich")).',
            f"rob <- robust(res{cluster}",
            "print(rob)",
            "",
        ]
    formula = _formula(table, list(mods)) if mods else ""
    if mods:
        lines += [
            "# Meta-regression on the moderators chosen (a factor's first level is the reference).",
            f'res.mods <- rma(yi, vi, mods = {formula}, data = dat, method = "{method}", '
            f'test = "{test}", level = {lvl})',
            "print(res.mods)",
        ]
        if several == "cr2":
            lines += [
                "# Its test of moderators under CR2: clubSandwich's HTZ Wald test.",
                f"rob.mods <- robust(res.mods{cluster}",
                "print(rob.mods)",
            ]
        lines += [""]
    if several in ("multilevel", "multilevel_cr2"):
        ml_method = "ML" if method == "ML" else "REML"
        ml_test = "t" if test == "knha" else "z"
        ml_mods = f"mods = {formula}, " if mods else ""
        lines += [
            "# Several effects per study: effects within studies (three-level model).",
            f"res.ml <- rma.mv(yi, vi, {ml_mods}random = ~ 1 | study_id/effect_id, data = dat, "
            f'method = "{ml_method}", test = "{ml_test}", level = {lvl})',
            "print(res.ml)",
        ]
        if several == "multilevel_cr2":
            lines += [f"rob.ml <- robust(res.ml{cluster}", "print(rob.ml)"]
        lines += [""]
    lines += [
        "# Small-study effects: on the model with a z test, as target87's bias tests.",
        f'res.bias <- rma(yi, vi, data = dat, method = "{method}", {slab})',
        'regtest(res.bias, model = "rma", predictor = "sei")',
        "ranktest(res.bias)",
        'trimfill(res.bias, estimator = "L0")',
        "",
        "forest(res)",
        "funnel(res)",
        "",
    ]
    return "\n".join(lines)
