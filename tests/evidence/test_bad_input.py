"""Bad input (issue 19, item 11): clear EvidenceError messages naming the study or setting."""

from __future__ import annotations

import json

import numpy as np
import pytest

from target87.evidence import EvidenceError, rma
from tests.evidence import bcg, bcg_rr


def test_nonpositive_variances_named():
    with pytest.raises(EvidenceError, match=r"row 1: vi = 0"):
        rma([0.1, 0.2, 0.3], [0.1, 0.0, 0.1])
    with pytest.raises(EvidenceError, match=r"study 'C' \(row 2\): vi = -0.1"):
        rma([0.1, 0.2, 0.3], [0.1, 0.1, -0.1], slab=["A", "B", "C"])


def test_missing_values_named():
    with pytest.raises(EvidenceError, match="missing or non-finite effect size yi in row 1"):
        rma([0.1, np.nan, 0.3], [0.1, 0.1, 0.1])
    with pytest.raises(EvidenceError, match="missing or non-finite vi in row 0"):
        rma([0.1, 0.2], [np.nan, 0.1])
    with pytest.raises(EvidenceError, match="moderator values in row 2"):
        rma([0.1, 0.2, 0.3, 0.4], [0.1] * 4, mods=[1, 2, np.nan, 4])


def test_k_equal_one():
    with pytest.raises(EvidenceError, match="k = 1"):
        rma([0.3], [0.04])
    res = rma([0.3], [0.04], method="EE")
    assert res.beta[0] == pytest.approx(0.3) and res.I2 == 0 and res.QE == 0


def test_identical_effects_no_nan():
    for method in ("REML", "DL", "ML", "PM", "EB", "HS", "HSk", "HE", "SJ", "EE"):
        res = rma([0.2] * 5, [0.01, 0.02, 0.03, 0.04, 0.05], method=method)
        assert res.tau2 == 0 and res.I2 == 0
        d = json.loads(res.to_json())
        assert d["I2"] == 0 and d["tau2"] == 0


def test_reml_not_converging_raises_and_falls_back():
    yi, vi = bcg_rr()
    with pytest.raises(EvidenceError, match=r"REML did not converge.*after 3 iterations"):
        rma(yi, vi, control={"maxiter": 2})
    res = rma(yi, vi, control={"maxiter": 2, "fallback": "DL"})
    assert res.method == "DL" and "did not converge" in res.fallback
    assert res.tau2 == pytest.approx(0.3088, abs=1e-4)
    assert "fallback" in res.to_dict()


def test_rank_deficient_moderators_named():
    yi, vi = bcg_rr()
    ablat = bcg().ablat.to_numpy(float)
    with pytest.raises(EvidenceError, match="not of full rank.*ablat2"):
        rma(yi, vi, mods=np.column_stack([ablat, 2 * ablat]), mod_names=["ablat", "ablat2"])
    with pytest.raises(EvidenceError, match="no degrees of freedom"):
        rma(yi[:2], vi[:2], mods=[1.0, 2.0])


def test_other_settings_refused():
    yi, vi = bcg_rr()
    with pytest.raises(EvidenceError, match="unknown method"):
        rma(yi, vi, method="XYZ")
    with pytest.raises(EvidenceError, match="unknown test"):
        rma(yi, vi, test="wald")
    with pytest.raises(EvidenceError, match="unknown control"):
        rma(yi, vi, control={"nope": 1})
    with pytest.raises(EvidenceError, match="yi has 13 values but vi has 2"):
        rma(yi, vi[:2])
    assert issubclass(EvidenceError, ValueError)


def test_fixed_tau2():
    yi, vi = bcg_rr()
    res = rma(yi, vi, tau2=0.3132433259808949)
    assert res.beta[0] == pytest.approx(-0.7145, abs=1e-4) and res.tau2_fixed
