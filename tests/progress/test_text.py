"""The text of the progress results, apart from their math (``target87.progress.text``)."""

from __future__ import annotations

import math

from target87.progress import fit_log_linear, project
from target87.progress.text import (
    block,
    fit_rate_label,
    interval,
    number,
    percent_a_year,
    times_observed,
    year_label,
)

WORLD = {2000: 16.0, 2004: 14.2, 2008: 13.6, 2012: 10.6, 2016: 9.6, 2020: 9.6, 2024: 7.8}


def test_numbers_say_na_for_missing():
    assert year_label(2024.0) == "2024" and year_label(2012.5) == "2012.5"
    assert number(None) == number(math.nan) == "n/a"
    assert number(0.123456, ".2f") == "0.12"
    assert percent_a_year(5.0625) == "5.06 % a year" and percent_a_year(math.nan) == "n/a"
    assert interval((1.0, math.nan), ".2f") == "n/a (needs three or more points)"
    assert interval((1.0, 2.0), ".1f", " %") == "[1.0 %, 2.0 %]"
    assert times_observed(None) == "n/a"
    assert times_observed(2.5) == "2.50 times the observed pace"


def test_block_aligns_rows_and_puts_notes_below_a_rule():
    lines = block("Title", [("A", "1"), ("Longer", "2")], ["a note"]).splitlines()
    assert lines[0] == "Title" and lines[1] == "=" * 60
    assert lines[2] == "A:       1" and lines[3] == "Longer:  2"
    assert lines[4] == "-" * 60 and lines[5] == "Note: a note" and lines[6] == "=" * 60


def test_summaries_are_the_text_builders():
    fit = fit_log_linear(WORLD)
    assert fit_rate_label(fit) == f"AARR {fit.aarr_pct:.2f} % a year"
    assert project(WORLD).rate_label == fit_rate_label(fit)
    assert project(WORLD, method="linear").rate_label.endswith(" a year")
    assert fit.summary().startswith("Log-linear trend fit\n")
