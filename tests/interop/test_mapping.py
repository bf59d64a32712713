"""The mapping step's pure functions: proposing, the YAML round trip, applying to rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from target87.ingest import LoadError
from target87.interop.formats import read_any
from target87.interop.mapping import (
    Mapping,
    age_code,
    apply_rows,
    header_field,
    label_code,
    period_code,
    propose,
    synonyms,
)
from target87.interop.opensdg import raw_columns

REAL = Path(__file__).resolve().parents[1] / "data" / "real" / "opensdg"


@pytest.mark.parametrize(
    "header,field",
    [
        ("Sex", "sex"),
        ("Sexo", "sex"),
        ("Sexe", "sex"),
        ("Пол", "sex"),
        ("Age", "age"),
        ("Grupo de edad", "age"),
        ("Возраст", "age"),
        ("Units", "unit"),
        ("Unidad", "unit"),
        ("UNIT_MEASURE", "unit"),
        ("Year", "time_period"),
        ("Año", "time_period"),
        ("Год", "time_period"),
        ("GeoCode", "ref_area"),
        ("Location", "urbanisation"),
        ("Milieu de résidence", "urbanisation"),
        ("Category of Child Labour", None),
    ],
)
def test_headers_in_four_languages(header, field):
    assert header_field(header) == field


@pytest.mark.parametrize(
    "dimension,label,code",
    [
        ("sex", "Male", "M"),
        ("sex", "Hombre", "M"),
        ("sex", "Hombres", "M"),
        ("sex", "Masculin", "M"),
        ("sex", "мужчины", "M"),
        ("sex", "Boy", "M"),
        ("sex", "girl", "F"),
        ("sex", "Mujeres", "F"),
        ("sex", "Féminin", "F"),
        ("sex", "женщины", "F"),
        ("sex", "Total", "_T"),
        ("sex", "Both sexes", "_T"),
        ("sex", "BOTHSEX", "_T"),
        ("age", "aged 5-11 years", "Y5T11"),
        ("age", "De 5 a 14 años", "Y5T14"),
        ("age", "от 5 до 11 лет", "Y5T11"),
        ("age", "от 5 лет до 17 лет", "Y5T17"),
        ("age", "5 to 17 years old", "Y5T17"),
        ("age", "5-17", "Y5T17"),
        ("age", "Y15T17", "Y15T17"),
        ("age", "15 and over", "Y_GE15"),
        ("age", "Total", "_T"),
        ("age", "Quintile 1 (poorest)", None),
        ("unit", "%", "PT"),
        ("unit", "Percent", "PT"),
        ("unit", "Pour cent", "PT"),
        ("unit", "процент", "PT"),
        ("unit", "Percentage (%)", "PT"),
        ("unit", "number", "NUMBER"),
        ("unit", "Nombre", "NUMBER"),
        ("unit", "Number of children", "NUMBER"),
        ("urbanisation", "Городская", "U"),
        ("urbanisation", "Rural Area", "R"),
        ("urbanisation", "GKMA", None),
    ],
)
def test_labels_in_four_languages(dimension, label, code):
    assert label_code(dimension, label) == code


def test_age_is_an_age_band_only_when_nothing_else_is_said():
    assert age_code("Proportion of Children 5-12 years in Child Labour") is None
    assert age_code("17-5") is None


@pytest.mark.parametrize(
    "label,code",
    [("2015", "2015"), ("2015.0", "2015"), ("2013-14", "2013/2014"), ("2016-2017", "2016/2017")],
)
def test_periods(label, code):
    assert period_code(label) == code


def test_a_period_that_runs_backwards_stays_unknown():
    assert period_code("2014-13") is None
    assert propose({"Year": ["2014-13"]}, area="ARM", series="X").unknown["Year"] == ["2014-13"]


def test_the_synonyms_are_data_in_four_languages():
    words = synonyms()["values"]["sex"]["M"]
    assert {"male", "masculin", "hombres", "мужчины"} <= set(words)


def test_propose_maps_known_labels_and_keeps_the_unknown():
    mapping = propose(
        {
            "Year": ["2019"],
            "Sexo": ["Total", "Hombres", "Mujeres"],
            "Grupo de edad": ["Total", "De 5 a 14 años", "De 15 a 17 años"],
            "Entidad federativa": ["Aguascalientes"],
            "Value": ["1.5"],
        },
        {"UNIT_MEASURE": "Porcentaje"},
        area="MEX",
        series="SL_TLF_CHLDEC",
    )
    assert mapping.columns == {
        "Year": "time_period",
        "Sexo": "sex",
        "Grupo de edad": "age",
        "Entidad federativa": "area_name",  # names the states: the names of new areas
        "Value": "value",
    }
    assert mapping.codes["sex"] == {"Hombres": "M", "Mujeres": "F", "Total": "_T"}
    assert mapping.codes["age"]["De 5 a 14 años"] == "Y5T14"
    assert mapping.unit == "PT"  # from the metadata, in Spanish
    assert mapping.unknown == {}


def test_what_the_file_leaves_implicit_is_named_unknown():
    mapping = propose({"Year": ["2015"], "Value": ["1"]}, {})
    assert set(mapping.unknown) == {"unit", "series", "area"}


def test_the_metadata_names_the_country_series_and_unit():
    mapping = propose(
        {"Year": ["2015"], "Value": ["1"]},
        {"computation_units": "Percentage (%)", "series": "SL_TLF_CHLDEC", "ref_area": "ARM"},
    )
    assert (mapping.area, mapping.series, mapping.unit) == ("ARM", "SL_TLF_CHLDEC", "PT")
    assert mapping.unknown == {}


def test_yaml_round_trip_keeps_every_part():
    mapping = Mapping(
        area="ARM",
        series={"PT": "SL_TLF_CHLDEC", "NUMBER": "GE_CHLD_LAB"},
        unit=None,
        source="armstat",
        columns={"Пол": "sex", "Extra": "drop"},
        codes={"sex": {"мальчик": "M", "девочка": "F"}, "unit": {"%": "PT"}},
        skip={"unit": ["NUMBER"]},
        unknown={"columns": ["Extra"]},
    )
    text = mapping.to_yaml()
    assert "мальчик" in text  # written as text, not escaped
    assert Mapping.from_yaml(text) == mapping


@pytest.mark.parametrize(
    "text,words",
    [
        ("area: [1, 2]", "one value"),
        ("columns: {Sex: gender}", "not a field"),
        ("colums: {}", "unknown key"),
        ("- a list", "YAML mapping"),
        ("area: [", "malformed"),
    ],
)
def test_a_malformed_mapping_is_named(text, words):
    with pytest.raises(ValueError, match=words):
        Mapping.from_yaml(text)


def test_apply_rows_renames_translates_fills_drops_and_skips():
    mapping = Mapping(
        area="ARM",
        series={"PT": "SL_TLF_CHLDEC"},
        source="armstat",
        columns={"Units": "unit", "Пол": "sex", "Note": "drop"},
        codes={"unit": {"%": "PT", "число": "NUMBER"}, "sex": {"мальчик": "M"}},
        skip={"unit": ["NUMBER"]},
    )
    header = ["Year", "Units", "Пол", "Note", "Value"]
    rows = [["2015", "%", "мальчик", "x", "11.4"], ["2015", "число", "", "y", "27300"]]
    new_header, lines, out, skipped = apply_rows(mapping, header, [2, 3], rows)
    assert new_header == ["Year", "Units", "Sex", "Value", "GeoCode", "Source", "Series"]
    assert out == [["2015", "PT", "M", "11.4", "ARM", "armstat", "SL_TLF_CHLDEC"]]
    assert (lines, skipped) == ([2], 1)


def test_propose_on_the_armenian_folder_leaves_nothing_unknown():
    columns, metadata = raw_columns(REAL / "ARM")
    mapping = propose(columns, metadata, area="ARM", series="SL_TLF_CHLDEC")
    assert mapping.unknown == {}
    assert mapping.codes["age"] == {
        "aged 12-15 years": "Y12T15",
        "aged 16-17 years": "Y16T17",
        "aged 5-11 years": "Y5T11",
    }
    assert mapping.codes["unit"] == {"%": "PT", "number": "NUMBER"}


def test_the_russian_build_maps_as_the_english_one():
    columns, _ = raw_columns(REAL / "ARM" / "built" / "ru" / "data" / "8-7-1.csv")
    mapping = propose(columns, {}, area="ARM", series="SL_TLF_CHLDEC")
    assert mapping.codes["sex"] == {"девочка": "F", "мальчик": "M"}
    assert mapping.codes["unit"] == {"%": "PT", "число": "NUMBER"}
    assert mapping.codes["urbanisation"] == {"город": "U", "село": "R"}
    assert mapping.codes["age"]["5-11 лет"] == "Y5T11"


def test_read_any_applies_a_mapping_to_open_sdg():
    columns, metadata = raw_columns(REAL / "ARM")
    mapping = propose(columns, metadata, area="ARM", series="SL_TLF_CHLDEC")
    raw = read_any(REAL / "ARM", mapping=mapping)
    assert set(raw["ref_area"]) == {"ARM"} and set(raw["unit"]) == {"PT", "NUMBER"}
    assert set(raw["age"]) == {"_T", "Y5T11", "Y12T15", "Y16T17"}


def test_without_a_mapping_the_labels_stay_refused():
    with pytest.raises(LoadError, match="aged 5-11 years"):
        read_any(REAL / "ARM")


def test_a_file_in_other_words_is_refused_until_mapped():
    with pytest.raises(LoadError, match="unknown code 'Boy'"):
        read_any(REAL / "JAM")


def test_a_format_that_takes_no_mapping_refuses_it(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("series,ref_area,time_period,value\nSL_TLF_CHLDEC,ARM,2015,1\n")
    with pytest.raises(LoadError, match="mapping"):
        read_any(path, "csv", mapping=Mapping(area="ARM"))


def test_areas_by_iso2_m49_iso3_and_name():
    mapping = propose(
        {"GeoCode": ["KG", "646", "ARM", "Mexique", "KG02"]}, area="KGZ", series="X", unit="PT"
    )
    assert mapping.codes["ref_area"] == {
        "KG": "KGZ",
        "646": "RWA",
        "Mexique": "MEX",
        "KG02": "KGZ-02",  # a region of the file's country: a subnational area
    }
    assert mapping.unknown == {}


def test_national_region_numbers_are_not_taken_for_m49_countries():
    # Mexico numbers its states 00..32 and Rwanda its provinces 1..5: "12" is not Algeria.
    mapping = propose({"GeoCode": ["00", "12", "4", "012"]}, area="MEX", series="X", unit="PT")
    assert mapping.codes["ref_area"] == {"012": "DZA", "00": "MEX", "12": "MEX-12", "4": "MEX-4"}
    assert mapping.unknown == {}


def test_an_empty_second_column_of_a_field_is_dropped():
    # Cameroon's French build: "Aire Geographique" and "GeoCode", both always empty.
    mapping = propose(
        {"Aire Geographique": [""], "GeoCode": [""]}, area="CMR", series="X", unit="PT"
    )
    assert mapping.columns == {"GeoCode": "ref_area", "Aire Geographique": "drop"}
    assert mapping.unknown == {}
