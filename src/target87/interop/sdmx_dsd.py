"""The bundled SDG global DSD (``IAEG-SDGs:SDG``): component order, attachment, code lists.

Read with lxml rather than sdmx1 because we only need ids and codes, and lxml takes about
40 ms where sdmx1 takes over a second; sdmx1 is loaded (once) only to parse data messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

STR = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"
# The dataflow a national or custodian file is sent in (UNSD's global SDG flow).
DATAFLOW_ID = "DF_SDG_GLH"
# Dimensions of the SDG DSD that our observations do not hold: always ``_T`` on export.
NOT_HELD = (
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
)


def dsd_path() -> Path:
    return Path(str(resources.files("target87") / "data" / "sdmx" / "sdg_dsd_IAEG-SDGs.xml"))


@dataclass(frozen=True)
class Dsd:
    agency: str
    id: str
    version: str
    dimensions: tuple[str, ...]  # series key, in DSD order, without the time dimension
    time_dimension: str
    attributes: dict[str, str]  # id -> "series" | "observation" | "dataset", in DSD order
    codes: dict[str, frozenset[str]]  # component id -> the codes its code list allows
    code_names: dict[str, dict[str, str]]  # component id -> code -> its English name

    @property
    def urn(self) -> str:
        return (
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure="
            f"{self.agency}:{self.id}({self.version})"
        )

    @property
    def dataflow(self) -> str:
        """The SDMX-CSV ``DATAFLOW`` value, e.g. ``IAEG-SDGs:DF_SDG_GLH(1.14)``."""
        return f"{self.agency}:{DATAFLOW_ID}({self.version})"


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@lru_cache(maxsize=1)
def sdg_dsd() -> Dsd:
    """The bundled SDG DSD, parsed once per process."""
    root = etree.parse(str(dsd_path()), _safe_parser()).getroot()
    named = {
        cl.get("id"): {c.get("id"): _english_name(c) for c in cl.iter(f"{STR}Code")}
        for cl in root.iter(f"{STR}Codelist")
        if cl.get("id", "").startswith("CL_")  # skip one-code lists named after areas
    }
    ds = next(root.iter(f"{STR}DataStructure"))
    codes: dict[str, frozenset[str]] = {}
    code_names: dict[str, dict[str, str]] = {}

    def enumeration(component) -> None:
        ref = component.find(f"{STR}LocalRepresentation/{STR}Enumeration/Ref")
        if ref is not None and ref.get("id") in named:
            codes[component.get("id")] = frozenset(named[ref.get("id")])
            code_names[component.get("id")] = named[ref.get("id")]

    dimensions = []
    parts = ds.find(f"{STR}DataStructureComponents")
    # Only the DimensionList's children: AttributeRelationship also holds <Dimension> refs.
    for dim in parts.find(f"{STR}DimensionList").iterfind(f"{STR}Dimension"):
        dimensions.append(dim.get("id"))
        enumeration(dim)
    time_dim = parts.find(f"{STR}DimensionList/{STR}TimeDimension").get("id")
    attributes = {}
    for attr in parts.find(f"{STR}AttributeList").iterfind(f"{STR}Attribute"):
        rel = attr.find(f"{STR}AttributeRelationship")
        kinds = {child.tag.removeprefix(STR) for child in rel} if rel is not None else set()
        level = (
            "observation"
            if "PrimaryMeasure" in kinds
            else "series"
            if "Dimension" in kinds
            else "dataset"
        )
        attributes[attr.get("id")] = level
        enumeration(attr)
    return Dsd(
        agency=ds.get("agencyID"),
        id=ds.get("id"),
        version=ds.get("version"),
        dimensions=tuple(dimensions),
        time_dimension=time_dim,
        attributes=attributes,
        codes=codes,
        code_names=code_names,
    )


def _english_name(code) -> str:
    name = code.find("{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common}Name")
    return (name.text or "").strip() if name is not None else code.get("id")


@lru_cache(maxsize=1)
def sdg_dsd_sdmx1():
    """The same DSD as an sdmx1 object, for reading data messages with ``structure=``."""
    import sdmx

    return sdmx.read_sdmx(dsd_path()).structure["SDG"]
