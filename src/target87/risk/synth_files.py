"""A SYNTHETIC run folder: survey and census files, run.yaml, boundaries, truth, README.

Made from :func:`target87.risk.synth.synthesize` (see its docstring for the population, the
survey design and the calibration to Brazil's state aggregates). Files are written as real
data arrive in practice: raw codes with their own names, harmonised by the run file (sex
coded 1/2 in the survey and 0/1 in the census, area coded urban/rural and U/R). Every file
says SYNTHETIC: a ``synthetic`` column in the data, a property in every boundary feature,
the run name, ``run.synthetic: true`` and a header comment in run.yaml, the README.

The boundaries are squares on a grid at 0 degrees latitude and longitude ("Null Island"),
one per territory, grouped by region: obviously not a real country.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat
import yaml

from target87.risk.outputs import atomic_write, write_text
from target87.risk.synth import COVARIATES, SYNTHETIC_LABEL, SynthError, synthesize

FORMATS = ("csv", "parquet", "dta", "sav")
MARK = "SYNTHETIC"
CHILDREN_PER_PSU = 15


@dataclass(frozen=True)
class SyntheticRun:
    folder: Path
    run_file: Path
    survey: Path
    census: Path
    boundaries: Path
    truth: Path
    readme: Path
    summary: str


def _write_frame(frame: pd.DataFrame, path: Path, file_format: str) -> Path:
    writers: dict[str, Callable[[Path], None]] = {
        "csv": lambda p: frame.to_csv(p, index=False),
        "parquet": lambda p: frame.to_parquet(p, index=False),
        "dta": lambda p: pyreadstat.write_dta(frame, str(p)),
        "sav": lambda p: pyreadstat.write_sav(frame, str(p)),
    }
    return atomic_write(path, writers[file_format])


def _codes(n_territories: int, n_regions: int) -> tuple[Callable, Callable]:
    width = len(str(n_territories))
    return (lambda t: f"T{t + 1:0{width}d}"), (lambda r: f"R{r + 1:0{len(str(n_regions))}d}")


def boundaries_geojson(territories: pd.DataFrame, cell: float = 0.25) -> dict:
    """One square per territory on a grid at Null Island, grouped by region."""
    ordered = territories.sort_values(["region", "territory"])
    columns = math.ceil(math.sqrt(len(ordered)))
    features = []
    for i, row in enumerate(ordered.itertuples(index=False)):
        x0, y0 = (i % columns) * cell, -(i // columns) * cell
        ring = [[x0, y0], [x0 + cell, y0], [x0 + cell, y0 + cell], [x0, y0 + cell], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": row.territory,
                    "name": f"Synthetic territory {row.territory}",
                    "region": row.region,
                    "synthetic": MARK,
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "label": SYNTHETIC_LABEL, "features": features}


def run_document(seed: int, suffix: str, sigma_u: float) -> dict:
    """The run.yaml of a synthetic folder (data files named ``survey.<suffix>`` etc.)."""
    binary = ("attends_school", "head_agriculture", "social_security", "poverty")
    covariates = [
        {"name": "age"},
        {"name": "male", "survey_column": "sex", "census_column": "male", "kind": "binary",
         "survey_map": {1: 1, 2: 0}},
        *({"name": name, "kind": "binary"} for name in binary),
        {"name": "head_educ_years"},
        {"name": "household_size"},
        {"name": "area", "kind": "categorical", "reference": "urban",
         "census_map": {"U": "urban", "R": "rural"}},
    ]  # fmt: skip
    return {
        "name": f"{MARK} demonstration run (seed {seed}, sigma_u {sigma_u:g})",
        "outcome": {
            "column": "child_labour",
            "definition": f"{MARK}: invented outcome from known logit coefficients, "
            "not a national child labour definition",
            "positive": [1],
        },
        "age": {"survey_column": "age", "census_column": "age", "min": 5, "max": 17},
        "covariates": covariates,
        "territory": ["region", "territory"],
        "survey": {"path": f"survey.{suffix}", "weight": "weight", "stratum": "stratum",
                   "psu": "psu"},
        "census": {"path": f"census.{suffix}"},
        "model": {"link": "logit"},
        "disclosure": {"min_children": 50, "count_rounding": 5},
        "run": {
            "synthetic": True,
            "seed": seed,
            "draws": 200,
            "classification": {"method": "jenks", "k": 3, "scope": "national"},
            "small_area": True,
            "boundaries": {"path": "boundaries.geojson", "code_property": "code"},
            "factor_reference": {"head_educ_years": 12},
            "vintages": {"survey": MARK, "census": MARK},
        },
    }  # fmt: skip


def write_synthetic_run(
    out: str | Path,
    *,
    n_children: int = 30_000,
    n_territories: int = 60,
    seed: int = 1,
    sigma_u: float = 0.0,
    sample_size: int | None = None,
    file_format: str = "csv",
    prevalence: float | None = None,
) -> SyntheticRun:
    """Write a SYNTHETIC run folder into ``out`` (created if needed); returns its paths.

    ``sample_size`` defaults to a tenth of the children (at most 12,000); PSUs (enumeration
    areas) are sized so that the survey takes at most a third of them.
    """
    if file_format not in FORMATS:
        raise SynthError(f"file format must be one of {', '.join(FORMATS)}, not {file_format!r}")
    sample_size = sample_size or min(12_000, n_children // 10)
    psu_size = max(
        2 * CHILDREN_PER_PSU, min(200, n_children * CHILDREN_PER_PSU // (3 * sample_size))
    )
    data = synthesize(
        n_children, n_territories, seed, sigma_u, prevalence,
        sample_size=sample_size, children_per_psu=CHILDREN_PER_PSU, psu_size=psu_size,
    )  # fmt: skip
    territory_code, region_code = _codes(n_territories, int(data.territories["region"].max()) + 1)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(
            region=frame["region"].map(region_code),
            territory=frame["territory"].map(territory_code),
        )

    s, c = coded(data.sample), coded(data.census)
    covariates = [name for name in COVARIATES if name not in ("male", "rural")]
    survey = s[["region", "territory", "stratum", "psu", "weight"]].assign(
        sex=2 - s["male"], area=s["rural"].map({0: "urban", 1: "rural"}), **s[covariates],
        child_labour=s["y"], synthetic=MARK,
    )  # fmt: skip
    census = (
        c[["child_id", "region", "territory", "male"]]
        .assign(area=c["rural"].map({0: "U", 1: "R"}), **c[covariates], synthetic=MARK)
        .rename(columns={"child_id": "person_id"})
    )
    truth = coded(data.territories).assign(synthetic=MARK)
    suffix = file_format
    header = f"# {SYNTHETIC_LABEL}\n# Written by `target87 risk synth`; run: target87 risk score run.yaml --out results\n"  # noqa: E501
    run_text = header + yaml.safe_dump(run_document(seed, suffix, sigma_u), sort_keys=False)
    readme = "\n".join(
        [
            SYNTHETIC_LABEL,
            "",
            data.summary(),
            "",
            "Files: run.yaml, "
            f"survey.{suffix}, census.{suffix}, boundaries.geojson, truth.csv "
            "(true territory rates, for checking estimators).",
            "",
        ]
    )
    paths = {
        "survey": _write_frame(survey, folder / f"survey.{suffix}", file_format),
        "census": _write_frame(census, folder / f"census.{suffix}", file_format),
        "truth": _write_frame(truth, folder / "truth.csv", "csv"),
        "boundaries": write_text(
            folder / "boundaries.geojson", json.dumps(boundaries_geojson(truth))
        ),
        "readme": write_text(folder / "README.txt", readme),
        "run_file": write_text(folder / "run.yaml", run_text),
    }
    return SyntheticRun(folder=folder, summary=data.summary(), **paths)
