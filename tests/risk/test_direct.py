"""Direct territory estimates: checked by hand and against svy's Taylor-linearised domain means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy

from target87.risk.design import RiskDesignError
from target87.risk.direct import DirectEstimateError, design_effect, direct_estimates
from target87.risk.synth import synthesize


def _hand_sample() -> pd.DataFrame:
    """Two strata, two PSUs each; territory 1 in PSUs 1-3, territory 2 in PSUs 2-4."""
    return pd.DataFrame(
        {
            "territory": [1, 1, 1, 2, 2, 1, 2],
            "y": [1, 0, 1, 0, 1, 0, 0],
            "weight": [2.0, 2.0, 4.0, 4.0, 1.0, 3.0, 2.0],
            "stratum": ["A", "A", "A", "A", "B", "B", "B"],
            "psu": [1, 1, 2, 2, 3, 3, 4],
        }
    )


def test_hand_computed_proportions_and_variances():
    # Territory 1: weights 2, 2, 4, 3 -> N = 11, p = (2 + 4) / 11. Linearised values
    # z = w (y - p) / N: PSU totals -2/121, 20/121 (stratum A), -18/121, 0 (stratum B).
    # v = 2 [(11/121)^2 * 2] + 2 [(9/121)^2 * 2] = (484 + 324) / 121^2.
    # Territory 2: weights 4, 1, 2 -> N = 7, p = 1/7; PSU totals 0, -4/49 (A), 6/49, -2/49 (B)
    # v = 2 [(2/49)^2 * 2] + 2 [(4/49)^2 * 2] = (16 + 64) / 49^2.
    table = direct_estimates(_hand_sample())
    assert list(table.index) == [1, 2]
    np.testing.assert_allclose(table["estimate"], [6 / 11, 1 / 7], rtol=1e-14)
    np.testing.assert_allclose(table["variance"], [808 / 121**2, 80 / 49**2], rtol=1e-12)
    np.testing.assert_allclose(table["se"] / table["estimate"], table["cv"])
    assert table["n"].tolist() == [4, 3] and table["n_psu"].tolist() == [3, 3]
    assert table["weight_sum"].tolist() == [11.0, 7.0]


def _svy_domain_means(sample: pd.DataFrame, singleton: str | None = None) -> pd.DataFrame:
    frame = pl.from_pandas(
        sample[["territory", "y", "weight", "stratum", "psu"]].astype(
            {"territory": "int64", "y": "float64", "stratum": "int64", "psu": "int64"}
        )
    )
    design = svy.Design(
        stratum="stratum",
        psu="psu",
        wgt="weight",
        **({"singleton": singleton} if singleton else {}),
    )
    estimate = svy.Sample(frame, design).estimation.mean("y", by="territory")
    return estimate.to_polars().to_pandas().set_index("territory").sort_index()


def test_equals_svy_taylor_domain_means_on_a_synthetic_survey():
    sample = synthesize(200_000, 120, seed=3, sample_size=6_000, psu_size=100).sample
    ours = direct_estimates(sample)
    reference = _svy_domain_means(sample)
    assert list(ours.index) == list(reference.index)
    np.testing.assert_allclose(ours["estimate"], reference["est"], rtol=1e-10)
    np.testing.assert_allclose(ours["se"], reference["se"], rtol=1e-8, atol=1e-15)
    assert (ours["n"] == reference["n"]).all()
    assert ours["n"].sum() == len(sample)


def test_a_single_psu_stratum_fails_or_is_centred_like_svy():
    sample = pd.concat(
        [
            _hand_sample().assign(stratum=lambda f: f["stratum"].map({"A": 1, "B": 2})),
            pd.DataFrame(
                {
                    "territory": [1, 2],
                    "y": [1, 0],
                    "weight": [5.0, 5.0],
                    "stratum": [3, 3],
                    "psu": [5, 5],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.raises(RiskDesignError, match=r"single PSU \(3\)"):
        direct_estimates(sample)
    ours = direct_estimates(sample, singleton="center")
    reference = _svy_domain_means(sample, singleton="center")
    np.testing.assert_allclose(ours["se"], reference["se"], rtol=1e-10)


def test_design_effect_over_regions_is_the_ratio_of_variances():
    sample = synthesize(200_000, 120, seed=3, sample_size=6_000, psu_size=100).sample
    regions = direct_estimates(sample, territory="region")
    binomial = regions["estimate"] * (1 - regions["estimate"]) / regions["n"]
    assert design_effect(regions) == pytest.approx(regions["variance"].sum() / binomial.sum())
    assert 0.5 < design_effect(regions) < 3  # 15 children per PSU, little clustering


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="psu"), r"no column for psu 'psu'"),
        (
            lambda f: f.assign(weight=[2.0, np.nan, 4, 4, 1, 3, 2]),
            r"weight column 'weight' is missing in 1 row\(s\), first rows \[1\]",
        ),
        (lambda f: f.assign(weight=[2.0, 2, 4, -4, 1, 3, 2]), r"positive and finite.*\[3\]"),
        (
            lambda f: f.assign(y=["1", "0", "x", "0", "1", "0", "0"]),
            r"outcome column 'y' is not numeric in 1 row\(s\), first \[2\]",
        ),
    ],
)
def test_bad_input_names_the_column_and_rows(change, message):
    with pytest.raises(DirectEstimateError, match=message):
        direct_estimates(change(_hand_sample()))


def test_unknown_singleton_rule_is_refused():
    with pytest.raises(DirectEstimateError, match="singleton must be one of fail, center"):
        direct_estimates(_hand_sample(), singleton="skip")
