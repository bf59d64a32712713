"""Fuzzed SDMX-CSV through the whole load: our error or a load, never a changed database."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from target87.ingest import LoadError
from target87.interop import load_file
from tests.interop.helpers import fingerprint

HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,URBANISATION,"
    "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,NATURE,SOURCE_DETAIL\n"
)
ROW = "dataflow,IAEG-SDGs:DF_SDG_GLH(1.14),I,A,N,SL_TLF_CHLDEC,76,_T,Y5T17,_T,2019,{v},PT,0,A,C,"


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=400).map(lambda b: HEADER.encode() + b),
        st.lists(cells, min_size=1, max_size=20).map(
            lambda c: (HEADER + ",".join(c) + "\n").encode()
        ),
        st.builds(lambda v, s: (HEADER + ROW.format(v=v) + s + "\n").encode(), cells, cells),
    )
)
def test_fuzzed_sdmx_csv_loads_or_fails_cleanly(body, fuzz_engine, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "in.csv"
    path.write_bytes(body)
    before = fingerprint(fuzz_engine)
    try:
        load_file(fuzz_engine, path, "sdmx-csv")
    except LoadError:
        assert fingerprint(fuzz_engine) == before
