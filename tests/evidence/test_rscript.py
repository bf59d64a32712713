"""The R script that reproduces an analysis with metafor: checked by its text (R is not
installed here)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from target87.evidence.rscript import r_number, r_script, r_string


def _table(computed: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["a", "b", "c"],
            "effect_id": ["1", "1", "2"],
            "citation": ['Smith "J." (2001)', "Doe\\Roe (2002)", "Zhang (2003)"],
            "intervention": ["cct", "cct", "uct"],
            "outcome": ["child_labour"] * 3,
            "yi": [-0.1, -0.2, 0.1 / 3],
            "vi": [0.01, 0.02, 0.03],
            "ai": [10.0, None, None] if computed else [None] * 3,
            "bi": [90.0, None, None] if computed else [None] * 3,
            "ci": [20.0, None, None] if computed else [None] * 3,
            "di": [80.0, None, None] if computed else [None] * 3,
            "n1i": [None] * 3,
            "n2i": [None] * 3,
            "computed": [computed, False, False],
        }
    )


def test_literals_round_trip():
    assert r_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    assert r_number(None) == "NA" and r_number(float("nan")) == "NA"
    assert float(r_number(0.1 / 3)) == 0.1 / 3
    assert r_number(np.float64(2.5)) == "2.5"


def test_the_script_names_metafors_functions_with_our_settings():
    script = r_script(_table(False), measure="RD", method="DL", test="knha", level=90)
    assert "library(metafor)" in script
    assert 'rma(yi, vi, data = dat, method = "DL", test = "knha", level = 90,' in script
    assert 'res.bias <- rma(yi, vi, data = dat, method = "DL"' in script
    assert 'regtest(res.bias, model = "rma", predictor = "sei")' in script
    assert "ranktest(res.bias)" in script and 'trimfill(res.bias, estimator = "L0")' in script
    assert "escalc(" not in script  # every estimate was given
    assert 'Smith \\"J.\\" (2001)' in script and "Doe\\\\Roe" in script
    yi = re.search(r"yi = c\(([^)]*)\)", script).group(1)
    assert [float(x) for x in yi.split(",")] == [-0.1, -0.2, 0.1 / 3]


def test_raw_rows_are_computed_by_escalc_in_r():
    script = r_script(_table(True), measure="OR", subgroups=True)
    assert 'escalc(measure = "OR", ai = ai, bi = bi, ci = ci, di = di, data = dat[raw, ])' in script
    assert "dat$yi[raw] <- es$yi" in script and "yi = c(NA, -0.20000000000000001" in script
    assert "mods = ~ factor(intervention)" in script
    assert 'method = "REML", test = "z", level = 95' in script
