"""Build the bundled snapshot (src/target87/data/snapshot) from the raw files in data/raw.

    python scripts/build_snapshot.py [--raw data/raw] [--out src/target87/data/snapshot]

The output is deterministic: the same raw files give byte-identical CSVs, and a test rebuilds
the snapshot and compares. Anything the builder cannot map (an unknown M49 code, country
name, sex, age or measure) stops the build with a message naming the file and row: a
snapshot never silently loses a row. The format is documented in docs/snapshot-format.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "src"))

import snapshot_catalog as C  # noqa: E402
from target87.ingest import schema as S  # noqa: E402  (the file formats the loader checks)

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_VERSION = "2026.11.1"

FILES = {
    f.name: f
    for f in (
        S.SOURCES,
        S.AREAS,
        S.SERIES,
        S.INSTRUMENTS,
        S.OBSERVATIONS,
        S.RATIFICATIONS,
        S.GOODS,
        S.PATHFINDERS,
    )
}
OBS_HEADER = [c.name for c in S.OBSERVATIONS.columns]
AREA_HEADER = [c.name for c in S.AREAS.columns]
SOURCE_HEADER = [c.name for c in S.SOURCES.columns]
DDF_SEX = {"bothsex": "_T", "female": "F", "male": "M"}
DDF_AGE = {"allage": "_T", "lt18y": "Y0T17", "18": "Y_GE18"}
SDG_SERIES = ("sl_tlf_chldec", "sl_tlf_chldea")
HTF_SERIES = ("vc_htf_detv", "vc_htf_detvfl", "vc_htf_detvsx", "vc_htf_detvog", "vc_htf_detvop")
REPORT_SOURCES = {
    "ILO-IPEC (2013)": "ilo_ipec_2013",
    "ILO (2017)": "ilo_2017",
    "ILO & UNICEF (2021)": "ilo_unicef_2021",
    "ILO & UNICEF (2025)": "ilo_unicef_2025",
}
GEMS_MEASURES = {  # measure -> (number series, rate series, sex, age)
    "modern_slavery_total": ("GE_MOD_SLAV", "GE_MOD_SLAV_RT", "_T", "_T"),
    "forced_labour": ("GE_FORC_LAB", "GE_FORC_LAB_RT", "_T", "_T"),
    "forced_marriage": ("GE_FORC_MAR", "GE_FORC_MAR_RT", "_T", "_T"),
    "forced_labour_children": ("GE_FORC_LAB", "GE_FORC_LAB_RT", "_T", "Y0T17"),
    "forced_labour_women_and_girls": ("GE_FORC_LAB", "GE_FORC_LAB_RT", "F", "_T"),
    "forced_marriage_women_and_girls": ("GE_FORC_MAR", "GE_FORC_MAR_RT", "F", "_T"),
}
GEMS_NO_VALUE = {"forced_labour_state_imposed_share_pct"}  # published only in the text
SOWC_FLAGS = {
    "x": "x: data refer to years or periods outside 2013-2021",
    "y": "y: data differ from the standard definition or refer to only part of a country",
}
ILAB_RATIFICATIONS = {
    "C_138_Ratified": "C138",
    "C_182_Ratified": "C182",
    "Convention_on_the_Rights_of_the_Child_Ratified": "CRC",
    "CRC_Armed_Conflict_Ratified": "OP_CRC_AC",
    "CRC_Commercial_Sexual_Exploitation_of_Children_Ratified": "OP_CRC_SC",
    "Palermo_Ratified": "PALERMO",
}
UNTC_FILES = {
    "crc": "CRC",
    "op_crc_sc": "OP_CRC_SC",
    "op_crc_ac": "OP_CRC_AC",
    "icmw": "ICMW",
    "cedaw": "CEDAW",
}
UNTC_STATUS = {"state party": "ratified", "signatory state": "signed", "no action": "not_ratified"}


class BuildError(Exception):
    pass


def read_rows(raw: Path, rel: str) -> Iterable[tuple[str, int, dict[str, str]]]:
    """Yield (file, line, row) for each data row of a raw CSV."""
    with open(raw / rel, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            yield rel, line, row


def fail(rel: str, line: int, message: str) -> BuildError:
    return BuildError(f"{rel}, line {line}: {message}")


def number(text: str, rel: str, line: int, column: str) -> str:
    try:
        value = float(text)
    except ValueError:
        raise fail(rel, line, f"column {column}: {text!r} is not a number") from None
    return repr(value)


class Builder:
    def __init__(self, raw: Path) -> None:
        self.raw = raw
        self.countries = list(read_rows(raw, "countries/country_metadata_merged.csv"))
        self.m49_to_area: dict[str, str] = {}
        self.iso2_to_area: dict[str, str] = {}
        self.name_to_area: dict[str, str] = dict(C.ILAB_NAMES)

    # -- areas ---------------------------------------------------------------------------
    @staticmethod
    def area_code(iso3: str) -> str:
        return "XKX" if iso3 == "UNK" else iso3  # the UN file codes Kosovo UNK

    def ilo_region(self, row: dict[str, str], code: str) -> str:
        region = row["m49_region"]
        if region == "Asia":
            if code in C.ARAB_STATES:
                return "Arab States"
            if code in C.ASIA_IN_EUROPE_CENTRAL_ASIA:
                return "Europe and Central Asia"
            return "Asia and the Pacific"
        return {
            "Africa": "Africa",
            "Americas": "Americas",
            "Europe": "Europe and Central Asia",
            "Oceania": "Asia and the Pacific",
        }.get(region, "")

    def areas(self) -> list[dict]:
        out: list[dict] = []
        groups: dict[str, str] = {}
        for rel, line, r in self.countries:
            code = self.area_code(r["iso3"])
            rule = self.ilo_region(r, code)
            given = r["ilo_region_via_gsi2023"]
            if given and rule and given != rule:
                raise fail(rel, line, f"ILO region rule gives {rule!r}, GSI 2023 says {given!r}")
            ilo = given or rule
            if ilo and ilo not in C.ILO_REGIONS:
                raise fail(rel, line, f"unknown ILO region {ilo!r}")
            income = r["wb_income_group"]
            if income and income not in C.WB_INCOME:
                raise fail(rel, line, f"unknown income group {income!r}")
            m49 = r["m49_code"].zfill(3) if r["m49_code"] else ""
            levels = {}
            for level in ("region", "subregion", "intermediate_region"):
                gcode = r[f"m49_{level}_code"]
                if gcode:
                    groups[gcode] = r[f"m49_{level}"]
                levels[level] = f"M49_{gcode}" if gcode else ""
            out.append(
                {
                    "code": code,
                    "kind": "country",
                    "grouping": "",
                    "iso3": code,
                    "iso2": r["iso2"],
                    "m49": m49,
                    "name_en": r["name_en"],
                    "name_fr": r["name_fr"],
                    "name_es": r["name_es"],
                    "m49_region": levels["region"],
                    "m49_subregion": levels["subregion"],
                    "m49_intermediate_region": levels["intermediate_region"],
                    "ilo_region": C.ILO_REGIONS[ilo][0] if ilo else "",
                    "wb_region": r["wb_region"],
                    "wb_income_group": C.WB_INCOME[income][0] if income else "",
                    "un_member": "1" if r["un_member"] == "True" else "0",
                    "source": "world_countries_5_1;iso3166_m49_lukes;worldbank_class_fy2025;"
                    "walkfree_gsi_2023",
                }
            )
            if m49:
                self.m49_to_area[m49.lstrip("0")] = code
            self.iso2_to_area[r["iso2"]] = code
            self.name_to_area.setdefault(r["name_en"], code)
        self.iso2_to_area["TP"] = "TLS"  # the UNTC files use the old code of Timor-Leste
        blank = dict.fromkeys(AREA_HEADER, "")
        out.append(
            {
                **blank,
                "code": "WLD",
                "kind": "world",
                "m49": "001",
                "name_en": "World",
                "name_fr": "Monde",
                "name_es": "Mundo",
                "source": "iso3166_m49_lukes",
            }
        )
        for gcode, name in sorted(groups.items()):
            fr, es = C.M49_NAMES[gcode]
            out.append(
                {
                    **blank,
                    "code": f"M49_{gcode}",
                    "kind": "region",
                    "grouping": "M49",
                    "m49": gcode,
                    "name_en": name,
                    "name_fr": fr,
                    "name_es": es,
                    "source": "iso3166_m49_lukes",
                }
            )
        for grouping, table, source in (
            ("ILO", C.ILO_REGIONS, "walkfree_gsi_2023"),
            ("WB_INCOME", C.WB_INCOME, "worldbank_class_fy2025"),
        ):
            for code, en, fr, es in table.values():
                out.append(
                    {
                        **blank,
                        "code": code,
                        "kind": "region",
                        "grouping": grouping,
                        "name_en": en,
                        "name_fr": fr,
                        "name_es": es,
                        "source": source,
                    }
                )
        return sorted(out, key=lambda a: a["code"])

    # -- observations ----------------------------------------------------------------------
    @staticmethod
    def obs(**fields: str) -> dict:
        row = dict.fromkeys(OBS_HEADER, "")
        row.update(urbanisation="_T", obs_status="A", reporting_type="G", unit_mult="0")
        row.update(fields)
        if row["time_period"].isdigit():
            row["year_from"] = row["year_to"] = row["time_period"]
        return row

    def ddf(self, folder: str, series: str, unit: str, source: str) -> list[dict]:
        rel = f"{folder}/ddf--datapoints--{series}--by--age--geo_area--nature--sex--units--year.csv"
        out = []
        for rel_, line, r in read_rows(self.raw, rel):
            area = self.m49_to_area.get(r["geo_area"])
            if area is None:
                raise fail(rel_, line, f"M49 code {r['geo_area']!r} maps to no area")
            age = DDF_AGE.get(r["age"])
            if age is None and re.fullmatch(r"\d+_\d+", r["age"]):
                age = "Y" + r["age"].replace("_", "T")
            if r["sex"] not in DDF_SEX or age is None:
                raise fail(rel_, line, f"unknown sex or age {r['sex']!r}/{r['age']!r}")
            out.append(
                self.obs(
                    series=series.upper(),
                    ref_area=area,
                    time_period=r["year"],
                    sex=DDF_SEX[r["sex"]],
                    age=age,
                    value=number(r[series], rel_, line, series),
                    unit=unit,
                    nature=r["nature"].upper(),
                    source=source,
                )
            )
        return out

    def sowc(self) -> list[dict]:
        out = []
        for rel, line, r in read_rows(self.raw, "child_labour/sowc2023_child_labour_5_17_tidy.csv"):
            if not r["iso3"]:
                continue  # UNICEF regional aggregates: no UNICEF region areas yet
            area = self.area_code(r["iso3"])
            for sex, col in (("_T", "total"), ("M", "male"), ("F", "female")):
                value = r[f"child_labour_{col}_pct"]
                if not value:
                    continue
                flags = [f.strip() for f in r[f"{col}_note"].split(",") if f.strip()]
                if set(flags) - set(SOWC_FLAGS):
                    raise fail(rel, line, f"unknown SOWC flag in {r[f'{col}_note']!r}")
                period = "unknown" if "x" in flags else "2013/2021"
                notes = ["most recent year in 2013-2021; the year is not given by the source"]
                obs = self.obs(
                    series="SL_TLF_CHLDEC",
                    ref_area=area,
                    time_period=period,
                    sex=sex,
                    age="Y5T17",
                    value=number(value, rel, line, col),
                    unit="PT",
                    footnote="; ".join(notes + [SOWC_FLAGS[f] for f in flags]),
                    source="unicef_sowc_2023",
                )
                if period == "2013/2021":
                    obs.update(year_from="2013", year_to="2021")
                out.append(obs)
        return out

    def global_estimates(self) -> list[dict]:
        rel0 = "global_estimates/ilo_unicef_global_child_labour_estimates.csv"
        measures = (
            ("child_labour_millions", "GE_CHLD_LAB", "NUMBER", "6"),
            ("child_labour_pct", "GE_CHLD_LAB_PT", "PT", "0"),
            ("hazardous_work_millions", "GE_CHLD_HAZ", "NUMBER", "6"),
            ("hazardous_work_pct", "GE_CHLD_HAZ_PT", "PT", "0"),
        )
        out = []
        for rel, line, r in read_rows(self.raw, rel0):
            source = next(
                (s for k, s in REPORT_SOURCES.items() if r["source_report"].startswith(k)), None
            )
            area = C.ESTIMATE_REGIONS.get(r["region"])
            sex, urb = {
                "total": ("_T", "_T"),
                "male": ("M", "_T"),
                "female": ("F", "_T"),
                "rural": ("_T", "R"),
                "urban": ("_T", "U"),
            }.get(r["sex"], (None, None))
            if source is None or area is None or sex is None or r["age_group"] != "5-17":
                raise fail(rel, line, "unknown report, region, sex or age group")
            for column, series, unit, mult in measures:
                if r[column]:
                    out.append(
                        self.obs(
                            series=series,
                            ref_area=area,
                            time_period=r["year"],
                            sex=sex,
                            age="Y5T17",
                            urbanisation=urb,
                            unit=unit,
                            unit_mult=mult,
                            value=number(r[column], rel, line, column),
                            nature="M",
                            footnote=f"confidence: {r['confidence']} (figure transcribed by hand "
                            f"from {r['source_report']})",
                            source=source,
                        )
                    )
        return out

    def gems(self) -> list[dict]:
        out = []
        for rel, line, r in read_rows(self.raw, "forced_labour/gems_2021_regional_estimates.csv"):
            if r["measure"] in GEMS_NO_VALUE and not r["millions"] and not r["per_1000"]:
                continue
            if r["measure"] not in GEMS_MEASURES or r["region"] not in C.ESTIMATE_REGIONS:
                raise fail(rel, line, f"unknown measure or region {r['measure']!r}/{r['region']!r}")
            number_series, rate_series, sex, age = GEMS_MEASURES[r["measure"]]
            area = C.ESTIMATE_REGIONS[r["region"]]
            for column, series, unit, mult in (
                ("millions", number_series, "NUMBER", "6"),
                ("per_1000", rate_series, "PER_1000_POP", "0"),
            ):
                if r[column]:
                    out.append(
                        self.obs(
                            series=series,
                            ref_area=area,
                            time_period=r["year"],
                            sex=sex,
                            age=age,
                            unit=unit,
                            unit_mult=mult,
                            value=number(r[column], rel, line, column),
                            nature="M",
                            footnote=f"confidence: {r['confidence']} (figure "
                            "transcribed by hand from GEMS 2021)",
                            source="gems_2021",
                        )
                    )
        return out

    def observations(self) -> list[dict]:
        rows = []
        for series in SDG_SERIES:
            rows += self.ddf(C.UN_DDF, series, "PT", "un_sdg_871")
        for series in HTF_SERIES:
            rows += self.ddf(C.UN_DDF_HTF, series, "NUMBER", "un_sdg_1622")
        rows += self.sowc() + self.global_estimates() + self.gems()
        return sorted_unique(rows, list(S.OBSERVATIONS.key))

    # -- ratifications, goods, pathfinders -------------------------------------------------
    def ratifications(self) -> list[dict]:
        out: dict[tuple[str, str], dict] = {}

        def add(area: str, instrument: str, row: dict, rel: str, line: int) -> None:
            if (area, instrument) in out:
                raise fail(rel, line, f"second row for {area} {instrument}")
            out[(area, instrument)] = {"area": area, "instrument": instrument, **row}

        for rel, line, r in read_rows(self.raw, "ratifications/ilo_ratifications.csv"):
            date, year = r["ratification_date"], ""
            if len(date) == 4:
                date, year = "", date
            elif date:
                year = date[:4]
            add(
                self.area_code(r["iso3"]),
                r["instrument"],
                {
                    "status": "ratified",
                    "date": date,
                    "year": year,
                    "minimum_age": r["minimum_age_specified"],
                    "source": "ilo_ratifications_compiled",
                    "note": f"as cited at {r['source_url']} (accessed {r['accessed']})",
                },
                rel,
                line,
            )
        for stem, instrument in UNTC_FILES.items():
            for rel, line, r in read_rows(self.raw, f"ratifications/hr_status_{stem}.csv"):
                area = self.iso2_to_area.get(r["iso2"])
                if area is None or r["status"] not in UNTC_STATUS:
                    raise fail(rel, line, f"unknown iso2 or status {r['iso2']!r}/{r['status']!r}")
                year = r["year ratification or accession"]
                add(
                    area,
                    instrument,
                    {
                        "status": UNTC_STATUS[r["status"]],
                        "date": "",
                        "year": year if r["status"] == "state party" else "",
                        "minimum_age": "",
                        "source": "untc_hr_2022",
                        "note": r["note"],
                    },
                    rel,
                    line,
                )
        for rel, line, r in read_rows(self.raw, "goods/ilab_country_profiles_2022_tidy.csv"):
            area = self.ilab_area(r["country"], rel, line)
            for column, instrument in ILAB_RATIFICATIONS.items():
                flag = r[column]
                if (area, instrument) in out or flag not in ("Yes", "No"):
                    continue
                add(
                    area,
                    instrument,
                    {
                        "status": "ratified" if flag == "Yes" else "not_ratified",
                        "date": "",
                        "year": "",
                        "minimum_age": "",
                        "source": "ilab_profiles_2022",
                        "note": f"ILAB 2022 flag {column}={flag}",
                    },
                    rel,
                    line,
                )
        return [out[k] for k in sorted(out)]

    def ilab_area(self, name: str, rel: str, line: int) -> str:
        area = self.name_to_area.get(name)
        if area is None:
            raise fail(rel, line, f"ILAB country name {name!r} maps to no area")
        return area

    def goods(self) -> list[dict]:
        out = []
        yes = {"Yes": "1", "No": "0"}
        for rel, line, r in read_rows(self.raw, "goods/ilab_tvpra_goods_2022_tidy.csv"):
            flags = [
                r[c]
                for c in (
                    "child_labor",
                    "forced_labor",
                    "forced_child_labor",
                    "derived_labor_exploitation",
                )
            ]
            if any(f not in yes for f in flags):
                raise fail(rel, line, f"flags must be Yes/No, got {flags}")
            derived = r["derived_country"]
            out.append(
                {
                    "area": self.ilab_area(r["country"], rel, line),
                    "good": r["good"],
                    "sector": r["sector"],
                    "child_labour": yes[flags[0]],
                    "forced_labour": yes[flags[1]],
                    "forced_child_labour": yes[flags[2]],
                    "derived_labour_exploitation": yes[flags[3]],
                    "derived_country": ""
                    if derived == "No"
                    else self.ilab_area(derived, rel, line),
                    "edition": "2022",
                    "source": "ilab_tvpra_2022",
                }
            )
        return sorted_unique(out, list(S.GOODS.key))

    def pathfinders(self) -> list[dict]:
        out = []
        for rel, line, r in read_rows(self.raw, "pathfinders/pathfinder_countries.csv"):
            if r["iso3"] not in self.iso2_to_area.values():
                raise fail(rel, line, f"unknown ISO3 {r['iso3']!r}")
            out.append(
                {
                    "area": r["iso3"],
                    "year_joined": r["year_joined"],
                    "roadmap": r["national_roadmap_or_action_plan"],
                    "source": "alliance87_pathfinders_2025",
                    "verification": r["verification"],
                }
            )
        return sorted_unique(out, list(S.PATHFINDERS.key))

    # -- sources -----------------------------------------------------------------------------
    def raw_files(self, entries: list[str]) -> list[dict]:
        paths: list[Path] = []
        for entry in entries:
            path = self.raw / entry
            paths += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        return [
            {"path": p.relative_to(self.raw).as_posix(), "sha256": sha256(p.read_bytes())}
            for p in paths
        ]

    def sources(self) -> tuple[list[dict], list[dict]]:
        rows, manifest = [], []
        for sid, meta in sorted(C.SOURCES.items()):
            files = self.raw_files(meta["raw"])
            if len(files) == 1:
                digest = files[0]["sha256"]
            else:
                digest = sha256("\n".join(f"{f['path']}:{f['sha256']}" for f in files).encode())
            citation = (
                f"{meta['publisher']} ({meta['year']}). {meta['title']}, {meta['edition']}. "
                f"{meta['url']} (accessed {meta['retrieved']}). Licence: {meta['licence']}."
            )
            row = {k: meta.get(k, "") for k in SOURCE_HEADER}
            row.update(id=sid, citation=citation, sha256=digest)
            rows.append(row)
            manifest.append({**{k: v for k, v in row.items() if k != "sha256"}, "raw_files": files})
        return rows, manifest


def nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sorted_unique(rows: list[dict], key: list[str]) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        if k in seen:
            raise BuildError(f"two rows for the key {dict(zip(key, k, strict=True))}")
        seen[k] = row
    return [seen[k] for k in sorted(seen)]


def write_csv(path: Path, header: list[str], rows: Iterable[dict | tuple]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            values = [row.get(c, "") for c in header] if isinstance(row, dict) else list(row)
            # NFC: the ILAB file spells "Açaí" with combining accents; searches expect one form.
            writer.writerow(["" if v is None else nfc(v) for v in values])


def build(raw: Path, out: Path) -> dict:
    b = Builder(raw)
    areas = b.areas()
    rows = {
        "areas.csv": areas,
        "series.csv": sorted(C.SERIES),
        "instruments.csv": sorted(C.INSTRUMENTS),
        "observations.csv": b.observations(),
        "ratifications.csv": b.ratifications(),
        "goods.csv": b.goods(),
        "pathfinders.csv": b.pathfinders(),
    }
    source_rows, source_manifest = b.sources()
    rows["sources.csv"] = source_rows
    tables = {name: ([c.name for c in FILES[name].columns], r) for name, r in rows.items()}
    out.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        write_csv(out / name, header, rows)
    manifest = {
        "snapshot": SNAPSHOT_VERSION,
        "built_from": "data/raw",
        "builder": "scripts/build_snapshot.py",
        "files": {name: sha256((out / name).read_bytes()) for name in sorted(tables)},
        "sources": source_manifest,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {name: len(rows) for name, (_, rows) in tables.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "target87" / "data" / "snapshot")
    args = parser.parse_args(argv)
    try:
        counts = build(args.raw, args.out)
    except BuildError as exc:
        print(f"build_snapshot: {exc}", file=sys.stderr)
        return 1
    for name, n in sorted(counts.items()):
        print(f"{name:20} {n:6d} rows")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
