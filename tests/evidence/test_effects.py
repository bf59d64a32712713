"""escalc() and the regression conversions against metafor's numbers and formulas.

References (metafor GitHub, commit 71ae8f5, tests/testthat/...):
- test_misc_escalc.r, lines 7-14 (RR, dat.bcg study 1: yi -0.8893, vi 0.3256) and 57-63 (SMD,
  dat.normand1999 studies 1-4).
- test_misc_rma_uni.r, lines 34-44 (REML tau2 of those four SMDs: 1.0090).
- test_analysis_example_normand1999.r, lines 65-69 (MD variances from the pooled SD; checks the
  data file).
- R/escalc.r (zero-cell rule ``to="only0"``, PCOR variance ``(1 - r^2)^2 / (n - m)``).
"""

from __future__ import annotations

import numpy as np
import pytest

from target87.evidence import EvidenceError, escalc, logit_to_lor, lpm_to_rd, rma, t_to_partial_r
from target87.evidence.effects import hedges_correction
from tests.evidence import bcg, close, normand


def test_rr_bcg_study1():
    d = bcg()
    es = escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    close([es.yi[0], es.vi[0]], [-0.8893, 0.3256])
    assert es.measure == "RR" and len(es) == 13 and not es.added.any()


def test_n_form_equals_cell_form():
    d = bcg()
    a = escalc("OR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    b = escalc("OR", ai=d.tpos, n1i=d.tpos + d.tneg, ci=d.cpos, n2i=d.cpos + d.cneg)
    np.testing.assert_allclose(a.yi, b.yi)
    np.testing.assert_allclose(a.vi, b.vi)


def test_smd_normand1999():
    d = normand().iloc[:4]
    es = escalc("SMD", m1i=d.m1i, m2i=d.m2i, sd1i=d.sd1i, sd2i=d.sd2i, n1i=d.n1i, n2i=d.n2i)
    close(es.yi, [-0.3552, -0.3479, -2.3176, -1.8880])
    close(es.vi, [0.0131, 0.0645, 0.0458, 0.1606])
    close(rma(es.yi, es.vi).tau2, 1.0090)


def test_normand_data_file_matches_md_variances():
    d = normand()
    sdp2 = ((d.n1i - 1) * d.sd1i**2 + (d.n2i - 1) * d.sd2i**2) / (d.n1i + d.n2i - 2)
    close((d.m1i - d.m2i).to_numpy(), [-20, -2, -55, -71, -4, 1, 11, -10, 7])
    close(
        (sdp2 * (1 / d.n1i + 1 / d.n2i)).to_numpy(),
        [40.5863, 2.0468, 15.2809, 150.2222, 20.1923, 1.2235, 95.3756, 8.0321, 20.6936],
    )


def test_hedges_correction_exact_and_large_m():
    from scipy.special import gamma

    m = 10.0
    assert hedges_correction(m) == pytest.approx(
        gamma(m / 2) / (np.sqrt(m / 2) * gamma((m - 1) / 2))
    )
    assert hedges_correction(5000.0) == pytest.approx(1 - 3 / (4 * 5000 - 1), rel=1e-8)


def test_zero_cells_only_affected_tables():
    es = escalc("OR", ai=[0, 5], bi=[10, 5], ci=[3, 2], di=[7, 8])
    assert es.added.tolist() == [True, False]
    close(es.yi[0], np.log(0.5 * 7.5 / (10.5 * 3.5)), tol=1e-12)
    close(es.vi[0], 1 / 0.5 + 1 / 10.5 + 1 / 3.5 + 1 / 7.5, tol=1e-12)
    close(es.yi[1], np.log(5 * 8 / (5 * 2)), tol=1e-12)
    assert any("add=0.5" in n for n in es.notes)
    rr = escalc("RR", ai=[0], bi=[10], ci=[3], di=[7])
    close(rr.yi, np.log((0.5 / 11) / (3.5 / 11)), tol=1e-12)


def test_drop00_and_to_all():
    es = escalc("OR", ai=[0, 2], bi=[10, 8], ci=[0, 3], di=[9, 7], drop00=True)
    assert np.isnan(es.yi[0]) and es.dropped.tolist() == [True, False]
    al = escalc("OR", ai=[1, 2], bi=[10, 8], ci=[1, 3], di=[9, 7], to="all")
    close(al.yi[1], np.log(2.5 * 7.5 / (8.5 * 3.5)), tol=1e-12)
    none = escalc("OR", ai=[0, 2], bi=[10, 8], ci=[1, 3], di=[9, 7], to="none")
    assert not np.isfinite(none.yi[0])


def test_rd_plo_pr():
    rd = escalc("RD", ai=[10], n1i=[50], ci=[5], n2i=[40])
    close(rd.yi, 0.2 - 0.125, tol=1e-12)
    close(rd.vi, 0.2 * 0.8 / 50 + 0.125 * 0.875 / 40, tol=1e-12)
    plo = escalc("PLO", xi=[10, 0], ni=[40, 20])
    close(plo.yi, [np.log(10 / 30), np.log(0.5 / 20.5)], tol=1e-12)
    close(plo.vi, [1 / 10 + 1 / 30, 1 / 0.5 + 1 / 20.5], tol=1e-12)
    pr = escalc("PR", xi=[10], ni=[40])
    close([pr.yi[0], pr.vi[0]], [0.25, 0.25 * 0.75 / 40], tol=1e-12)


def test_gen_and_conversions():
    g = escalc("GEN", yi=[0.1, 0.2], sei=[0.1, 0.2])
    close(g.vi, [0.01, 0.04], tol=1e-12)
    assert lpm_to_rd([-0.03], [0.01]).measure == "RD"
    lor = logit_to_lor([-0.2], [0.05])
    close([lor.yi[0], lor.vi[0]], [-0.2, 0.0025], tol=1e-12)
    pc = t_to_partial_r([2.0], [98])
    r = 2 / np.sqrt(4 + 98)
    close([pc.yi[0], pc.vi[0]], [r, (1 - r**2) ** 2 / 99], tol=1e-12)


def test_bad_escalc_input():
    with pytest.raises(EvidenceError, match="unknown measure"):
        escalc("XYZ", yi=[1], vi=[1])
    with pytest.raises(EvidenceError, match="negative count bi"):
        escalc("OR", ai=[12], n1i=[10], ci=[1], n2i=[10])
    with pytest.raises(EvidenceError, match="differ in length"):
        escalc("OR", ai=[1, 2], bi=[3], ci=[1, 2], di=[3, 4])
    with pytest.raises(EvidenceError, match="SMD needs"):
        escalc("SMD", m1i=[1])
    with pytest.raises(EvidenceError, match="standard errors must be positive"):
        lpm_to_rd([0.1], [0.0])
