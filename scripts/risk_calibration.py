"""Derive the targets of the synthetic CLRISK generator from real Brazil state aggregates.

Usage::

    python scripts/risk_calibration.py SOURCE_DIR [--out FILE]

FILE defaults to src/target87/risk/data/brazil_calibration.json.

SOURCE_DIR holds the third-party aggregates of IBGE PNAD Continua described in its SOURCE.txt
(``populacao_uf_idade.csv`` and ``database.csv``). The rate per state is

    working rate(14-17) = sum over ages 14..17 of Trabalhadores / sum over ages 14..17 of Populacao

where, in ``populacao_uf_idade.csv``, ``Trabalhadores`` is the weighted count of people of that
age with an economic-activity code (summed over the activity rows) and ``Populacao`` the
weighted count of all people of that age (repeated on each activity row: taken once). Both come
from the same 2019 quarter-4 extract with the same weights, so their ratio is consistent even
though the weighted population is only about 45% of Brazil's (the upstream weights cover a
subset). A state and age with no activity row had no sampled worker of that age: it adds zero
workers and, its population being absent from the file, the mean population of that state's
other ages 14-17 (7 of the 108 cells). Ages 5-13 are left out: the file has their population
only where a child worked, which would bias the rate. "Working" is any work in the reference
week, not the SDG child-labour definition. The json keeps each state's numbers, the national
rate (ratio of the sums), the quantiles of the 27 state rates and the sha256 of the inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "target87" / "risk" / "data" / "brazil_calibration.json"
AGES = (14, 15, 16, 17)
QUANTILES = {"min": 0.0, "p10": 0.1, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p90": 0.9, "max": 1.0}
INPUTS = ("populacao_uf_idade.csv", "database.csv")
UPSTREAM = {
    "repository": "https://github.com/Jefferson-m-toledo/trabalho-infantil",
    "folder": "dados_tratados/",
    "commit": "bb5ed72c37b431743eaee8f54203b69ec0355a13",
    "built_by": "Notebooks/Jefferson/uf-idade-populacao.ipynb (PNAD Continua 2019, quarter 4)",
    "underlying": "IBGE PNAD Continua microdata, open data",
    "licence": "no licence file upstream; IBGE data are open; treat as illustrative",
}

METHOD = (
    "Per state (UF): rate = sum over ages 14-17 of Trabalhadores (summed over activity rows) / "
    "sum over ages 14-17 of Populacao (taken once per state and age), both from "
    "populacao_uf_idade.csv (PNAD Continua 2019 Q4, same weights). A state-age cell without any "
    "row had no sampled worker: zero workers, population = mean of that state's other ages "
    "14-17. Ages 5-13 excluded (population present only where a child worked). National rate = "
    "ratio of the national sums. Quantiles: linear interpolation over the 27 state rates. "
    "Regions from database.csv."
)


class CalibrationError(RuntimeError):
    """The source files are missing or not in the expected shape."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(source: Path, name: str, columns: set[str]) -> pd.DataFrame:
    path = source / name
    if not path.is_file():
        raise CalibrationError(f"{path}: file not found")
    frame = pd.read_csv(path)
    missing = columns - set(frame.columns)
    if missing:
        raise CalibrationError(f"{path}: missing columns {sorted(missing)}")
    return frame


def state_rates(source: Path) -> pd.DataFrame:
    """One row per state: region, workers and population aged 14-17, ages imputed, rate."""
    people = _read(source, INPUTS[0], {"UF", "Idade", "Trabalhadores", "Populacao"})
    states = _read(source, INPUTS[1], {"UF", "Regiao"}).set_index("UF")["Regiao"]
    teens = people[people["Idade"].isin(AGES)]
    workers = teens.groupby(["UF", "Idade"])["Trabalhadores"].sum().unstack()
    population = teens.groupby(["UF", "Idade"])["Populacao"].first().unstack()
    population = population.reindex(index=states.index, columns=list(AGES))
    workers = workers.reindex(index=states.index, columns=list(AGES))
    if population.isna().all(axis=1).any():
        empty = population.index[population.isna().all(axis=1)].tolist()
        raise CalibrationError(f"{source / INPUTS[0]}: no population aged 14-17 for {empty}")
    imputed = population.isna()
    population = population.apply(lambda row: row.fillna(row.mean()), axis=1)
    table = pd.DataFrame(
        {
            "region": states,
            "workers_14_17": workers.fillna(0.0).sum(axis=1),
            "population_14_17": population.sum(axis=1),
            "ages_imputed": [
                [age for age in AGES if imputed.loc[uf, age]] for uf in population.index
            ],
        }
    )
    table["rate"] = table["workers_14_17"] / table["population_14_17"]
    return table.sort_index()


def calibration(source: Path) -> dict:
    """The calibration document written to json (plain data, rounded for a stable diff)."""
    table = state_rates(source)
    national = table["workers_14_17"].sum() / table["population_14_17"].sum()
    quantiles = {k: float(table["rate"].quantile(q)) for k, q in QUANTILES.items()}
    logit = [math.log(quantiles[k] / (1 - quantiles[k])) for k in ("p10", "p90")]
    return {
        "label": "SYNTHETIC-DATA CALIBRATION TARGETS (derived from real aggregates)",
        "measure": "working rate of children aged 14-17 (any work in the reference week)",
        "national_rate": round(float(national), 6),
        "state_rate_quantiles": {k: round(v, 6) for k, v in quantiles.items()},
        "state_logit_interdecile_range": round(logit[1] - logit[0], 6),
        "n_states": int(len(table)),
        "states": [
            {
                "uf": uf,
                "region": row.region,
                "workers_14_17": round(float(row.workers_14_17), 3),
                "population_14_17": round(float(row.population_14_17), 3),
                "ages_imputed": row.ages_imputed,
                "rate": round(float(row.rate), 6),
            }
            for uf, row in table.iterrows()
        ],
        "provenance": {
            "method": METHOD,
            "inputs": {name: _sha256(source / name) for name in INPUTS},
            "upstream": UPSTREAM,
            "script": "scripts/risk_calibration.py",
            "caveat": (
                "'Working' is any paid, in-kind or unpaid work in the reference week, not the "
                "ILO/SDG child-labour definition; the weighted population covers about 45% of "
                "Brazil's. Use only to make synthetic data look plausible, never as estimates."
            ),
        },
    }


def write(source: Path, out: Path) -> dict:
    document = calibration(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)  # never leave a half-written file
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with the PNAD Continua aggregates")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        document = write(args.source, args.out)
    except CalibrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{args.out}: national rate {document['national_rate']:.4f}, states {document['n_states']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
