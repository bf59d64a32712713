"""SYNTHETIC CLRISK data: a census of children in territories and a two-stage survey sample.

Everything here is invented. Every frame carries a boolean column ``synthetic`` (all True) and
``attrs["synthetic"] = True`` with the :data:`SYNTHETIC_LABEL`, so no output can pass for data
on real children.

The population (CLRISK.md section 6.3): ``n_territories`` territories in up to 10 regions,
lognormal sizes; four correlated area factors (rural share, poverty, head in agriculture, low
schooling) drawn through a Gaussian copula (region plus territory parts, correlations
0.4-0.7) with beta margins; enumeration areas (the PSUs, about ``psu_size`` children each),
each urban or rural; child covariates drawn given their territory and area; the outcome from
``logit p = const + x'beta + u_d``, ``u_d ~ N(0, sigma_u^2)``, with :data:`TRUE_COEFFICIENTS`
signed as the published CLRISK factors (male, older, head in agriculture, rural, poverty,
household size +; attendance, head's schooling, social security -).

Calibration to Brazil (``data/brazil_calibration.json``, written by
``scripts/risk_calibration.py``): the target is the working rate of children aged 14-17 by
state from IBGE PNAD Continua 2019 Q4 aggregates (weighted workers aged 14-17 / weighted
population aged 14-17, both from ``populacao_uf_idade.csv``; states' cells without a worker
count zero workers). The national rate (5.5%) is the default ``prevalence``: the intercept is
solved (Newton) so that the census mean of the true ``p`` equals it exactly. The spread of the
27 state rates (logit P90 - P10 = 1.2, rates 2.5%-7.8%) sets :data:`AREA_CONTRAST`, the scale
of the latent area factors, chosen so that with ``sigma_u = 0`` the territory rates' logit
interdecile range is close to it (``tests/risk/test_synth.py`` checks within 25%); ``sigma_u
> 0`` adds spread the covariates cannot explain. The Brazil rate is for ages 14-17 and is
applied to the synthetic 5-17 population: a target for plausibility, not an estimate.

The sample: strata = region x urban/rural; PSUs allocated to strata in proportion to children
(at least 2 each), drawn with probability proportional to size by randomised systematic
sampling (PSUs larger than the interval taken with certainty); ``children_per_psu`` children by
simple random sampling in each; design weight = 1 / (pi_psu * m / M).

Memory: the census is built in blocks of :data:`BLOCK` children with int8/int16/int32/float32
columns (about 26 bytes a child); 10 million children take about 0.3 GB. Each block has its own
random stream spawned from ``seed``, so a seed gives identical frames (:meth:`fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from target87.risk.errors import RiskError

SYNTHETIC_LABEL = "SYNTHETIC DATA: invented by target87.risk.synth, not real children"
CALIBRATION_FILE = Path(__file__).with_name("data") / "brazil_calibration.json"
BLOCK = 1_000_000
AREA_CONTRAST = 0.55
TRUE_COEFFICIENTS: dict[str, float] = {
    "age": 0.15,
    "male": 0.40,
    "attends_school": -1.00,
    "head_educ_years": -0.08,
    "head_agriculture": 1.00,
    "social_security": -0.50,
    "rural": 0.50,
    "household_size": 0.06,
    "poverty": 0.60,
}
COVARIATES = tuple(TRUE_COEFFICIENTS)
# rural share, poverty, head in agriculture, low schooling
AREA_CORRELATION = np.array(
    [[1.0, 0.5, 0.7, 0.5], [0.5, 1.0, 0.4, 0.6], [0.7, 0.4, 1.0, 0.4], [0.5, 0.6, 0.4, 1.0]]
)
AREA_BETA_SHAPES = ((1.6, 2.0), (2.0, 4.0), (1.5, 5.0), (2.0, 2.0))


class SynthError(RiskError):
    """The generator was asked for something it cannot make; the message says what."""


@dataclass(frozen=True)
class SyntheticData:
    """A synthetic census, its survey sample, the territory truth and the true model."""

    census: pd.DataFrame
    sample: pd.DataFrame
    territories: pd.DataFrame
    coefficients: pd.Series  # true logit coefficients, "const" first
    sigma_u: float
    seed: int
    prevalence: float
    label: str = SYNTHETIC_LABEL
    synthetic: bool = field(default=True, init=False)

    def fingerprint(self) -> str:
        """sha256 of every column of the three frames: equal seeds give equal fingerprints."""
        digest = hashlib.sha256()
        for name, frame in (
            ("census", self.census),
            ("sample", self.sample),
            ("territories", self.territories),
        ):
            for column in frame.columns:
                digest.update(f"{name}.{column}:{frame[column].dtype}".encode())
                digest.update(np.ascontiguousarray(frame[column].to_numpy()).tobytes())
        return digest.hexdigest()

    def summary(self) -> str:
        t, target = self.territories, load_calibration()["state_rate_quantiles"]
        q = t["expected_rate"].quantile([0.1, 0.5, 0.9]).to_numpy()
        lines = [
            self.label,
            f"seed {self.seed}; {len(self.census):,} children in {len(t):,} territories, "
            f"{t['region'].nunique()} regions; sigma_u = {self.sigma_u:g}",
            f"national rate: target {self.prevalence:.4f}, mean true p "
            f"{self.census['p'].to_numpy().mean(dtype=np.float64):.4f}, realised y "
            f"{self.census['y'].to_numpy().mean(dtype=np.float64):.4f}",
            f"territory rates P10/P50/P90: {q[0]:.4f} / {q[1]:.4f} / {q[2]:.4f} (Brazil states "
            f"{target['p10']:.4f} / {target['p50']:.4f} / {target['p90']:.4f})",
            f"sample: {len(self.sample):,} children, {self.sample['psu'].nunique():,} PSUs, "
            f"{self.sample['stratum'].nunique()} strata, sum of weights "
            f"{self.sample['weight'].sum():,.0f}",
            "true coefficients: "
            + ", ".join(f"{k} {v:+.3f}" for k, v in self.coefficients.items()),
        ]
        return "\n".join(lines)


def load_calibration(path: Path = CALIBRATION_FILE) -> dict:
    """The Brazil calibration targets (national rate, state-rate quantiles, provenance)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _label(frame: pd.DataFrame) -> pd.DataFrame:
    frame["synthetic"] = np.ones(len(frame), dtype=bool)
    frame.attrs.update({"synthetic": True, "label": SYNTHETIC_LABEL})
    return frame


def _allocate(total: int, shares: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Integers >= minimum summing to ``total``, proportional to ``shares`` (largest remainder)."""
    rest = total - minimum * len(shares)
    raw = rest * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(out - raw)[: rest - out.sum()]] += 1
    return out + minimum


def _area_factors(
    n_terr: int, region: np.ndarray, n_regions: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_terr x 4) shares in (0, 1): Gaussian copula, region + territory parts, beta margins."""
    chol = np.linalg.cholesky(AREA_CORRELATION)
    regional = rng.standard_normal((n_regions, 4)) @ chol.T
    local = rng.standard_normal((n_terr, 4)) @ chol.T
    latent = AREA_CONTRAST * (0.6 * regional[region] + 0.8 * local)  # unit variance x contrast
    uniform = special.ndtr(latent)
    return np.column_stack([stats.beta.ppf(uniform[:, k], *AREA_BETA_SHAPES[k]) for k in range(4)])


def _enumeration_areas(
    sizes: np.ndarray, rural_share: np.ndarray, psu_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """PSUs of each territory: (territory, size, rural) per PSU, in territory order."""
    k = np.maximum(1, np.rint(sizes / psu_size)).astype(np.int64)
    terr = np.repeat(np.arange(len(sizes)), k)
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    rank = np.arange(len(terr)) - first[terr]
    gamma = rng.gamma(4.0, size=len(terr))
    cum = np.cumsum(gamma)
    before = np.concatenate([[0.0], cum])[first][terr]
    frac = (cum - before) / np.add.reduceat(gamma, first)[terr]
    ends = np.rint(frac * sizes[terr]).astype(np.int64)
    ends[np.concatenate([first[1:] - 1, [len(terr) - 1]])] = sizes  # exact last boundary
    starts = np.where(rank == 0, 0, np.concatenate([[0], ends[:-1]]))
    n_rural = np.floor(rural_share * k + rng.random(len(k))).astype(np.int64)
    rural = (rank < n_rural[terr]).astype(np.int8)
    size = ends - starts
    keep = size > 0
    return terr[keep], size[keep], rural[keep]


def _bernoulli(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    return (rng.random(len(logit), dtype=np.float32) < special.expit(logit)).astype(np.int8)


def _children(rng: np.random.Generator, factors: np.ndarray, rural: np.ndarray) -> dict:
    """Covariates of a block of children given their territory's factors and PSU's rurality."""
    rural_share, poverty_share, agri_share, low_school = factors.T
    n, ru = len(rural), rural.astype(np.float32)
    poverty = _bernoulli(rng, special.logit(poverty_share) + 0.8 * (ru - rural_share))
    agri = _bernoulli(rng, special.logit(agri_share) + 1.5 * (ru - rural_share) + 0.4 * poverty)
    educ = rng.normal(11.5 - 7.0 * low_school - 2.5 * poverty - 1.0 * ru, 3.0)
    educ = np.clip(np.rint(educ), 0, 17).astype(np.int8)
    social = _bernoulli(rng, 1.0 - 1.3 * poverty - 1.0 * agri + 0.12 * (educ - 8.0))
    household = np.minimum(2 + rng.poisson(1.8 + 1.2 * poverty + 0.5 * ru), 20).astype(np.int8)
    age = rng.integers(5, 18, size=n, dtype=np.int8)
    male = (rng.random(n, dtype=np.float32) < 0.51).astype(np.int8)
    attend = _bernoulli(
        rng, 3.5 - 0.5 * np.maximum(age - 13.0, 0) - 1.0 * poverty - 0.6 * ru + 0.12 * (educ - 8.0)
    )
    drawn = (age, male, attend, educ, agri, social, rural, household, poverty)
    return dict(zip(COVARIATES, drawn, strict=True))  # same order as TRUE_COEFFICIENTS


def _solve_intercept(eta: np.ndarray, prevalence: float) -> float:
    """Newton on b: mean(expit(b + eta)) = prevalence (monotone, converges in a few steps)."""
    b = float(special.logit(prevalence) - eta.mean(dtype=np.float64))
    for _ in range(50):
        p = special.expit(eta + np.float32(b))
        gap = p.mean(dtype=np.float64) - prevalence
        step = gap / (p * (1 - p)).mean(dtype=np.float64)
        b -= step
        if abs(step) < 1e-6:  # float32 eta: finer steps are below its resolution
            return b
    raise SynthError(f"intercept did not converge for prevalence {prevalence}")


def _pps_systematic(size: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Indices drawn with probability proportional to size and their inclusion probabilities."""
    chosen = np.zeros(len(size), dtype=bool)
    prob = np.zeros(len(size))
    while n > 0:  # units at least as large as the interval are taken with certainty
        rest = ~chosen
        big = rest & (size * n >= size[rest].sum())
        if not big.any():
            break
        chosen |= big
        prob[big] = 1.0
        n -= int(big.sum())
    rest = np.flatnonzero(~chosen)
    if n > 0:
        order = rest[rng.permutation(len(rest))]
        cum = np.cumsum(size[order])
        step = cum[-1] / n
        hits = order[np.searchsorted(cum, rng.uniform(0, step) + step * np.arange(n), "right")]
        chosen[hits] = True
        prob[hits] = n * size[hits] / cum[-1]
    picked = np.flatnonzero(chosen)
    return picked, prob[picked]


def draw_sample(
    census: pd.DataFrame,
    sample_size: int = 12_000,
    children_per_psu: int = 15,
    seed: int | np.random.SeedSequence = 0,
) -> pd.DataFrame:
    """A stratified two-stage sample of a synthetic ``census`` (module docstring), weighted.

    Also used to draw repeated samples from one population (design-based simulation).
    """
    rng = np.random.default_rng(seed)
    psu_of_child = census["psu"].to_numpy()
    if np.any(np.diff(psu_of_child) < 0):
        raise SynthError("the census must be in PSU order, as synthesize() makes it")
    psu_size = np.bincount(psu_of_child)
    first = np.concatenate([[0], np.cumsum(psu_size)[:-1]])  # PSUs are contiguous runs
    psu_rural = census["rural"].to_numpy()[first].astype(np.int64)
    stratum = census["region"].to_numpy()[first].astype(np.int64) * 2 + psu_rural
    lonely = np.bincount(stratum)[stratum] < 2
    stratum[lonely] += 1 - 2 * psu_rural[lonely]  # a one-PSU stratum joins its region's other
    labels, codes = np.unique(stratum, return_inverse=True)
    n_psu = int(round(sample_size / children_per_psu))
    available = np.bincount(codes)
    if not 2 * len(labels) <= n_psu <= available.sum() // 2:
        raise SynthError(
            f"sample_size {sample_size} gives {n_psu} PSUs: need at least 2 per "
            f"stratum ({len(labels)} strata) and at most half of the "
            f"{available.sum()} PSUs of the census; change sample_size or psu_size"
        )
    alloc = np.minimum(
        _allocate(n_psu - 2 * len(labels), np.bincount(codes, psu_size) + 0.0) + 2, available
    )
    picked, prob = [], []
    for h in range(len(labels)):
        members = np.flatnonzero(codes == h)
        idx, p = _pps_systematic(psu_size[members], int(alloc[h]), rng)
        picked.append(members[idx])
        prob.append(p)
    psus, p_psu = np.concatenate(picked), np.concatenate(prob)
    size = psu_size[psus]
    m = np.minimum(children_per_psu, size)
    owner = np.repeat(np.arange(len(psus)), size)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(size) - size, size)
    order = np.lexsort((rng.random(len(owner)), owner))
    rank = np.empty_like(order)
    rank[order] = offset  # a random rank within each PSU: its first m are the sample
    keep = rank < m[owner]
    rows = first[psus][owner[keep]] + offset[keep]
    sample = census.iloc[rows].drop(columns=["p", "synthetic"]).reset_index(drop=True)
    sample["stratum"] = stratum[psus][owner[keep]].astype(np.int16)
    sample["weight"] = (size / (p_psu * m))[owner[keep]]
    return _label(sample)


def synthesize(
    n_children: int,
    n_territories: int,
    seed: int,
    sigma_u: float = 0.0,
    prevalence: float | None = None,
    *,
    n_regions: int = 10,
    sample_size: int = 12_000,
    children_per_psu: int = 15,
    psu_size: int = 200,
) -> SyntheticData:
    """Generate a SYNTHETIC census and survey sample (module docstring for the model)."""
    if n_territories < 1 or n_children < 20 * n_territories:
        raise SynthError(
            f"need at least 20 children per territory: got {n_children} children "
            f"for {n_territories} territories"
        )
    if sigma_u < 0 or children_per_psu < 2 or psu_size < children_per_psu:
        raise SynthError("sigma_u must be >= 0, children_per_psu >= 2, psu_size >= it")
    prevalence = load_calibration()["national_rate"] if prevalence is None else prevalence
    if not 0 < prevalence < 1:
        raise SynthError(f"prevalence must lie strictly between 0 and 1, got {prevalence}")
    area_ss, child_ss, outcome_ss, sample_ss = np.random.SeedSequence(seed).spawn(4)
    rng = np.random.default_rng(area_ss)
    n_regions = min(n_regions, n_territories)
    region = rng.permutation(np.arange(n_territories) % n_regions).astype(np.int8)
    sizes = _allocate(n_children, rng.lognormal(0.0, 0.9, n_territories), minimum=1)
    factors = _area_factors(n_territories, region, n_regions, rng).astype(np.float32)
    u = (sigma_u * rng.standard_normal(n_territories)).astype(np.float32)
    psu_terr, psu_n, psu_rural = _enumeration_areas(sizes, factors[:, 0], psu_size, rng)

    terr = np.repeat(np.arange(n_territories, dtype=np.int32), sizes)
    psu = np.repeat(np.arange(len(psu_n), dtype=np.int32), psu_n)
    columns = {name: np.empty(n_children, dtype=np.int8) for name in COVARIATES}
    eta = np.empty(n_children, dtype=np.float32)
    beta = np.array(list(TRUE_COEFFICIENTS.values()), dtype=np.float32)
    blocks = range(0, n_children, BLOCK)
    for start, ss in zip(blocks, child_ss.spawn(len(blocks)), strict=True):
        part = slice(start, min(start + BLOCK, n_children))
        drawn = _children(np.random.default_rng(ss), factors[terr[part]], psu_rural[psu[part]])
        eta[part] = u[terr[part]]
        for j, name in enumerate(COVARIATES):
            columns[name][part] = drawn[name]
            eta[part] += beta[j] * drawn[name]
    const = _solve_intercept(eta, prevalence)
    p = special.expit(eta + np.float32(const)).astype(np.float32)
    del eta
    y = np.empty(n_children, dtype=np.int8)
    for start, ss in zip(blocks, outcome_ss.spawn(len(blocks)), strict=True):
        part = slice(start, min(start + BLOCK, n_children))
        y[part] = np.random.default_rng(ss).random(part.stop - start, dtype=np.float32) < p[part]

    small = np.int16 if n_territories < 2**15 else np.int32
    census = _label(
        pd.DataFrame(
            {
                "child_id": np.arange(n_children, dtype=np.int32),
                "territory": terr.astype(small),
                "region": region[terr],
                "psu": psu,
                **columns,
                "p": p,
                "y": y,
            },
            copy=False,
        )
    )
    counts = sizes.astype(float)
    territories = pd.DataFrame(
        {
            "territory": np.arange(n_territories, dtype=small),
            "region": region,
            "n_children": sizes,
            "n_psu": np.bincount(psu_terr, minlength=n_territories),
            "rural_share": np.bincount(terr, columns["rural"], n_territories) / counts,
            "poverty_share": factors[:, 1],
            "agri_share": factors[:, 2],
            "low_schooling": factors[:, 3],
            "u": u,
            "expected_rate": np.bincount(terr, p, n_territories) / counts,
            "true_rate": np.bincount(terr, y, n_territories) / counts,
        }
    )
    sample = draw_sample(census, sample_size, children_per_psu, sample_ss)
    coefficients = pd.Series({"const": const, **TRUE_COEFFICIENTS}, name="true_coefficient")
    territories = _label(territories)
    return SyntheticData(
        census, sample, territories, coefficients, float(sigma_u), int(seed), float(prevalence)
    )
