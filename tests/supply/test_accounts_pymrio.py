"""Every account against pymrio's ``calc_all`` (pymrio 0.7.0, a test-only dependency), the
accounting identity, tiers and both "linked to exports" definitions on hand-checked systems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymrio
import pytest

from target87.supply.accounts import (
    FINAL_DEMAND_DEFINITION,
    GROSS_EXPORTS_DEFINITION,
    calc_accounts,
    footprints,
    linked_to_exports_final_demand,
    linked_to_exports_gross,
    tiers,
)
from target87.supply.errors import SupplyError
from target87.supply.generate import random_mrio
from target87.supply.iomath import LeontiefSolver, calc_A, calc_L, calc_S, calc_x
from target87.supply.system import MRIO, Extension

ACCOUNTS = ["S", "M", "M_down", "S_Y", "D_cba", "D_pba", "D_imp", "D_exp"]
ACCOUNTS += ["D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"]


def to_pymrio(mrio: MRIO) -> pymrio.IOSystem:
    extensions = {
        name: {"name": name, "F": ext.F.copy(), "F_Y": None if ext.F_Y is None else ext.F_Y.copy()}
        for name, ext in mrio.extensions.items()
    }
    return pymrio.IOSystem(Z=mrio.Z.copy(), Y=mrio.Y.copy(), **extensions)


def from_pymrio(io: pymrio.IOSystem) -> MRIO:
    extensions = {
        ext.name: Extension(
            name=ext.name,
            F=ext.F.copy(),
            F_Y=None if ext.F_Y is None else ext.F_Y.copy(),
            sources=["pymrio 0.7.0 test system (made-up numbers)"],
        )
        for ext in io.get_extensions(data=True)
    }
    return MRIO(
        Z=io.Z.copy(),
        Y=io.Y.copy(),
        extensions=extensions,
        origin="pymrio.load_test()",
        demonstration=True,
    )


def assert_close(ours: pd.DataFrame, theirs: pd.DataFrame, what: str, rtol: float = 1e-10):
    """Same labels; every cell within rtol of the account's largest value (relative where
    values are large: emissions run to 1e9, value added to 1e7)."""
    assert set(ours.index) == set(theirs.index), what
    assert set(ours.columns) == set(theirs.columns), what
    a = ours.reindex(index=theirs.index, columns=theirs.columns).to_numpy()
    b = theirs.to_numpy()
    scale = max(1.0, float(np.abs(b).max()))
    gap = float(np.abs(a - b).max()) / scale
    assert gap <= rtol, f"{what}: relative gap {gap:.3g}"


@pytest.fixture(scope="module")
def pymrio_test():
    ours = from_pymrio(pymrio.load_test())
    theirs = pymrio.load_test().calc_all(include_ghosh=True)
    return ours, theirs


@pytest.mark.parametrize("method", ["dense", "splu", "iterative"])
def test_every_account_matches_pymrio_calc_all(pymrio_test, method):
    mrio, io = pymrio_test
    result = footprints(mrio, method=method)
    assert result.method == method
    compared = 0
    for ext in io.get_extensions(data=True):
        ours = result[ext.name]
        for account in ACCOUNTS:
            theirs = getattr(ext, account)
            if theirs is None:  # pymrio has no S_Y for an extension without F_Y
                assert getattr(ours, account) is None, account
                continue
            assert_close(getattr(ours, account), theirs, f"{ext.name}.{account}")
            compared += 1
    assert compared == 2 * len(ACCOUNTS) - 1  # Factor Inputs has no F_Y, hence no S_Y
    pd.testing.assert_series_equal(result.x, io.x["indout"], rtol=1e-13, check_names=False)


def test_random_system_matches_pymrio():
    mrio = random_mrio(4, 12, n_categories=3, density=0.3, seed=11)
    io = to_pymrio(mrio).calc_all(include_ghosh=True)
    result = footprints(mrio)
    for account in ACCOUNTS:
        assert_close(getattr(result["labour"], account), getattr(io.labour, account), account)


def identity_gap(accounts) -> float:
    """pymrio's identity, per region (it then holds for the sums too): the footprint is the
    territorial total plus the imports minus the exports."""
    cba, pba = accounts.D_cba_reg, accounts.D_pba_reg
    imp, exp = accounts.D_imp_reg, accounts.D_exp_reg
    scale = float(cba.abs().to_numpy().max())
    gap = cba - (pba + imp - exp)
    total = cba.sum(axis=1) - (pba.sum(axis=1) + imp.sum(axis=1) - exp.sum(axis=1))
    return max(float(gap.abs().to_numpy().max()), float(total.abs().max())) / scale


def test_pymrio_identity_holds(pymrio_test):
    mrio, _ = pymrio_test
    for accounts in footprints(mrio).extensions.values():
        assert identity_gap(accounts) < 1e-12
    for seed in (1, 2, 3):
        mrio = random_mrio(5, 8, n_categories=2, density=0.4, seed=seed)
        accounts = footprints(mrio)["labour"]
        assert identity_gap(accounts) < 1e-12
        # not trivial: every region imports and exports, and not the same amounts
        assert (accounts.D_imp_reg > 0).all().all() and (accounts.D_exp_reg > 0).all().all()
        assert (accounts.D_imp_reg - accounts.D_exp_reg).abs().to_numpy().min() > 0


def test_calc_accounts_with_arrays_or_explicit_l_equals_labelled(pymrio_test):
    mrio, io = pymrio_test
    x = calc_x(mrio.Z, mrio.Y)
    A = calc_A(mrio.Z, x)
    S = calc_S(mrio.extensions["Emissions"].F, x)
    Y_agg = mrio.Y.T.groupby(level="region", sort=False).sum().T
    labelled = calc_accounts(S, LeontiefSolver(A), Y_agg)
    explicit = calc_accounts(S, calc_L(A), mrio.Y)  # (region, category) summed by region
    arrays = calc_accounts(S.to_numpy(), calc_L(A).to_numpy(), Y_agg.to_numpy(), nr_sectors=8)
    names = ["D_cba", "D_pba", "D_imp", "D_exp"]
    for a, b, c, name in zip(labelled, explicit, arrays, names, strict=True):
        assert_close(a, b, name, rtol=1e-13)
        np.testing.assert_allclose(c, a.to_numpy(), rtol=1e-12)
        assert_close(a, getattr(io.emissions, name), name)


def test_demonstration_and_provenance_are_carried(pymrio_test):
    mrio, _ = pymrio_test
    result = footprints(mrio, ghosh=False)
    assert result.demonstration and result["Emissions"].demonstration
    assert result["Emissions"].M_down is None
    text = result.summary()
    assert "DEMONSTRATION" in text and "pymrio 0.7.0 test system" in text
    assert "D_cba_reg" in text and "reg6" in text


def test_labels_that_disagree_are_refused(pymrio_test):
    mrio, _ = pymrio_test
    F = mrio.extensions["Emissions"].F.copy()
    F.columns = F.columns.set_levels(["reg1", "reg2", "reg3", "reg4", "reg5", "regX"], level=0)
    bad = MRIO(Z=mrio.Z, Y=mrio.Y, extensions={"Emissions": Extension("Emissions", F)})
    with pytest.raises(SupplyError, match=r"F of 'Emissions'.*position 41 is \('regX', 'food'\)"):
        footprints(bad)


def test_tiers_sum_to_the_footprint(pymrio_test):
    mrio, io = pymrio_test
    x = calc_x(mrio.Z, mrio.Y)
    A = calc_A(mrio.Z, x)
    S = calc_S(mrio.extensions["Emissions"].F, x)
    y = mrio.Y.sum(axis=1)
    parts = tiers(S, A, y, n_tiers=3)
    assert list(parts.columns) == ["direct", "tier 1", "tier 2", "tier 3", "rest", "total"]
    np.testing.assert_allclose(parts["direct"], S.to_numpy() @ y.to_numpy(), rtol=1e-14)
    np.testing.assert_allclose(
        parts["tier 1"], S.to_numpy() @ A.to_numpy() @ y.to_numpy(), rtol=1e-13
    )
    np.testing.assert_allclose(parts["total"], io.emissions.M.to_numpy() @ y.to_numpy(), rtol=1e-12)
    summed = parts.drop(columns="total").sum(axis=1)
    np.testing.assert_allclose(summed, parts["total"], rtol=1e-14)
    assert (parts["rest"] > 0).all() and (parts["tier 3"] > parts["rest"] / 100).all()
    # The total footprint of all final demand is the territorial total (F, without F_Y).
    np.testing.assert_allclose(
        parts["total"], mrio.extensions["Emissions"].F.sum(axis=1), rtol=1e-12
    )


def two_regions(Z, Y, F, sectors):
    index = pd.MultiIndex.from_tuples(sectors, names=["region", "sector"])
    columns = pd.MultiIndex.from_tuples([("A", "hh"), ("B", "hh")], names=["region", "category"])
    return (
        pd.DataFrame(Z, index=index, columns=index),
        pd.DataFrame(Y, index=index, columns=columns),
        pd.DataFrame([F], index=["child labour"], columns=index),
    )


def test_gross_exports_share_by_hand():
    # A sells 20 to B's industry and 20 to B's households: gross exports e_A = 40.
    # x_A = 10 + 20 + 50 + 20 = 100, a_AA = 0.1, q_A = 50 / 100 = 0.5;
    # linked = q (1 - a_AA)^-1 e = 0.5 / 0.9 * 40 = 22.2222; direct = 0.5 * 40 = 20.
    Z, Y, F = two_regions(
        [[10.0, 20.0], [30.0, 40.0]],
        [[50.0, 20.0], [10.0, 60.0]],
        [50.0, 14.0],
        [("A", "x"), ("B", "x")],
    )
    linked = linked_to_exports_gross(Z, Y, F)
    assert linked.definition == GROSS_EXPORTS_DEFINITION
    assert linked.total.at["child labour", "A"] == pytest.approx(200 / 9, rel=1e-14)
    assert linked.direct.at["child labour", "A"] == pytest.approx(20.0, rel=1e-14)
    assert linked.upstream.at["child labour", "A"] == pytest.approx(20 / 9, rel=1e-13)
    assert linked.share.at["child labour", "A"] == pytest.approx(200 / 9 / 50, rel=1e-14)
    # B: x_B = 140, a_BB = 40/140, q_B = 0.1, e_B = 30 + 10 = 40.
    assert linked.total.at["child labour", "B"] == pytest.approx(0.1 / (1 - 40 / 140) * 40)
    assert "gross-exports definition" in linked.summary()


def test_gross_exports_two_sectors_against_the_domestic_inverse():
    sectors = [("A", "farm"), ("A", "mill"), ("B", "farm"), ("B", "mill")]
    Z = np.array(
        [[5.0, 30.0, 8.0, 2.0], [1.0, 4.0, 6.0, 3.0], [2.0, 1.0, 10.0, 20.0], [3.0, 2.0, 4.0, 5.0]]
    )
    Y = np.array([[20.0, 5.0], [40.0, 30.0], [4.0, 60.0], [9.0, 50.0]])
    Z, Y, F = two_regions(Z, Y, [40.0, 10.0, 5.0, 1.0], sectors)
    x = Z.sum(axis=1) + Y.sum(axis=1)  # 70, 84, 97, 73
    A_AA = Z.iloc[:2, :2].to_numpy() / x.iloc[:2].to_numpy()
    e_A = np.array([8 + 2 + 5, 6 + 3 + 30])
    q_A = F.iloc[:, :2].to_numpy() / x.iloc[:2].to_numpy()
    expected = (q_A @ np.linalg.inv(np.eye(2) - A_AA)) * e_A
    linked = linked_to_exports_gross(Z, Y, F)
    np.testing.assert_allclose(linked.by_sector.loc[:, "A"].to_numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(linked.direct_by_sector.loc[:, "A"].to_numpy(), q_A * e_A)
    by_sector = linked.by_sector
    np.testing.assert_allclose(
        by_sector, linked.direct_by_sector + linked.upstream_by_sector, rtol=1e-15
    )
    # The mill's exports carry the farm's child labour upstream: most of A's is upstream.
    assert linked.upstream_by_sector.at["child labour", ("A", "mill")] > 0.5 * expected[0, 1]


def test_final_demand_definition_is_pymrios_d_exp(pymrio_test):
    mrio, io = pymrio_test
    accounts = footprints(mrio)["Emissions"]
    linked = linked_to_exports_final_demand(accounts)
    assert linked.definition == FINAL_DEMAND_DEFINITION
    assert_close(linked.total, io.emissions.D_exp_reg, "D_exp_reg")
    share = io.emissions.D_exp_reg / io.emissions.D_pba_reg
    assert_close(linked.share, share, "share", rtol=1e-12)
    assert linked.direct is None and "final-demand definition" in linked.summary()
