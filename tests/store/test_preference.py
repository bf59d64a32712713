"""The source-preference rule on hand-made rows (the rule itself, apart from any database)."""

from target87.store.preference import preferred_flags


def row(source, priority, period, value=1.0, sex="_T"):
    if period == "unknown":
        years = (None, None)
    elif "/" in period:
        years = tuple(int(y) for y in period.split("/"))
    else:
        years = (int(period), int(period))
    return {
        "series": "SL_TLF_CHLDEC",
        "ref_area": "BRA",
        "sex": sex,
        "age": "Y5T17",
        "urbanisation": "_T",
        "time_period": period,
        "year_from": years[0],
        "year_to": years[1],
        "source": source,
        "priority": priority,
        "value": value,
    }


def test_better_source_hides_an_overlapping_window():
    rows = [row("un", 10, "2016"), row("sowc", 20, "2013/2021")]
    assert preferred_flags(rows) == [True, False]


def test_window_outside_the_better_sources_years_is_kept():
    rows = [row("un", 10, "2010"), row("sowc", 20, "2013/2021")]
    assert preferred_flags(rows) == [True, True]


def test_unknown_period_is_hidden_by_any_better_value():
    rows = [row("un", 10, "2010"), row("sowc", 20, "unknown")]
    assert preferred_flags(rows) == [True, False]


def test_a_value_alone_in_its_cell_is_always_shown():
    rows = [row("sowc", 20, "2013/2021"), row("un", 10, "2016", sex="F")]
    assert preferred_flags(rows) == [True, True]


def test_one_source_never_hides_itself_and_ties_break_on_source_id():
    rows = [row("a", 10, "2015"), row("a", 10, "2016"), row("b", 10, "2016")]
    assert preferred_flags(rows) == [True, True, False]


def test_a_query_matching_nothing_returns_an_empty_table(session):
    from target87 import store

    frame = store.observations(session, series=["SL_TLF_CHLDEC"], areas=["FRA"])
    assert frame.empty and "series" in frame.columns
