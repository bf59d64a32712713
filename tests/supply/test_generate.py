"""The random test systems are valid input-output systems, flagged as made up."""

from __future__ import annotations

import numpy as np

from target87.supply.generate import SYNTHETIC_SOURCE, random_mrio
from target87.supply.iomath import calc_A, calc_S, calc_x


def test_random_mrio_is_a_valid_flagged_system():
    mrio = random_mrio(3, 10, n_categories=2, n_stressors=4, density=0.3, seed=5)
    assert mrio.Z.shape == (30, 30) and mrio.Y.shape == (30, 6)
    assert mrio.demonstration and SYNTHETIC_SOURCE in mrio.extensions["labour"].sources
    assert mrio.regions == ["R01", "R02", "R03"] and len(mrio.sectors) == 10
    x = calc_x(mrio.Z, mrio.Y)
    sums = calc_A(mrio.Z, x).sum(axis=0)
    assert sums.between(0.2 - 1e-12, 0.8 + 1e-12).all()  # the colsum range asked for
    assert (mrio.Z.to_numpy() >= 0).all() and (mrio.Y.to_numpy() > 0).all()
    F = mrio.extensions["labour"].F
    assert F.shape == (4, 30) and ((calc_S(F, x) == 0).to_numpy().mean()) > 0.05
    # home bias: each region buys most of its final demand at home
    home = mrio.Y.T.groupby(level=0).sum().T.groupby(level=0).sum()
    assert (np.diag(home.to_numpy()) > home.to_numpy().sum(axis=0) / 3).all()


def test_same_seed_same_system():
    a, b = random_mrio(2, 5, seed=9), random_mrio(2, 5, seed=9)
    assert a.Z.equals(b.Z) and a.Y.equals(b.Y)
    assert not a.Z.equals(random_mrio(2, 5, seed=10).Z)
