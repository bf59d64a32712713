"""The HTZ Wald test of several moderators under CR2 (:mod:`target87.evidence.htz`) against
clubSandwich's ``Wald_test(test = "HTZ")`` as metafor's ``robust(res, cluster,
clubSandwich = TRUE)`` reports it, R run on the same data in the test; and its reduction to
the Satterthwaite t test for one constraint.

Skipped where R is missing, unless TARGET87_REQUIRE_R=1 (CI), where a missing R fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from target87.evidence.htz import htz_wald_test
from target87.evidence.multilevel import rma_mv
from target87.evidence.rma import rma
from target87.evidence.robust import robust
from tests.evidence import test_robust

DATA = Path(__file__).parent / "data"
bcg = test_robust.bcg  # fixture: dat.bcg with escalc(measure="RR")
RSCRIPT = shutil.which("Rscript")
needs_r = pytest.mark.skipif(
    RSCRIPT is None and os.environ.get("TARGET87_REQUIRE_R") != "1",
    reason="R (Rscript with metafor and clubSandwich) is not installed",
)
# Clusters of dat.bcg's 13 trials: balanced-ish (3, 3, 3, 2, 2) and unbalanced (7, 3, 2, 1).
GROUPINGS = {
    "five": [(i % 5) + 1 for i in range(13)],
    "unbalanced": [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4],
}

R_BCG = r"""
suppressMessages(library(metafor))
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg,
              data = read.csv("bcg_counts.csv"))
out <- list()
for (name in names(groups)) {
  res <- rma(yi, vi, mods = ~ ablat + year, data = dat)
  r <- robust(res, cluster = groups[[name]], clubSandwich = TRUE)
  out[[name]] <- list(QM = r$QM, QMdf = r$QMdf, QMp = r$QMp, test = r$wald_test)
}
ml <- read.csv("konstantopoulos2011.csv")
res <- rma.mv(yi, vi, mods = ~ year + school, random = ~ 1 | district/school, data = ml)
r <- robust(res, cluster = ml$district, clubSandwich = TRUE)
out$ml <- list(QM = r$QM, QMdf = r$QMdf, QMp = r$QMp, test = r$wald_test,
               sigma2 = as.numeric(res$sigma2))
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE))
"""


@pytest.fixture(scope="module")
def r_numbers(tmp_path_factory) -> dict:
    where = tmp_path_factory.mktemp("htz-r")
    for name in ("bcg_counts.csv", "konstantopoulos2011.csv"):
        shutil.copyfile(DATA / name, where / name)
    groups = ", ".join(f"{k} = c({', '.join(map(str, v))})" for k, v in GROUPINGS.items())
    (where / "htz.R").write_text(f"groups <- list({groups})\n{R_BCG}", encoding="utf-8")
    done = subprocess.run(
        [RSCRIPT or "Rscript", "--vanilla", "htz.R"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@needs_r
@pytest.mark.parametrize("grouping", sorted(GROUPINGS))
def test_two_moderators_equal_clubsandwich(bcg, r_numbers, grouping):
    res = rma(bcg.yi, bcg.vi, mods=np.column_stack([bcg.ablat, bcg.year]))
    mine, theirs = robust(res, GROUPINGS[grouping], clubSandwich=True), r_numbers[grouping]
    assert theirs["test"] == mine.QM_test == "HTZ"
    assert pytest.approx(theirs["QM"], rel=1e-8) == mine.QM
    assert mine.QM_df == pytest.approx(theirs["QMdf"], rel=1e-8)
    assert mine.QMp == pytest.approx(theirs["QMp"], rel=1e-8)


@needs_r
def test_multilevel_fit_with_unbalanced_clusters_equals_clubsandwich(r_numbers):
    ml = pd.read_csv(DATA / "konstantopoulos2011.csv")
    fit = rma_mv(
        ml.yi,
        ml.vi,
        study=ml.district,
        effect=ml.school,
        mods=ml[["year", "school"]].to_numpy(float),
        mod_names=["year", "school"],
    )
    theirs = r_numbers["ml"]
    # the variance components come from an optimiser each side
    assert fit.sigma2 == pytest.approx(theirs["sigma2"], rel=1e-5)
    mine = robust(fit, ml.district, clubSandwich=True)
    assert pytest.approx(theirs["QM"], rel=1e-6) == mine.QM
    assert mine.QM_df == pytest.approx(theirs["QMdf"], rel=1e-6)
    assert mine.QMp == pytest.approx(theirs["QMp"], rel=1e-6)


def test_one_constraint_is_the_satterthwaite_t_test(bcg):
    # q = 1: nu = tr(P)^2 / tr(P^2), delta = 1, F = t^2 -- the per-coefficient CR2 test
    res = rma(bcg.yi, bcg.vi, mods=np.column_stack([bcg.ablat, bcg.year]))
    cluster = np.array(GROUPINGS["unbalanced"])
    rob = robust(res, cluster, clubSandwich=True)
    X, V = np.asarray(res.X), np.diag(np.asarray(res.vi) + res.tau2)
    W = np.linalg.inv(V)
    M = np.linalg.inv(X.T @ W @ X)
    idx = [np.flatnonzero(cluster == c) for c in np.unique(cluster)]
    est = [M @ X[ix].T @ W[np.ix_(ix, ix)] @ A for ix, A in zip(idx, rob.A, strict=True)]
    blocks = [V[np.ix_(ix, ix)] for ix in idx]
    for i in range(3):
        C = np.eye(3)[[i]]
        test = htz_wald_test(C, rob.beta, rob.vb, M, est, blocks, [X[ix] for ix in idx])
        assert test.df_denom == pytest.approx(rob.dfs[i], rel=1e-10)
        assert test.Fstat == pytest.approx(rob.zval[i] ** 2, rel=1e-10)
        assert test.p_val == pytest.approx(rob.pval[i], rel=1e-8)
