"""subgroups(): separate fits, Q_between, and the common-tau^2 moderator model (dat.bcg by
allocation), checked against the identities metafor's subgroup-analysis tips rely on."""

from __future__ import annotations

import numpy as np
import pytest

from target87.evidence import EvidenceError, rma, subgroups
from tests.evidence import bcg, bcg_rr, close


def test_separate_fits_equal_direct_fits():
    yi, vi = bcg_rr()
    alloc = bcg().alloc.to_numpy()
    s = subgroups(yi, vi, alloc)
    assert s.groups == ["random", "alternate", "systematic"]
    for g in s.groups:
        idx = alloc == g
        direct = rma(yi[idx], vi[idx])
        close(s.separate[g].beta, direct.beta, tol=1e-12)
        close(s.separate[g].tau2, direct.tau2, tol=1e-12)
    # Q_between = QE of an equal-effects model on the subgroup estimates (metafor tips)
    est = [s.separate[g].beta[0] for g in s.groups]
    se = [s.separate[g].se[0] for g in s.groups]
    fe = rma(est, sei=se, method="FE")
    close(s.Q_between, fe.QE, tol=1e-10)
    assert s.Q_between_df == 2


def test_common_tau2_model():
    yi, vi = bcg_rr()
    alloc = bcg().alloc.to_numpy()
    s = subgroups(yi, vi, alloc)
    assert s.common.QM_df == 2
    # the no-intercept model has the same tau^2 and fit; its coefficients are group means
    close(s.common_by_group.tau2, s.common.tau2, tol=1e-8)
    close(s.common.beta[0], s.common_by_group.beta[0], tol=1e-8)
    close(s.common.beta[0] + s.common.beta[1], s.common_by_group.beta[1], tol=1e-8)
    # the subgroup QEs add up to QE of the moderator model
    close(sum(r.QE for r in s.separate.values()), s.common.QE, tol=1e-8)
    knha = subgroups(yi, vi, alloc, test="knha")
    assert knha.test_of_difference["stat"] == "F" and knha.common.F_df == (2, 10)
    assert "Q_between" in s.summary() and s.to_dict()["Q_between_df"] == 2


def test_single_study_subgroup():
    yi, vi = bcg_rr()
    groups = ["a"] * 12 + ["b"]
    with pytest.raises(EvidenceError, match="subgroup 'b' has a single study"):
        subgroups(yi, vi, groups)
    s = subgroups(yi, vi, groups, allow_single_ee=True)
    close(s.separate["b"].beta, yi[12], tol=1e-12)
    assert s.separate["b"].method == "EE" and s.notes


def test_subgroup_bad_input():
    yi, vi = bcg_rr()
    with pytest.raises(EvidenceError, match="at least two groups"):
        subgroups(yi, vi, ["a"] * 13)
    with pytest.raises(EvidenceError, match="labels"):
        subgroups(yi, vi, ["a", "b"])
    assert np.isfinite(subgroups(yi, vi, ["a", "b"] * 6 + ["a"], method="DL").Q_between)
