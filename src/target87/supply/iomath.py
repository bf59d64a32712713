"""The input-output algebra: pure functions named after their symbols, as pymrio's ``iomath``.

Conventions are pymrio's and Miller and Blair's: ``Z`` the inter-industry flows (rows sell to
columns), ``Y`` final demand, ``x`` total output, ``A`` the technical coefficients, ``L = (I -
A)^-1`` the Leontief inverse, ``F`` a satellite account (stressors x sectors), ``S`` its
intensities and ``M`` the multipliers. The functions take pandas DataFrames (and then return
them with the same labels), NumPy arrays or, where it says so, SciPy sparse arrays.

``L`` is never formed for a large system: :class:`LeontiefSolver` factorises ``I - A`` once and
solves for the right-hand sides that are asked for (``L b`` and ``b' L``), so the multipliers of
five stressors cost five solves, not an ``n x n`` inverse.

References
----------
[MB] Miller, R. E. and Blair, P. D. (2009), *Input-Output Analysis: Foundations and Extensions*,
2nd ed., Cambridge University Press: ch. 2 (the Leontief model, the two-sector example of
section 2.3), ch. 12 (the Ghosh supply-side model).
[pymrio] Stadler, K. (2021), "Pymrio - A Python Based Multi-Regional Input-Output Analysis
Toolbox", *Journal of Open Research Software* 9(1): 8, doi:10.5334/jors.251.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .errors import SupplyError

Matrix = pd.DataFrame | np.ndarray | sp.sparray | sp.spmatrix

RCOND_MIN = 1e-12  # below this reciprocal condition number, I - A is "nearly singular"
DENSE_UP_TO = 1500  # LAPACK's LU is fastest for any small system
SPLU_DENSITY = 0.002  # SuperLU's fill-in stays small only for really sparse tables
NEUMANN_RTOL = 1e-15  # the Neumann tail bound, relative to the solution
NEUMANN_MAX_ITER = 400  # beyond this (||A||_1 > ~0.92), factorising densely is cheaper
DEFLATED_RTOL = 1e-13  # the proven relative error of the deflated series
PERRON_ITER = 60
SERIES_CHUNK = 48  # right-hand sides per pass of the series


def _label(labels: pd.Index | None, i: int) -> str:
    if labels is None:
        return f"sector {i}"
    value = labels[i]
    return f"({', '.join(map(str, value))})" if isinstance(value, tuple) else str(value)


def _values(m: Matrix) -> np.ndarray | sp.sparray:
    if isinstance(m, pd.DataFrame | pd.Series):
        return m.to_numpy(dtype=float)
    if sp.issparse(m):
        return sp.csc_array(m)
    return np.asarray(m, dtype=float)


def _vector(v, labels: pd.Index | None = None) -> np.ndarray:
    """A 1-D float array; a Series or one-column DataFrame is aligned on ``labels`` first."""
    if isinstance(v, pd.DataFrame):
        if v.shape[1] != 1:
            raise SupplyError(f"an output vector has one column, not {v.shape[1]}")
        v = v.iloc[:, 0]
    if isinstance(v, pd.Series) and labels is not None and not v.index.equals(labels):
        missing = labels.difference(v.index)
        if len(missing):
            raise SupplyError(f"the output vector has no value for {missing[0]}")
        v = v.reindex(labels)
    return np.asarray(v, dtype=float).ravel()


def _reciprocal(x: np.ndarray) -> np.ndarray:
    """``1/x`` with 0 where ``x`` is 0: a sector without output gets zero coefficients."""
    return np.divide(1.0, x, out=np.zeros_like(x, dtype=float), where=x != 0)


def check_finite(m: Matrix, name: str) -> None:
    """Refuse a matrix with a missing (NaN) or infinite cell, naming the cell's row and column."""
    if sp.issparse(m):
        coo = sp.coo_array(m)
        bad = np.flatnonzero(~np.isfinite(coo.data))
        if len(bad) == 0:
            return
        i, j = int(coo.row[bad[0]]), int(coo.col[bad[0]])
        rows = cols = None
    else:
        values = m.to_numpy(dtype=float) if isinstance(m, pd.DataFrame) else np.asarray(m, float)
        values = values.reshape(len(values), -1)
        bad = ~np.isfinite(values)
        if not bad.any():
            return
        i, j = (int(k[0]) for k in np.nonzero(bad))
        rows = m.index if isinstance(m, pd.DataFrame) else None
        cols = m.columns if isinstance(m, pd.DataFrame) else None
        if isinstance(m, pd.Series):
            rows = m.index
    row, col = _label(rows, i), _label(cols, j) if cols is not None else f"column {j}"
    raise SupplyError(
        f"{name} has a missing (NaN) or infinite value at row {row}, {col}", column=col
    )


def check_output(x: np.ndarray, labels: pd.Index | None = None) -> None:
    """Refuse negative or missing total output, naming the (region, sector)."""
    bad = np.flatnonzero(~(x >= 0))
    if len(bad):
        i = int(bad[0])
        raise SupplyError(
            f"total output x of {_label(labels, i)} is {x[i]:.6g}: negative or missing output "
            f"({len(bad)} sector(s) in all); check Z and Y for that row",
            column=_label(labels, i),
        )


def calc_x(Z: Matrix, Y: Matrix) -> pd.Series | np.ndarray:
    """Total output: ``x = Z 1 + Y 1`` ([MB] eq. 2.1; pymrio ``calc_x``).

    Refuses NaN in ``Z`` or ``Y`` (naming the cell) and negative output (naming the sector).
    A DataFrame ``Z`` gives a Series named ``"indout"`` on ``Z``'s index.
    """
    check_finite(Z, "Z")
    check_finite(Y, "Y")
    labels = Z.index if isinstance(Z, pd.DataFrame) else None
    if isinstance(Z, pd.DataFrame) and isinstance(Y, pd.DataFrame) and not Y.index.equals(labels):
        raise SupplyError("the rows of Y are not the rows of Z (same labels, same order)")
    z, y = _values(Z), _values(Y)
    x = np.asarray(z.sum(axis=1)).ravel() + np.asarray(y.sum(axis=1)).ravel()
    check_output(x, labels)
    return pd.Series(x, index=labels, name="indout") if labels is not None else x


def calc_A(Z: Matrix, x) -> Matrix:
    """Technical coefficients: ``A = Z diag(x)^-1`` ([MB] eq. 2.4; pymrio ``calc_A``).

    A sector with zero output gets a column of zeros, not NaN or infinity. A sparse ``Z``
    gives a sparse (CSC) ``A``.
    """
    recix = _reciprocal(_vector(x, Z.columns if isinstance(Z, pd.DataFrame) else None))
    if isinstance(Z, pd.DataFrame):
        return pd.DataFrame(Z.to_numpy(dtype=float) * recix, index=Z.index, columns=Z.columns)
    if sp.issparse(Z):
        return sp.csc_array(sp.csc_array(Z) @ sp.diags_array(recix))
    return np.asarray(Z, dtype=float) * recix


def calc_S(F: Matrix, x) -> Matrix:
    """Stressor intensities: ``S = F diag(x)^-1`` (pymrio ``calc_S``); zero output, zero ``S``."""
    return calc_A(F, x)


def calc_F(S: Matrix, x) -> Matrix:
    """Stressors from intensities: ``F = S diag(x)`` (pymrio ``calc_F``)."""
    xv = _vector(x, S.columns if isinstance(S, pd.DataFrame) else None)
    if isinstance(S, pd.DataFrame):
        return pd.DataFrame(S.to_numpy(dtype=float) * xv, index=S.index, columns=S.columns)
    return np.asarray(S, dtype=float) * xv


def calc_B(Z: Matrix, x) -> Matrix:
    """Allocation (output) coefficients of the Ghosh model: ``B = diag(x)^-1 Z`` ([MB] eq. 12.5;
    pymrio ``calc_B``). A sector with zero output gets a row of zeros."""
    recix = _reciprocal(_vector(x, Z.index if isinstance(Z, pd.DataFrame) else None))
    if isinstance(Z, pd.DataFrame):
        values = Z.to_numpy(dtype=float) * recix[:, None]
        return pd.DataFrame(values, index=Z.index, columns=Z.columns)
    if sp.issparse(Z):
        return sp.csc_array(sp.diags_array(recix) @ sp.csc_array(Z))
    return np.asarray(Z, dtype=float) * recix[:, None]


def calc_L(A: Matrix, *, max_size: int = 3000) -> Matrix:
    """The Leontief inverse ``L = (I - A)^-1`` ([MB] eq. 2.11), formed explicitly.

    Only for small systems and tests: a large system is solved with :class:`LeontiefSolver`
    instead (``max_size`` refuses anything bigger). The same checks as the solver apply.
    """
    n = A.shape[0]
    if n > max_size:
        raise SupplyError(f"calc_L forms an {n} x {n} inverse; use LeontiefSolver for {n} sectors")
    solver = LeontiefSolver(A, method="dense")
    L = solver.solve(np.eye(n))
    if isinstance(A, pd.DataFrame):
        return pd.DataFrame(L, index=A.index, columns=A.columns)
    return L


class Solver(Protocol):
    """What the accounts need of ``L``: ``solve(b) = L b`` and ``solve_T(b) = L' b``."""

    n: int
    labels: pd.Index | None

    def solve(self, b: np.ndarray) -> np.ndarray: ...

    def solve_T(self, b: np.ndarray) -> np.ndarray: ...


class InverseMatrix:
    """An explicit ``L`` (a small system's, or one given by the user) behind the solver's face."""

    def __init__(self, L: Matrix) -> None:
        self.labels = L.index if isinstance(L, pd.DataFrame) else None
        self.L = _values(L)
        self.n = self.L.shape[0]
        self.method = "explicit L"

    def solve(self, b: np.ndarray) -> np.ndarray:
        return self.L @ np.asarray(b, dtype=float)

    def solve_T(self, b: np.ndarray) -> np.ndarray:
        return self.L.T @ np.asarray(b, dtype=float)


def as_solver(solver_or_L: Solver | Matrix) -> Solver:
    """A :class:`LeontiefSolver` as it is; an explicit ``L`` wrapped as :class:`InverseMatrix`."""
    if hasattr(solver_or_L, "solve_T"):
        return solver_or_L
    return InverseMatrix(solver_or_L)


class LeontiefSolver:
    """``I - A`` factorised once: ``solve(b) = L b`` and ``solve_T(b) = L' b``, ``L = (I-A)^-1``.

    ``method``:

    - ``"dense"``: LAPACK's LU (``scipy.linalg.lu_factor``), ``O(n^3)/3`` once, then
      ``O(n^2)`` per right-hand side; the reciprocal condition number from LAPACK ``gecon``.
    - ``"splu"``: SuperLU (``scipy.sparse.linalg.splu``) for a really sparse ``A``; the
      condition number estimated with Higham's 1-norm estimator (``onenormest``).
    - ``"iterative"``: no factorisation; the Neumann series ``L b = sum_k A^k b`` ([MB]
      section 2.5), a sparse product per term, which converges as ``rho(A) <= ||A||_1 < 1``.
      For a non-negative ``A`` its Perron root is taken out first (power iteration, then
      Sherman-Morrison, see ``_deflated``), so the series runs at the rate of the second
      eigenvalue, and the result is accepted only when its residual proves a relative error
      below ``1e-13``; otherwise (or with negative coefficients) the plain series runs until
      its tail bound ``||A^k b|| ||A||_1 / (1 - ||A||_1)`` is below ``1e-15`` of the solution
      (for ``b' L`` the same with ``A'`` in the infinity norm). The fastest path for a large
      ``A`` of moderate density (a random 5% one), for which LU fills in completely.
    - ``"auto"``: dense up to 1,500 sectors or when ``A`` is dense; SuperLU below 0.2% density;
      the Neumann series otherwise while ``||A||_1`` makes it converge in 400 terms, else dense.

    Refuses (``SupplyError`` naming the sector) a column sum of ``A`` at or above 1 (the inputs
    of the sector cost at least its output: no productive economy, ``I - A`` singular or
    nearly so) and a nearly singular ``I - A`` (reciprocal condition number below ``1e-12``).
    """

    def __init__(self, A: Matrix, *, method: str = "auto", labels: pd.Index | None = None):
        if method not in ("auto", "dense", "splu", "iterative"):
            raise SupplyError(f"method {method!r} is not auto, dense, splu or iterative")
        self.labels = A.columns if isinstance(A, pd.DataFrame) else labels
        check_finite(A, "A")
        a = _values(A)
        n = a.shape[0]
        if a.shape != (n, n):
            raise SupplyError(f"A is {a.shape[0]} x {a.shape[1]}, not square")
        self.n = n
        sums = np.asarray(a.sum(axis=0)).ravel()
        self._check_column_sums(sums)
        abs_sums = np.asarray(abs(a).sum(axis=0)).ravel() if n else np.zeros(0)
        self.norm_A = float(abs_sums.max()) if n else 0.0  # ||A||_1
        self.method = self._choose(a, method)
        self.condition = self._factorise(a)
        if self.condition * RCOND_MIN > 1:
            self._refuse_near_singular()

    def _check_column_sums(self, sums: np.ndarray) -> None:
        bad = np.flatnonzero(sums >= 1)
        if len(bad):
            worst = bad[np.argsort(-sums[bad])][:5]
            listed = ", ".join(f"{_label(self.labels, i)} {sums[i]:.6g}" for i in worst)
            raise SupplyError(
                f"column sum of A at or above 1 for {len(bad)} sector(s): {listed}; a sector "
                "whose inputs cost at least its output makes I - A singular or nearly so "
                "(check Z and x of that column)",
                column=_label(self.labels, int(worst[0])),
            )

    def _choose(self, a, method: str) -> str:
        if method != "auto":
            return method
        n = self.n
        nnz = a.nnz if sp.issparse(a) else int(np.count_nonzero(a))
        density = nnz / max(n * n, 1)
        if n <= DENSE_UP_TO or density > 0.25:
            return "dense"
        if density <= SPLU_DENSITY:
            return "splu"
        if self.norm_A < 1 and np.log(NEUMANN_RTOL) / np.log(self.norm_A) < NEUMANN_MAX_ITER:
            return "iterative"
        return "dense"

    def _factorise(self, a) -> float:
        """Factorise (or prepare) and return an estimate of the 1-norm condition number."""
        n = self.n
        if self.method == "dense":
            m = np.eye(n) - (a.toarray() if sp.issparse(a) else a)
            anorm = float(np.abs(m).sum(axis=0).max()) if n else 0.0
            with warnings.catch_warnings():  # a zero pivot is reported below, by sector
                warnings.simplefilter("ignore", sla.LinAlgWarning)
                self._lu = sla.lu_factor(m, overwrite_a=True, check_finite=False)
            (gecon,) = sla.get_lapack_funcs(("gecon",), (self._lu[0],))
            rcond, _ = gecon(self._lu[0], anorm, norm="1")
            return np.inf if rcond == 0 else 1.0 / rcond
        m = sp.csc_array(sp.eye_array(n) - sp.csc_array(a))
        anorm = float(np.asarray(abs(m).sum(axis=0)).max())
        if self.method == "splu":
            try:
                self._lu = spla.splu(m)
            except RuntimeError as exc:  # SuperLU: "Factor is exactly singular"
                self.condition = np.inf
                raise SupplyError(f"I - A is singular ({exc})") from exc
            op = spla.LinearOperator(
                (n, n), matvec=self._lu.solve, rmatvec=lambda b: self._lu.solve(b, trans="T")
            )
            return anorm * float(spla.onenormest(op))
        if self.norm_A >= 1:
            raise SupplyError("the Neumann series needs ||A||_1 < 1; use method='dense'")
        self._A = sp.csr_array(a)
        self._AT = sp.csr_array(self._A.T)
        nonnegative = self._A.nnz == 0 or self._A.data.min() >= 0
        self._perron = self._perron_pair() if nonnegative else None
        self._lam = self._perron[0] if self._perron else 0.0
        return anorm / (1.0 - self.norm_A)  # ||(I - A)^-1||_1 <= 1 / (1 - ||A||_1)

    def _refuse_near_singular(self) -> None:
        # The sector where L's columns blow up: the biggest entry of an inverse-iteration step.
        v = np.abs(self.solve(np.ones(self.n)))
        i = int(np.argmax(v)) if np.isfinite(v).all() else int(np.argmax(~np.isfinite(v)))
        raise SupplyError(
            f"I - A is nearly singular (condition number about {self.condition:.3g}); the "
            f"largest multipliers are at {_label(self.labels, i)} (check its column of A)",
            column=_label(self.labels, i),
        )

    def _perron_pair(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        """Perron root and vectors of a non-negative ``A`` (power iteration; approximate is
        enough: the deflation below is exact for any ``lam, u, v``)."""
        u = np.full(self.n, 1.0 / self.n)
        v = u.copy()
        for _ in range(PERRON_ITER):
            u_new, v_new = self._A @ u, self._AT @ v
            u_new /= u_new.sum() or 1.0
            v_new /= v_new.sum() or 1.0
            done = np.abs(u_new - u).sum() + np.abs(v_new - v).sum() < 1e-10
            u, v = u_new, v_new
            if done:
                break
        lam = float(v @ (self._A @ u)) / float(v @ u) if float(v @ u) > 0 else 0.0
        if not (0.0 < lam < 1.0 and np.isfinite(lam)):
            return None
        return lam, u, v / float(v @ u)

    def _deflated(self, a, b: np.ndarray, p: np.ndarray, q: np.ndarray, ord_: float):
        """``(I - a)^-1 b`` with the Perron part taken out: ``a = lam p q' + a'``, ``K = I - a'``,
        Sherman-Morrison ``(K - lam p q')^-1 b = K^-1 b + lam K^-1 p (q' K^-1 b) / (1 - lam q'
        K^-1 p)``, ``K^-1`` the Neumann series of ``a'``, whose spectral radius is ``a``'s second
        eigenvalue's modulus (far below the Perron root in a multi-regional table). Accepted when
        the residual ``r`` proves ``||x - L b|| <= ||L|| ||r|| <= ||r|| / (1 - ||A||_1)`` below
        ``DEFLATED_RTOL ||x||``; None when it does not converge (then the plain series)."""
        lam = self._lam
        rhs = np.column_stack([b, p])
        x, term = rhs.copy(), rhs
        limit = int(np.log(NEUMANN_RTOL) / np.log(self.norm_A)) + 1
        for it in range(limit):
            term = a @ term - lam * np.outer(p, q @ term)
            x += term
            size = np.linalg.norm(term, ord=ord_, axis=0)
            if not np.isfinite(size).all():
                return None
            if it % 4 or np.any(size > NEUMANN_RTOL * np.linalg.norm(x, ord=ord_, axis=0)):
                continue
            Kb, Kp = x[:, :-1], x[:, -1]
            y = Kb + np.outer(Kp, lam * (q @ Kb) / (1.0 - lam * float(q @ Kp)))
            residual = np.linalg.norm(b - y + a @ y, ord=ord_, axis=0) / (1.0 - self.norm_A)
            if np.all(residual <= DEFLATED_RTOL * np.linalg.norm(y, ord=ord_, axis=0) + 1e-300):
                return y
        return None

    def _neumann(self, a, b: np.ndarray, ord_: float) -> np.ndarray:
        """The plain series ``sum_k a^k b``, stopped by the rigorous tail bound."""
        q = self.norm_A
        x = b.copy()
        term = b
        for _ in range(NEUMANN_MAX_ITER * 2):
            term = a @ term
            x += term
            size = np.linalg.norm(term, ord=ord_, axis=0)
            scale = np.linalg.norm(x, ord=ord_, axis=0)
            if np.all(size * q / (1.0 - q) <= NEUMANN_RTOL * scale + 1e-300):
                return x
        raise SupplyError("the Neumann series did not converge; use method='dense'")

    def _series(self, b: np.ndarray, transpose: bool) -> np.ndarray:
        # For b' L the matrix is A' and the matching norm the infinity norm (||A'||_inf =
        # ||A||_1), so the same bound holds.
        a, ord_ = (self._AT, np.inf) if transpose else (self._A, 1)
        b2 = b.reshape(len(b), -1)
        out = np.empty_like(b2)

        def run(cols: slice) -> None:
            part = np.ascontiguousarray(b2[:, cols])
            x = None
            if self._perron is not None:
                _, u, v = self._perron
                x = self._deflated(a, part, v if transpose else u, u if transpose else v, ord_)
            out[:, cols] = self._neumann(a, part, ord_) if x is None else x

        # A few dozen columns at a time: their rows stay in cache while A streams past, which
        # makes the sparse product several times faster than on hundreds of columns at once.
        # The chunks run in threads: SciPy's sparse product releases the GIL.
        ncols, cores = b2.shape[1], os.cpu_count() or 1
        n_chunks = min(ncols, max(-(-ncols // SERIES_CHUNK), cores))
        n_chunks = -(-n_chunks // cores) * cores if n_chunks > cores else n_chunks
        bounds = np.linspace(0, ncols, n_chunks + 1).round().astype(int)
        chunks = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
        if len(chunks) <= 1:
            for cols in chunks:
                run(cols)
        else:
            with ThreadPoolExecutor(max_workers=min(len(chunks), cores)) as pool:
                list(pool.map(run, chunks))
        return out.reshape(b.shape)

    def solve(self, b) -> np.ndarray:
        """``L b = (I - A)^-1 b`` for a vector or a matrix of right-hand sides."""
        b = np.asarray(b, dtype=float)
        if self.method == "dense":
            return sla.lu_solve(self._lu, b, check_finite=False)
        if self.method == "splu":
            return self._lu.solve(b)
        return self._series(b, transpose=False)

    def solve_T(self, b) -> np.ndarray:
        """``L' b = (I - A)^-T b``; ``solve_T(S').T`` is ``S L`` (the multipliers)."""
        b = np.asarray(b, dtype=float)
        if self.method == "dense":
            return sla.lu_solve(self._lu, b, trans=1, check_finite=False)
        if self.method == "splu":
            return self._lu.solve(b, trans="T")
        return self._series(b, transpose=True)


def calc_M(S: Matrix, solver: Solver | Matrix) -> Matrix:
    """Multipliers: ``M = S L`` ([MB] section 10.2; pymrio ``calc_M``), computed as the
    solution of ``(I - A)' M' = S'`` (one solve per stressor, never ``L`` itself)."""
    solver = as_solver(solver)
    M = solver.solve_T(_values(S).T).T
    if isinstance(S, pd.DataFrame):
        return pd.DataFrame(M, index=S.index, columns=S.columns)
    return M


def calc_G(solver: Solver | Matrix, x) -> Matrix:
    """The Ghosh inverse ``G = (I - B)^-1 = diag(x)^-1 L diag(x)`` ([MB] eq. 12.9; pymrio
    ``calc_G`` from ``L``), formed explicitly: for small systems (``n`` solves)."""
    solver = as_solver(solver)
    xv = _vector(x, solver.labels)
    G = _reciprocal(xv)[:, None] * solver.solve(np.diag(xv))
    if solver.labels is not None:
        return pd.DataFrame(G, index=solver.labels, columns=solver.labels)
    return G


def calc_M_down(S: Matrix, solver: Solver | Matrix, x) -> Matrix:
    """Downstream multipliers: ``M_down = S (G' - I)`` (pymrio ``calc_M_down``): the stressor
    of the sectors downstream that use a unit of a sector's output as input.

    Without ``G``: ``S G' = S diag(x) L' diag(x)^-1 = (L F')' diag(x)^-1`` with ``F = S
    diag(x)``, so ``M_down = (L F')' diag(x)^-1 - S``: one forward solve per stressor.
    """
    solver = as_solver(solver)
    labels = S.columns if isinstance(S, pd.DataFrame) else None
    xv = _vector(x, labels)
    s = _values(S)
    M_down = solver.solve((s * xv).T).T * _reciprocal(xv) - s
    if isinstance(S, pd.DataFrame):
        return pd.DataFrame(M_down, index=S.index, columns=S.columns)
    return M_down
