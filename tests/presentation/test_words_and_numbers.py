"""Codes, periods, numbers, dates and the data's texts as each language writes them."""

from __future__ import annotations

import pytest

from target87.presentation import (
    age_label,
    children_only,
    code_label,
    content_text,
    date_label,
    format_number,
    format_percent,
    format_value,
    nature_label,
    obs_status_label,
    period_label,
    sex_label,
    unit_label,
    untranslated_parts,
    urbanisation_label,
)

NBSP, NNBSP = "\u00a0", "\u202f"  # Babel: no-break space before %, narrow one in French groups


@pytest.mark.parametrize(
    "code,en,fr,es",
    [
        ("Y5T17", "5-17 years", "5-17 ans", "5-17 años"),
        ("Y5T14", "5-14 years", "5-14 ans", "5-14 años"),
        ("Y0T17", "0-17 years", "0-17 ans", "0-17 años"),
        ("Y_GE18", "18 years and over", "18 ans et plus", "18 años y más"),
        ("Y_LT18", "under 18 years", "moins de 18 ans", "menores de 18 años"),
        ("_T", "all ages", "tous âges", "todas las edades"),
        ("Y99X", "Y99X", "Y99X", "Y99X"),
    ],
)
def test_ages(code, en, fr, es):
    assert [age_label(code, lang) for lang in ("en", "fr", "es")] == [en, fr, es]


def test_short_ages_and_children():
    assert [age_label(c, "fr", short=True) for c in ("Y5T17", "Y_GE18", "Y_LT18", "_T")] == [
        "5-17",
        "18+",
        "<18",
        "tous âges",
    ]
    assert children_only("Y5T17") and children_only("Y0T17") and children_only("Y_LT18")
    assert not children_only("Y_GE18") and not children_only("_T") and not children_only("Y15T24")


def test_sexes_urbanisation_status_nature_units():
    assert [sex_label(c, "en") for c in ("_T", "F", "M")] == ["total", "female", "male"]
    assert [sex_label(c, "fr") for c in ("_T", "F", "M")] == ["total", "femmes", "hommes"]
    assert [sex_label(c, "es") for c in ("_T", "F", "M")] == ["total", "mujeres", "hombres"]
    assert [sex_label(c, "en", children=True) for c in ("F", "M")] == ["girls", "boys"]
    assert [sex_label(c, "fr", children=True) for c in ("F", "M")] == ["filles", "garçons"]
    assert [sex_label(c, "es", children=True) for c in ("F", "M")] == ["niñas", "niños"]
    assert sex_label("_O", "fr") == "_O"
    assert [urbanisation_label(c, "fr") for c in ("_T", "U", "R")] == [
        "urbain et rural",
        "urbain",
        "rural",
    ]
    assert [urbanisation_label(c, "es") for c in ("_T", "U", "R")] == [
        "urbano y rural",
        "urbano",
        "rural",
    ]
    assert obs_status_label("A", "en") == "normal value"
    assert obs_status_label("E", "fr") == "valeur estimée"
    assert obs_status_label("P", "es") == "valor provisional"
    assert nature_label("C", "fr") == "données nationales"
    assert nature_label("CA", "es") == "datos nacionales ajustados"
    assert nature_label("M", "en") == "modelled"
    assert nature_label("ZZ", "fr") == "ZZ"
    assert [unit_label("PT", lang) for lang in ("en", "fr", "es")] == ["%", "%", "%"]
    assert [unit_label("NUMBER", lang) for lang in ("en", "fr", "es")] == [
        "number",
        "nombre",
        "número",
    ]
    assert [unit_label("NUMBER", lang, 6) for lang in ("en", "fr", "es")] == [
        "million",
        "millions",
        "millones",
    ]
    assert [unit_label("PER_1000_POP", lang) for lang in ("en", "fr", "es")] == [
        "per 1,000 people",
        "pour 1 000 personnes",
        "por cada 1.000 personas",
    ]
    assert code_label("age", "Y5T17", "es") == "5-17 años"
    assert code_label("time_period", "2013/2021", "en").startswith("latest in 2013-2021")
    assert code_label("series", "SL_TLF_CHLDEC", "fr") == "SL_TLF_CHLDEC"


@pytest.mark.parametrize(
    "period,en,fr,es",
    [
        ("2019", "2019", "2019", "2019"),
        (
            "2013/2021",
            "latest in 2013-2021 (year not given)",
            "dernière valeur entre 2013 et 2021 (année non précisée)",
            "último valor entre 2013 y 2021 (año no indicado)",
        ),
        (
            "unknown",
            "year not given (outside the source's window)",
            "année non précisée (hors de la période couverte par la source)",
            "año no indicado (fuera del período que cubre la fuente)",
        ),
        ("2019-Q1", "2019-Q1", "2019-Q1", "2019-Q1"),
    ],
)
def test_periods(period, en, fr, es):
    assert [period_label(period, lang) for lang in ("en", "fr", "es")] == [en, fr, es]


@pytest.mark.parametrize(
    "value,digits,en,fr,es",
    [
        (1054.25, 1, "1,054.3", f"1{NNBSP}054,3", "1.054,3"),
        (1054, 0, "1,054", f"1{NNBSP}054", "1.054"),
        (1234567.891, 2, "1,234,567.89", f"1{NNBSP}234{NNBSP}567,89", "1.234.567,89"),
        (19.2504, 1, "19.3", "19,3", "19,3"),
        (19.25, 1, "19.3", "19,3", "19,3"),  # half up, not half even
        (21.7, 2, "21.7", "21,7", "21,7"),
        (20.0, 1, "20", "20", "20"),
        (-0.04, 1, "0", "0", "0"),
        (-6.525, 2, "-6.53", "-6,53", "-6,53"),
    ],
)
def test_numbers(value, digits, en, fr, es):
    assert [format_number(value, lang, digits) for lang in ("en", "fr", "es")] == [en, fr, es]


def test_fixed_decimals_missing_values_and_unknown_languages():
    assert format_number(2, "fr", 2, fixed=True) == "2,00"
    assert format_number(None, "fr") == "—" and format_number(float("nan"), "es") == "—"
    assert format_number(1.5, "de") == "1.5"  # an unknown language falls back to English
    assert format_percent(19.03, "en") == "19.0 %"


@pytest.mark.parametrize(
    "args,en,fr,es",
    [
        ((21.71, "PT", 0), "21.7 %", f"21,7{NBSP}%", f"21,7{NBSP}%"),
        ((19.2504, "PT", 0), "19.3 %", f"19,3{NBSP}%", f"19,3{NBSP}%"),
        ((19.03, "PT", 0), "19.0 %", f"19,0{NBSP}%", f"19,0{NBSP}%"),
        ((1054.0, "NUMBER", 0), "1,054", f"1{NNBSP}054", "1.054"),
        ((27.6, "NUMBER", 6), "27.6 million", "27,6 millions", "27,6 millones"),
        (
            (3.5, "PER_1000_POP", 0),
            "3.5 per 1,000 people",
            "3,5 pour 1 000 personnes",
            "3,5 por cada 1.000 personas",
        ),
        (
            (12.25, "NUMBER", 3),
            "12.3 (NUMBER, ×10^3)",
            "12,3 (NUMBER, ×10^3)",
            "12,3 (NUMBER, ×10^3)",
        ),
        ((None, "PT", 0), "—", "—", "—"),
    ],
)
def test_values_with_their_units(args, en, fr, es):
    assert [format_value(*args, lang=lang) for lang in ("en", "fr", "es")] == [en, fr, es]


def test_dates():
    assert [date_label("2010-04-07", lang) for lang in ("en", "fr", "es")] == [
        "April 7, 2010",
        "7 avril 2010",
        "7 de abril de 2010",
    ]
    assert date_label(None, "fr") == "" and date_label("about 1990", "fr") == "about 1990"


WINDOW = (
    "most recent year in 2013-2021; the year is not given by the source; "
    "x: data refer to years or periods outside 2013-2021"
)
CONFIDENCE = (
    "confidence: millions_confirmed_pct_approx (figure transcribed by hand from ILO & UNICEF "
    "(2021) Child Labour: Global estimates 2020 (CC BY 4.0))"
)


def test_footnotes_part_by_part_and_the_confidence_pattern():
    assert content_text(WINDOW, "fr") == (
        "année la plus récente entre 2013 et 2021 ; l'année n'est pas précisée par la source ; "
        "x : les données se rapportent à des années ou des périodes hors de 2013-2021"
    )
    assert content_text(WINDOW, "es") == (
        "año más reciente entre 2013 y 2021; la fuente no indica el año; "
        "x: los datos se refieren a años o períodos fuera de 2013-2021"
    )
    assert content_text(WINDOW, "en") == WINDOW
    report = "ILO & UNICEF (2021) Child Labour: Global estimates 2020 (CC BY 4.0)"
    assert content_text(CONFIDENCE, "en") == (
        f"confidence: millions confirmed, percentage approximate (figure transcribed by hand "
        f"from {report})"
    )
    assert content_text(CONFIDENCE, "fr") == (
        "niveau de confiance : millions confirmés, pourcentage approximatif (chiffre transcrit "
        f"à la main depuis {report})"
    )
    assert content_text(CONFIDENCE, "es") == (
        "nivel de confianza: millones confirmados, porcentaje aproximado (cifra transcrita a "
        f"mano de {report})"
    )


def test_whole_texts_and_text_the_catalogue_does_not_hold():
    assert content_text("Bricks", "fr") == "Briques" and content_text("Bricks", "es") == "Ladrillos"
    assert content_text("Mining", "es") == "Minería"
    assert content_text("CC BY 4.0", "fr") == "CC BY 4.0"
    licence = "ILO copyright; figures quoted with attribution"  # whole, not split on "; "
    assert content_text(licence, "fr") == (
        "Droit d'auteur de l'OIT ; chiffres cités avec mention de la source"
    )
    own = "Survey of 2019, district sample"
    assert content_text(own, "fr") == own and untranslated_parts(own, "fr") == [own]
    mixed = "most recent year in 2013-2021; weighted by the ministry"
    assert (
        content_text(mixed, "es") == "año más reciente entre 2013 y 2021; weighted by the ministry"
    )
    assert untranslated_parts(mixed, "es") == ["weighted by the ministry"]
    unknown = "confidence: my_own_code (figure transcribed by hand from a report)"
    assert content_text(unknown, "fr") == unknown and untranslated_parts(unknown, "fr") == [unknown]
    assert content_text(None, "fr") is None and content_text("", "es") == ""
    assert untranslated_parts("Bricks", "en") == []
