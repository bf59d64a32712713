"""The one door for codes (``store.lookup``): series and areas as users type them."""

from __future__ import annotations

import pytest

from target87 import store
from target87.store.lookup import folded, nearest


@pytest.mark.parametrize("typed", ["SL_TLF_CHLDEC", "sl_tlf_chldec", " Sl_Tlf_ChldEC "])
def test_a_series_code_in_any_case(session, typed):
    assert store.resolve_series(session, typed).code == "SL_TLF_CHLDEC"


def test_an_unknown_series_names_the_nearest(session):
    with pytest.raises(store.UnknownSeries) as caught:
        store.resolve_series(session, "sl_tlf_chlde")
    assert caught.value.suggestions[:2] == ["SL_TLF_CHLDEA", "SL_TLF_CHLDEC"]
    assert "did you mean SL_TLF_CHLDEA, SL_TLF_CHLDEC" in str(caught.value)


@pytest.mark.parametrize(
    "typed",
    ["FRA", "fra", "FR", "fr", "250", "France", "france", "FRANCE", "Francia"],
)
def test_an_area_by_iso3_iso2_m49_or_name_in_three_languages(session, typed):
    assert store.resolve_area(session, typed).code == "FRA"


@pytest.mark.parametrize("typed", ["Côte d’Ivoire", "cote d'ivoire", "CÔTE D'IVOIRE", "CI", "384"])
def test_accents_case_and_curly_apostrophes_do_not_matter(session, typed):
    assert store.resolve_area(session, typed).code == "CIV"


def test_a_country_wins_over_an_aggregate_with_its_number(session):
    assert store.resolve_area(session, "76").code == "BRA"


@pytest.mark.parametrize(
    ("typed", "first"), [("Nepl", "NPL"), ("Brazl", "BRA"), ("Franc", "FRA"), ("NPLL", "NPL")]
)
def test_a_near_miss_suggests_the_area_meant(session, typed, first):
    with pytest.raises(store.UnknownArea) as caught:
        store.resolve_area(session, typed)
    assert caught.value.suggestions[0] == first, caught.value.suggestions


def test_a_made_up_code_still_shows_what_codes_look_like(session):
    with pytest.raises(store.UnknownArea) as caught:
        store.resolve_area(session, "XYZ")
    assert 1 <= len(caught.value.suggestions) <= 3
    assert all(store.resolve_area(session, c) for c in caught.value.suggestions)


def test_lists_keep_order_and_drop_repeats(session):
    assert store.resolve_area_codes(session, ["np", "NPL", "fr", ""]) == ["NPL", "FRA"]
    assert store.resolve_series_codes(session, ["ge_mod_slav", "GE_MOD_SLAV"]) == ["GE_MOD_SLAV"]


def test_nearest_ranks_prefixes_first_and_is_pure():
    codes = [("NPL", "NPL"), ("NPL", "Nepal"), ("NLD", "NLD"), ("NER", "Niger")]
    assert nearest("nep", codes)[0] == "NPL"
    assert nearest("", codes) == []
    assert folded("  Côte d’Ivoire ") == "cote d'ivoire"
