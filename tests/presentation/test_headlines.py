"""Issue 18 item 2: headline figures lead with the answer. Each is checked against the store
read independently: the latest preferred value, its year and source, the change measured from
the progress status's own base value, the status in words; one value says so, not a change."""

from __future__ import annotations

import pytest

from target87 import store
from target87.profiles import country_profile
from target87.profiles.headlines import headline
from target87.progress.report import progress_report


def latest_row(session, series: str, area: str, age: str):
    frame = store.observations(session, series=[series], areas=[area], sex=["_T"], age=[age])
    frame = frame[(frame["urbanisation"] == "_T") & (frame["breakdown"] == "_T")]
    frame = frame[frame["time_period"].str.fullmatch(r"\d{4}")]
    return frame.sort_values("year_to").iloc[-1]


def test_world_child_labour_rate_is_the_latest_value_with_the_change_since_the_status_base(session):
    card = headline(session, "GE_CHLD_LAB_PT", "WLD", "en")
    row = latest_row(session, "GE_CHLD_LAB_PT", "WLD", "Y5T17")
    assert (card.value, str(card.year), card.source) == (row["value"], row["time_period"],
                                                         row["source"])  # fmt: skip
    status = progress_report(session, "GE_CHLD_LAB_PT", "WLD").status
    assert status is not None and card.status == status.category
    assert card.base_year == int(status.base_year)
    assert card.change == pytest.approx(row["value"] - status.base_value)
    assert card.trend == ("down" if card.change < 0 else "up")
    assert card.change_label.endswith(f"percentage points since {card.base_year}")
    french = headline(session, "GE_CHLD_LAB_PT", "WLD", "fr")
    assert "points de pourcentage depuis" in french.change_label and "," in french.value_label
    assert french.change_label.startswith(("−", "+"))


def test_a_count_changes_in_its_unit_and_a_series_without_target_has_no_status(session):
    card = headline(session, "VC_HTF_DETV", "NPL", "en")
    assert card is not None and card.points > 1 and card.status is None
    assert (
        card.change_label.endswith(f"since {card.base_year}") and "points" not in card.change_label
    )


def test_one_value_gives_no_change_and_no_status(session):
    frame = store.observations(session, series=["SL_TLF_CHLDEC"], areas=["NPL"], sex=["_T"])
    dated = frame[frame["time_period"].str.fullmatch(r"\d{4}") & (frame["breakdown"] == "_T")]
    assert dated["time_period"].nunique() == 1  # Nepal: one dated survey value (2014)
    card = headline(session, "SL_TLF_CHLDEC", "NPL", "en")
    assert card.points == 1 and card.change is None and card.status is None
    assert card.change_label is None and card.year == 2014


def test_a_series_the_area_lacks_has_no_card(session):
    assert headline(session, "SL_TLF_CHLDEC", "ATA", "en") is None
    assert country_profile(session, "ATA").headlines == []


def test_the_profile_cites_the_source_of_every_card(session):
    profile = country_profile(session, "NPL", "es")
    assert profile.headlines and all(h.source in profile.citations for h in profile.headlines)
