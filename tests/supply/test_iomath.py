"""The input-output core against published numbers, its three solver paths and its refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from target87.supply.errors import SupplyError
from target87.supply.generate import random_arrays
from target87.supply.iomath import (
    LeontiefSolver,
    calc_A,
    calc_B,
    calc_G,
    calc_L,
    calc_M,
    calc_M_down,
    calc_S,
    calc_x,
)

METHODS = ["dense", "splu", "iterative"]

# Miller and Blair (2009), Input-Output Analysis, 2nd ed., section 2.3.
MB_Z = np.array([[150.0, 500.0], [200.0, 100.0]])
MB_F = np.array([[350.0], [1700.0]])
MB_L = np.array([[1.25412541, 0.330033], [0.2640264, 1.12211221]])


def labelled(values: np.ndarray, sectors: list[tuple[str, str]]) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(sectors, names=["region", "sector"])
    return pd.DataFrame(values, index=index, columns=index)


def test_miller_blair_two_sector_example():
    x = calc_x(MB_Z, MB_F)
    np.testing.assert_allclose(x, [1000.0, 2000.0], rtol=0, atol=1e-12)
    A = calc_A(MB_Z, x)
    np.testing.assert_allclose(A, [[0.15, 0.25], [0.2, 0.05]], atol=1e-15)
    np.testing.assert_allclose(calc_L(A), MB_L, atol=5e-9)  # the book prints 8 decimals
    for method in METHODS:
        solver = LeontiefSolver(A, method=method)
        np.testing.assert_allclose(solver.solve(np.eye(2)), MB_L, atol=5e-9)
        np.testing.assert_allclose(solver.solve_T(np.eye(2)).T, MB_L, atol=5e-9)
        # x = L f recovers the outputs the example starts from
        np.testing.assert_allclose(solver.solve(MB_F[:, 0]), [1000.0, 2000.0], rtol=1e-13)


def test_dataframes_keep_their_labels():
    sectors = [("r1", "agriculture"), ("r1", "manufacturing")]
    Z = labelled(MB_Z, sectors)
    Y = pd.DataFrame(MB_F, index=Z.index, columns=pd.MultiIndex.from_tuples([("r1", "hh")]))
    x = calc_x(Z, Y)
    assert x.name == "indout" and x.index.equals(Z.index)
    A = calc_A(Z, x)
    assert isinstance(A, pd.DataFrame) and A.columns.equals(Z.columns)
    L = calc_L(A)
    np.testing.assert_allclose(L.to_numpy(), MB_L, atol=5e-9)
    F = pd.DataFrame([[10.0, 40.0]], index=["child labour"], columns=Z.columns)
    M = calc_M(calc_S(F, x), LeontiefSolver(A))
    np.testing.assert_allclose(M.to_numpy(), (F.to_numpy() / x.to_numpy()) @ MB_L, rtol=1e-7)
    assert list(M.index) == ["child labour"]


def test_zero_output_sector_gets_zero_coefficients():
    Z = np.array([[10.0, 0.0, 5.0], [0.0, 0.0, 0.0], [4.0, 0.0, 20.0]])
    Y = np.array([[20.0], [0.0], [30.0]])
    x = calc_x(Z, Y)
    assert x[1] == 0
    for coefficients in (calc_A(Z, x), calc_B(Z, x), calc_S(np.array([[1.0, 3.0, 2.0]]), x)):
        assert np.isfinite(coefficients).all()
    assert (calc_A(Z, x)[:, 1] == 0).all() and (calc_B(Z, x)[1] == 0).all()
    assert calc_S(np.array([[1.0, 3.0, 2.0]]), x)[0, 1] == 0
    assert (calc_A(sp.csc_array(Z), x).toarray() == calc_A(Z, x)).all()
    solver = LeontiefSolver(calc_A(Z, x))
    np.testing.assert_allclose(solver.solve(Y[:, 0]), x, rtol=1e-13)


def test_column_sum_at_or_above_one_is_refused_naming_the_sector():
    sectors = [("reg1", "food"), ("reg1", "mining"), ("reg2", "food"), ("reg2", "mining")]
    A = np.full((4, 4), 0.1)
    A[:, 3] = [0.4, 0.3, 0.2, 0.3]  # sums to 1.2: inputs cost more than the output
    for method in ["auto", *METHODS]:
        with pytest.raises(SupplyError, match=r"\(reg2, mining\) 1\.2") as caught:
            LeontiefSolver(labelled(A, sectors), method=method)
        assert caught.value.column == "(reg2, mining)"
    A[:, 3] = 0.25  # exactly 1: no value added, I - A singular
    with pytest.raises(SupplyError, match=r"at or above 1 .*\(reg2, mining\)"):
        calc_L(labelled(A, sectors))


def test_nearly_singular_i_minus_a_is_refused():
    # Column sums are 0, yet I - A = [[.5, .5], [.5, .5]] is singular (negative coefficients).
    sectors = [("reg1", "food"), ("reg2", "textiles")]
    for eps in (0.0, 1e-15):
        A = labelled(np.array([[0.5, -0.5 + eps], [-0.5, 0.5]]), sectors)
        with pytest.raises(SupplyError, match=r"singular .*\((reg1, food|reg2, textiles)\)"):
            LeontiefSolver(A, method="dense")
    with pytest.raises(SupplyError, match="singular"):
        LeontiefSolver(sp.csc_array([[0.5, -0.5], [-0.5, 0.5]]), method="splu")
    well = LeontiefSolver(labelled(np.array([[0.5, -0.1], [-0.1, 0.5]]), sectors))
    assert well.condition < 10


def test_nan_in_z_is_refused_naming_the_cell():
    sectors = [("reg1", "food"), ("reg1", "mining"), ("reg2", "food")]
    Z = labelled(np.ones((3, 3)), sectors)
    Z.iloc[0, 2] = np.nan
    Y = pd.DataFrame(np.ones((3, 1)), index=Z.index, columns=["hh"])
    with pytest.raises(SupplyError, match=r"Z .*NaN.*row \(reg1, food\), \(reg2, food\)"):
        calc_x(Z, Y)
    Z.iloc[0, 2] = 1.0
    Y.iloc[1, 0] = np.inf
    with pytest.raises(SupplyError, match=r"Y .*row \(reg1, mining\), hh"):
        calc_x(Z, Y)
    with pytest.raises(SupplyError, match=r"A .*row sector 1"):
        LeontiefSolver(sp.csc_array(np.array([[0.1, 0.0], [np.nan, 0.2]])))


def test_negative_output_is_refused_naming_the_sector():
    sectors = [("reg1", "food"), ("reg2", "food")]
    Z = labelled(np.array([[1.0, 2.0], [1.0, 1.0]]), sectors)
    Y = pd.DataFrame([[5.0], [-10.0]], index=Z.index, columns=["hh"])
    with pytest.raises(SupplyError, match=r"output x of \(reg2, food\) is -8"):
        calc_x(Z, Y)


@pytest.fixture(scope="module")
def system():
    Z, Y, F, _ = random_arrays(3, 20, n_categories=2, density=0.2, seed=3)
    x = calc_x(Z, Y)
    return Z, Y, F, x, calc_A(Z, x)


def test_sparse_dense_and_series_paths_agree(system):
    Z, Y, F, x, A = system
    rng = np.random.default_rng(1)
    b = rng.normal(size=(A.shape[0], 7))
    reference = np.linalg.solve(np.eye(A.shape[0]) - A.toarray(), b)
    reference_T = np.linalg.solve((np.eye(A.shape[0]) - A.toarray()).T, b)
    for method in METHODS:
        for matrix in (A, A.toarray()):
            solver = LeontiefSolver(matrix, method=method)
            assert solver.method == method
            np.testing.assert_allclose(solver.solve(b), reference, rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(solver.solve_T(b), reference_T, rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(solver.solve(Y.sum(axis=1)), x, rtol=1e-12)
    S = calc_S(F, x)
    L = calc_L(A.toarray())
    for method in METHODS:
        np.testing.assert_allclose(calc_M(S, LeontiefSolver(A, method=method)), S @ L, rtol=1e-11)
    np.testing.assert_allclose(calc_M(S, L), S @ L, rtol=1e-15)


def test_series_without_perron_deflation_when_coefficients_are_negative(system):
    *_, A = system
    A = A.toarray()
    A[0, 1] = -0.01  # a negative coefficient: only the plain Neumann series is safe
    solver = LeontiefSolver(A, method="iterative")
    assert solver._perron is None
    np.testing.assert_allclose(solver.solve(np.eye(len(A))), np.linalg.inv(np.eye(len(A)) - A))


def test_auto_picks_dense_splu_or_series_by_size_and_density():
    assert LeontiefSolver(np.eye(3) * 0.5).method == "dense"
    n = 2000
    sparse = sp.random_array((n, n), density=0.001, format="csc", rng=5) * 0.1
    assert LeontiefSolver(sparse).method == "splu"
    moderate = sp.random_array((n, n), density=0.01, format="csc", rng=5) * (0.5 / 20)
    solver = LeontiefSolver(moderate)
    assert solver.method == "iterative"
    b = np.ones(n)
    x = solver.solve(b)
    np.testing.assert_allclose(x - moderate @ x, b, atol=1e-12)


def test_ghosh_inverse_and_downstream_multipliers(system):
    Z, _, F, x, A = system
    B = calc_B(Z, x).toarray()
    G = np.linalg.inv(np.eye(len(B)) - B)
    for method in METHODS:
        solver = LeontiefSolver(A, method=method)
        np.testing.assert_allclose(calc_G(solver, x), G, rtol=1e-10, atol=1e-13)
        S = calc_S(F, x)
        np.testing.assert_allclose(
            calc_M_down(S, solver, x), S @ (G.T - np.eye(len(G))), rtol=1e-10, atol=1e-14
        )
