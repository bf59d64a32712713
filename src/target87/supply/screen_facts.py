"""The sourcing screen's reference facts: read from the store, plus two documented tables.

From the store (read only; the supplier list is never written to it):

- the US DOL ILAB *List of Goods Produced by Child Labor or Forced Labor* (table
  ``good_risk``, with its edition and source), the goods' names in French and Spanish from the
  content catalogue;
- child labour: the latest ``SL_TLF_CHLDEC`` (SDG 8.7.1), else ``SL_TLF_CHLDEA``, both sexes,
  children 5-17 where held (another age band otherwise, said in the output); where the country
  has none, the latest ``GE_CHLD_LAB_PT`` of its M49 region (ILO-UNICEF global estimates),
  marked as a regional figure;
- forced labour: ``GE_FORC_LAB_RT`` (per 1,000 people), held for ILO regions only (ILO, Walk
  Free, IOM, *Global Estimates of Modern Slavery*, 2022): the country's ILO region's figure;
- ratifications of C029, P029, C105, C138, C182 and the Palermo Protocol (table
  ``ratification``); an instrument without a row is unknown, not unratified.

Two tables written here: ``SYNONYMS`` (other names of listed goods) and ``HS_GOODS``, the
headings and subheadings of the Harmonized System, 2022 edition (World Customs Organization,
*HS Nomenclature 2022*), that hold goods on the DOL list. Only codes whose wording names the
good are listed (0901 Coffee; 1801 Cocoa beans; 1212.93 Sugar cane; 7108 Gold...);
``made_from`` marks a product made from the listed good (1806 chocolate), which the list does
not name itself. A code outside the table is reported as not known to the screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.presentation import content_text
from target87.store import models as M
from target87.store.lookup import UnknownArea, resolve_area
from target87.store.query import observations
from target87.supply.screen import (
    FUNDAMENTAL,
    AreaFact,
    HsHeading,
    ListedGood,
    Prevalence,
    RatificationFact,
    ReferenceFacts,
    ScreenResult,
    SourceRef,
    SupplierLine,
    Thresholds,
    screen,
)

LANGS = ("en", "fr", "es")
CHILD_LABOUR_SERIES = ("SL_TLF_CHLDEC", "SL_TLF_CHLDEA")
REGION_CHILD_LABOUR = "GE_CHLD_LAB_PT"
FORCED_LABOUR = "GE_FORC_LAB_RT"

# (HS 2022 code, its wording in short, DOL goods, made from the good rather than the good).
_HS = (
    ("0102", "Live bovine animals", ("Cattle", "Bovines")),
    ("0103", "Live swine", ("Hogs",)),
    ("0104.10", "Live sheep", ("Sheep",)),
    ("0104.20", "Live goats", ("Goats",)),
    ("0105", "Live poultry", ("Poultry",)),
    ("0201", "Meat of bovine animals, fresh or chilled", ("Beef", "Meat")),
    ("0202", "Meat of bovine animals, frozen", ("Beef", "Meat")),
    ("0207", "Meat and edible offal of poultry", ("Poultry", "Meat")),
    ("0302", "Fish, fresh or chilled", ("Fish",)),
    ("0303", "Fish, frozen", ("Fish",)),
    ("0304", "Fish fillets and other fish meat", ("Fish",)),
    ("0305", "Fish, dried, salted or in brine; smoked fish", ("Dried Fish", "Fish")),
    ("0306.11", "Rock lobster and other sea crawfish, frozen", ("Lobsters", "Shellfish")),
    ("0306.12", "Lobsters, frozen", ("Lobsters", "Shellfish")),
    ("0306.16", "Cold-water shrimps and prawns, frozen", ("Shrimp", "Shellfish")),
    ("0306.17", "Other shrimps and prawns, frozen", ("Shrimp", "Shellfish")),
    ("0401", "Milk and cream, not concentrated", ("Dairy Products",)),
    ("0402", "Milk and cream, concentrated or sweetened", ("Dairy Products",)),
    ("0405", "Butter and other fats derived from milk", ("Dairy Products",)),
    ("0406", "Cheese and curd", ("Dairy Products",)),
    ("0603", "Cut flowers and flower buds", ("Flowers",)),
    ("0701", "Potatoes, fresh or chilled", ("Potatoes",)),
    ("0702", "Tomatoes, fresh or chilled", ("Tomatoes",)),
    ("0703.10", "Onions and shallots", ("Onions",)),
    ("0703.20", "Garlic", ("Garlic",)),
    ("0704", "Cabbages, cauliflowers, broccoli and similar", ("Cabbages", "Broccoli")),
    ("0705", "Lettuce and chicory", ("Lettuce",)),
    ("0706", "Carrots, turnips and similar edible roots", ("Carrots",)),
    ("0707", "Cucumbers and gherkins", ("Cucumbers",)),
    ("0708", "Leguminous vegetables, fresh or chilled", ("Beans (green beans)", "Beans")),
    ("0709.30", "Aubergines (egg-plants)", ("Eggplants",)),
    ("0709.60", "Fruits of the genus Capsicum or Pimenta", ("Peppers", "Chile Peppers")),
    ("0713", "Dried leguminous vegetables", ("Pulses (legumes)", "Beans")),
    ("0714.10", "Manioc (cassava)", ("Manioc/Cassava",)),
    ("0714.20", "Sweet potatoes", ("Sweet Potatoes",)),
    ("0801.1", "Coconuts", ("Coconuts",)),
    ("0801.2", "Brazil nuts", ("Brazil Nuts/Chestnuts",)),
    ("0801.3", "Cashew nuts", ("Cashews",)),
    ("0802.2", "Hazelnuts or filberts", ("Hazelnuts",)),
    ("0803", "Bananas, including plantains", ("Bananas",)),
    ("0804.30", "Pineapples", ("Pineapples",)),
    ("0805", "Citrus fruit", ("Citrus Fruits",)),
    ("0806.10", "Grapes, fresh", ("Grapes",)),
    ("0807.1", "Melons, including watermelons", ("Melons",)),
    ("0808", "Apples, pears and quinces", ("Fruit (Pome and Stone)",)),
    ("0809", "Apricots, cherries, peaches, plums and sloes", ("Fruit (Pome and Stone)",)),
    ("0810.10", "Strawberries", ("Strawberries",)),
    ("0810.40", "Cranberries, bilberries and other fruits of the genus Vaccinium",
     ("Blueberries",)),
    ("0901", "Coffee", ("Coffee",)),
    ("0902", "Tea", ("Tea",)),
    ("0903", "Maté", ("Yerba Mate (stimulant plant)",)),
    ("0904.1", "Pepper of the genus Piper", ("Pepper",)),
    ("0904.2", "Fruits of the genus Capsicum or Pimenta, dried", ("Chile Peppers", "Peppers")),
    ("0905", "Vanilla", ("Vanilla",)),
    ("0907", "Cloves", ("Cloves",)),
    ("0909.3", "Seeds of cumin", ("Cumin",)),
    ("1001", "Wheat and meslin", ("Wheat", "Cereal Grains")),
    ("1005", "Maize (corn)", ("Corn", "Cereal Grains")),
    ("1006", "Rice", ("Rice",)),
    ("1201", "Soya beans", ("Beans (green, soy, yellow)",)),
    ("1202", "Groundnuts", ("Peanuts",)),
    ("1206", "Sunflower seeds", ("Sunflowers",)),
    ("1207.10", "Palm nuts and kernels", ("Palm Fruit",)),
    ("1207.2", "Cotton seeds", ("Cottonseed (hybrid)",)),
    ("1207.40", "Sesamum seeds", ("Sesame",)),
    ("1211.30", "Coca leaf", ("Coca (stimulant plant)",)),
    ("1211.40", "Poppy straw", ("Poppies",)),
    ("1212.91", "Sugar beet", ("Sugar Beets",)),
    ("1212.93", "Sugar cane", ("Sugarcane",)),
    ("1511.10", "Palm oil, crude", ("Crude Palm Oil",)),
    ("1511.90", "Palm oil, other than crude", ("Refined Palm Oil",)),
    ("1513.21", "Palm kernel oil, crude", ("Crude Palm Kernel Oil",)),
    ("1513.29", "Palm kernel oil, other than crude", ("Refined Palm Kernel Oil",)),
    ("1701", "Cane or beet sugar", ("Sugarcane", "Sugar Beets"), True),
    ("1801", "Cocoa beans, whole or broken, raw or roasted", ("Cocoa",)),
    ("1802", "Cocoa shells, husks, skins and other cocoa waste", ("Cocoa",), True),
    ("1803", "Cocoa paste", ("Cocoa",), True),
    ("1804", "Cocoa butter, fat and oil", ("Cocoa",), True),
    ("1805", "Cocoa powder, not sweetened", ("Cocoa",), True),
    ("1806", "Chocolate and other food preparations containing cocoa", ("Cocoa",), True),
    ("1905", "Bread, pastry, cakes, biscuits and other bakers' wares", ("Baked Goods",)),
    ("2002", "Tomatoes prepared or preserved", ("Tomato Products",)),
    ("2203", "Beer made from malt", ("Alcoholic Beverages",)),
    ("2204", "Wine of fresh grapes", ("Alcoholic Beverages",)),
    ("2208", "Spirits, liqueurs and other spirituous beverages", ("Alcoholic Beverages",)),
    ("2401", "Unmanufactured tobacco", ("Tobacco",)),
    ("2402", "Cigars, cigarillos and cigarettes", ("Tobacco", "Bidis (hand-rolled cigarettes)"),
     True),
    ("2501", "Salt", ("Salt",)),
    ("2505", "Natural sands", ("Sand",)),
    ("2516.1", "Granite", ("Granite", "Granite (crushed)")),
    ("2516.20", "Sandstone", ("Sandstone",)),
    ("2517", "Pebbles, gravel, broken or crushed stone",
     ("Gravel (crushed stones)", "Stones", "Granite (crushed)")),
    ("2520", "Gypsum; anhydrite; plasters", ("Gypsum (mineral)",)),
    ("2523", "Portland cement and other hydraulic cements", ("Cement",)),
    ("2525", "Mica", ("Mica",)),
    ("2529.2", "Fluorspar", ("Fluorspar (mineral)",)),
    ("2601", "Iron ores and concentrates", ("Iron",)),
    ("2603", "Copper ores and concentrates", ("Copper",)),
    ("2605", "Cobalt ores and concentrates", ("Cobalt ore (heterogenite)",)),
    ("2608", "Zinc ores and concentrates", ("Zinc",)),
    ("2609", "Tin ores and concentrates", ("Tin ore (cassiterite)",)),
    ("2611", "Tungsten ores and concentrates", ("Tungsten ore (wolframite)",)),
    ("2615.90", "Niobium, tantalum or vanadium ores", ("Tantalum ore (coltan)",)),
    ("2701", "Coal", ("Coal",)),
    ("2804.61", "Silicon containing by weight not less than 99.99 %", ("Polysilicon",)),
    ("3307.41", "Agarbatti and other odoriferous preparations which operate by burning",
     ("Incense (agarbatti)",)),
    ("3401", "Soap", ("Soap",)),
    ("3604.10", "Fireworks", ("Fireworks", "Pyrotechnics")),
    ("3605", "Matches", ("Matches",)),
    ("3818", "Chemical elements doped for use in electronics, in discs or wafers",
     ("Photovoltaic Wafers",)),
    ("4001", "Natural rubber", ("Rubber",)),
    ("4015.1", "Gloves, mittens and mitts of vulcanised rubber", ("Rubber Gloves", "Gloves")),
    ("4104", "Tanned or crust hides and skins of bovine or equine animals", ("Leather",)),
    ("4107", "Leather further prepared after tanning", ("Leather",)),
    ("4202", "Trunks, handbags, wallets and similar containers", ("Leather Goods/Accessories",),
     True),
    ("4402", "Wood charcoal", ("Charcoal",)),
    ("4403", "Wood in the rough", ("Timber",)),
    ("4407", "Wood sawn or chipped lengthwise", ("Timber",)),
    ("5001", "Silk-worm cocoons suitable for reeling", ("Silk Cocoons",)),
    ("5004", "Silk yarn", ("Silk Thread",)),
    ("5006", "Silk yarn put up for retail sale", ("Silk Thread",)),
    ("5007", "Woven fabrics of silk", ("Silk Fabric",)),
    ("5201", "Cotton, not carded or combed", ("Cotton",)),
    ("5203", "Cotton, carded or combed", ("Cotton",)),
    ("5205", "Cotton yarn, not put up for retail sale", ("Thread/Yarn",), True),
    ("5208", "Woven fabrics of cotton", ("Textiles",), True),
    ("5303", "Jute and other textile bast fibres", ("Jute (textiles)",)),
    ("5310", "Woven fabrics of jute", ("Jute (textiles)",)),
    ("57", "Carpets and other textile floor coverings", ("Carpets",)),
    ("61", "Articles of apparel, knitted or crocheted", ("Garments",)),
    ("62", "Articles of apparel, not knitted or crocheted", ("Garments",)),
    ("64", "Footwear", ("Footwear", "Footwear (sandals)")),
    ("6702", "Artificial flowers", ("Artificial Flowers",)),
    ("6703", "Human hair, dressed", ("Hair Products",)),
    ("6704", "Wigs, false beards and the like", ("Hair Products",)),
    ("6904.10", "Building bricks", ("Bricks", "Bricks (clay)")),
    ("6911", "Tableware and kitchenware of porcelain or china", ("Ceramics",)),
    ("6912", "Ceramic tableware and kitchenware", ("Ceramics",)),
    ("7102", "Diamonds", ("Diamonds",)),
    ("7103.91", "Rubies, sapphires and emeralds", ("Rubies", "Sapphires", "Emeralds", "Gems")),
    ("7103.99", "Other precious or semi-precious stones, worked", ("Gems",)),
    ("7106", "Silver", ("Silver",)),
    ("7108", "Gold", ("Gold",)),
    ("7317", "Nails, tacks, drawing pins and similar", ("Nails",)),
    ("7403", "Refined copper and copper alloys, unwrought", ("Copper",)),
    ("7901", "Unwrought zinc", ("Zinc",)),
    ("8001", "Unwrought tin", ("Tin",)),
    ("8301", "Padlocks and locks", ("Locks",)),
    ("8507.60", "Lithium-ion accumulators", ("Lithium-Ion Batteries",)),
    ("8541.42", "Photovoltaic cells not assembled in modules", ("Solar Cells",)),
    ("8541.43", "Photovoltaic cells assembled in modules or made up into panels",
     ("Solar Modules",)),
    ("9018", "Instruments and appliances used in medical or surgical sciences",
     ("Surgical Instruments",)),
    ("9401", "Seats", ("Furniture",)),
    ("9403", "Other furniture", ("Furniture", "Furniture (steel)")),
    ("9503", "Toys", ("Toys",)),
    ("9505", "Festive, carnival or other entertainment articles", ("Christmas Decorations",)),
    ("9506.62", "Inflatable balls", ("Soccer Balls",)),
)  # fmt: skip
HS_GOODS: dict[str, HsHeading] = {
    code.replace(".", ""): HsHeading(code, words, goods, bool(rest and rest[0]))
    for code, words, goods, *rest in _HS
}

# Other names of goods on the list, as buyers write them (EN, FR, ES); the goods' own names in
# the three languages are matched without this table.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "cocoa beans": ("Cocoa",), "cacao": ("Cocoa",), "cacao beans": ("Cocoa",),
    "cocoa butter": ("Cocoa",), "cocoa powder": ("Cocoa",), "fèves de cacao": ("Cocoa",),
    "granos de cacao": ("Cocoa",), "chocolate": ("Cocoa",), "chocolat": ("Cocoa",),
    "coffee beans": ("Coffee",), "green coffee": ("Coffee",), "café vert": ("Coffee",),
    "sugar": ("Sugarcane", "Sugar Beets"), "cane sugar": ("Sugarcane",),
    "raw sugar": ("Sugarcane", "Sugar Beets"), "sugar cane": ("Sugarcane",),
    "sucre": ("Sugarcane", "Sugar Beets"), "azúcar": ("Sugarcane", "Sugar Beets"),
    "maize": ("Corn",), "maïs": ("Corn",), "maíz": ("Corn",),
    "cassava": ("Manioc/Cassava",), "tapioca": ("Manioc/Cassava",),
    "apparel": ("Garments",), "clothing": ("Garments",), "clothes": ("Garments",),
    "t-shirts": ("Garments",), "shirts": ("Garments",), "ropa": ("Garments",),
    "shoes": ("Footwear",), "chaussures": ("Footwear",), "zapatos": ("Footwear",),
    "palm oil": ("Crude Palm Oil", "Refined Palm Oil"), "huile de palme": ("Crude Palm Oil",
    "Refined Palm Oil"), "aceite de palma": ("Crude Palm Oil", "Refined Palm Oil"),
    "palm kernel oil": ("Crude Palm Kernel Oil", "Refined Palm Kernel Oil"),
    "fresh fruit bunches": ("Palm Fruit",), "cobalt": ("Cobalt ore (heterogenite)",),
    "heterogenite": ("Cobalt ore (heterogenite)",), "coltan": ("Tantalum ore (coltan)",),
    "tantalum": ("Tantalum ore (coltan)",), "cassiterite": ("Tin ore (cassiterite)",),
    "tungsten": ("Tungsten ore (wolframite)",), "wolframite": ("Tungsten ore (wolframite)",),
    "prawns": ("Shrimp",), "shrimps": ("Shrimp",), "seafood": ("Fish", "Shrimp", "Shellfish"),
    "raw cotton": ("Cotton",), "cotton lint": ("Cotton",), "cotton fibre": ("Cotton",),
    "cotton yarn": ("Thread/Yarn",), "yarn": ("Thread/Yarn",), "thread": ("Thread/Yarn",),
    "solar panels": ("Solar Modules",), "pv modules": ("Solar Modules",),
    "solar pv modules": ("Solar Modules",), "pv cells": ("Solar Cells",),
    "polycrystalline silicon": ("Polysilicon",), "solar grade silicon": ("Polysilicon",),
    "li-ion batteries": ("Lithium-Ion Batteries",), "lithium batteries": ("Lithium-Ion Batteries",),
    "filberts": ("Hazelnuts",), "groundnuts": ("Peanuts",), "chillies": ("Chile Peppers",),
    "chili peppers": ("Chile Peppers",), "cigarettes": ("Tobacco",), "gold bullion": ("Gold",),
    "gold doré": ("Gold",), "cows": ("Cattle",), "beef cattle": ("Cattle",), "pigs": ("Hogs",),
    "pork": ("Hogs",), "chicken": ("Poultry",), "wood": ("Timber",), "lumber": ("Timber",),
    "logs": ("Timber",), "rugs": ("Carpets",), "tea leaves": ("Tea",), "black tea": ("Tea",),
    "green tea": ("Tea",), "paddy": ("Rice",), "soybeans": ("Beans (green, soy, yellow)",),
    "soya": ("Beans (green, soy, yellow)",), "cashew nuts": ("Cashews",),
    "brazil nuts": ("Brazil Nuts/Chestnuts",), "gemstones": ("Gems",),
    "precious stones": ("Gems",), "electronic components": ("Electronics",),
    "agarbatti": ("Incense (agarbatti)",), "bidis": ("Bidis (hand-rolled cigarettes)",),
    "khat": ("Khat (stimulant plant)", "Khat/Miraa (stimulant plant)"),
    "miraa": ("Khat/Miraa (stimulant plant)",), "yerba mate": ("Yerba Mate (stimulant plant)",),
    "acai": ("Açaí Berries",), "limestone": ("Stones (limestone)",),
    "pumice": ("Stones (pumice)",), "nile perch": ("Nile Perch (fish)",),
    "tilapia": ("Tilapia (fish)",), "fluorite": ("Fluorspar (mineral)",),
}  # fmt: skip


# The listed input of each good on the DOL list of downstream goods (2022 edition: goods made
# with polysilicon from China, cobalt ore from the DR Congo, palm fruit from Indonesia).
DOWNSTREAM_INPUTS: dict[str, tuple[str, ...]] = {
    "Photovoltaic Ingots": ("Polysilicon",),
    "Photovoltaic Wafers": ("Polysilicon",),
    "Solar Cells": ("Polysilicon",),
    "Solar Modules": ("Polysilicon",),
    "Lithium-Ion Batteries": ("Cobalt ore (heterogenite)",),
    "Crude Palm Oil": ("Palm Fruit",),
    "Refined Palm Oil": ("Palm Fruit",),
    "Crude Palm Kernel Oil": ("Palm Fruit",),
    "Refined Palm Kernel Oil": ("Palm Fruit",),
    "Oleochemicals": ("Palm Fruit",),
}


def _source_ref(src: M.Source) -> SourceRef:
    return SourceRef(src.id, src.publisher, src.title, src.edition, src.year, src.citation)


def _names(area: M.Area) -> dict[str, str]:
    return {lang: area.name(lang) for lang in LANGS}


def resolve_countries(session: Session, tokens: Iterable[str]) -> dict[str, AreaFact]:
    """Each country text as typed -> its area (``store.lookup``), or why not: unknown (with
    the nearest codes) or not a country (a region's name)."""
    out: dict[str, AreaFact] = {}
    for token in {t.strip() for t in tokens if t and t.strip()}:
        try:
            area = resolve_area(session, token)
        except UnknownArea as exc:
            out[token] = AreaFact(token, None, {}, "unknown", tuple(exc.suggestions))
            continue
        if area.kind != "country":
            out[token] = AreaFact(token, None, _names(area), "not_country")
        else:
            out[token] = AreaFact(token, area.code, _names(area))
    return out


def reference_facts(session: Session, countries: Iterable[str]) -> ReferenceFacts:
    """The facts to screen a list naming ``countries`` (as typed): the whole DOL list, and
    each resolved country's figures and ratifications."""
    areas = resolve_countries(session, countries)
    codes = sorted({a.code for a in areas.values() if a.code})
    used: set[str] = set()
    listed: dict[str, list[ListedGood]] = {}
    for g in session.execute(select(M.GoodRisk).order_by(M.GoodRisk.id)).scalars():
        listed.setdefault(g.good, []).append(
            ListedGood(
                g.area,
                g.good,
                g.sector,
                g.child_labour,
                g.forced_labour,
                g.forced_child_labour,
                bool(g.derived_labour_exploitation),
                g.derived_country,
                g.edition,
                g.source,
            )  # fmt: skip
        )
        used.add(g.source)
    editions = sorted({g.edition for goods in listed.values() for g in goods})
    good_names = {
        good: tuple(dict.fromkeys(content_text(good, lang) or good for lang in LANGS))
        for good in listed
    }
    child = _child_labour(session, codes)
    forced = _region_figures(session, codes, FORCED_LABOUR, "forced_labour", ("ilo_region",))
    rats = _ratifications(session, codes)
    used |= {f.source for f in (*child.values(), *forced.values())}
    used |= {r.source for held in rats.values() for r in held.values() if r.source}
    instruments = {
        i.code: {lang: i.name(lang) for lang in LANGS}
        for i in session.execute(select(M.Instrument)).scalars()
    }
    sources = {s: _source_ref(src) for s in sorted(used) if (src := session.get(M.Source, s))}
    list_sources = sorted({g.source for goods in listed.values() for g in goods})
    return ReferenceFacts(
        areas=areas,
        listed=listed,
        good_names=good_names,
        synonyms=SYNONYMS,
        hs=HS_GOODS,
        child_labour=child,
        forced_labour=forced,
        ratifications=rats,
        instrument_names=instruments,
        sources=sources,
        edition=editions[-1] if editions else None,
        list_source=list_sources[-1] if list_sources else None,
        inputs=DOWNSTREAM_INPUTS,
    )


def _latest(frame):
    """The latest dated total of each area, children 5-17 first within a period."""
    frame = frame[
        (frame["urbanisation"] == "_T") & (frame["breakdown"] == "_T") & frame["year_to"].notna()
    ]
    frame = frame.assign(_y517=frame["age"].isin(["Y5T17", "_T"]))
    return {
        area: part.sort_values(["year_to", "_y517"]).iloc[-1]
        for area, part in frame.groupby("ref_area")
    }


def _child_labour(session: Session, codes: Sequence[str]) -> dict[str, Prevalence]:
    out: dict[str, Prevalence] = {}
    for series in CHILD_LABOUR_SERIES:  # SDG 8.7.1 with household chores first
        missing = [c for c in codes if c not in out]
        if not missing:
            break
        frame = observations(session, series=[series], areas=missing, sex=["_T"])
        for area, top in _latest(frame).items():
            out[area] = _prevalence("child_labour", top, area, session.get(M.Area, area), "country")
    missing = [c for c in codes if c not in out]
    regional = ("m49_intermediate_region", "m49_subregion", "m49_region", "ilo_region")
    out |= _region_figures(session, missing, REGION_CHILD_LABOUR, "child_labour", regional)
    return out


def _region_figures(
    session: Session, codes: Sequence[str], series: str, kind: str, levels: Sequence[str]
) -> dict[str, Prevalence]:
    """Each country's region's latest figure, the narrowest region that has one."""
    countries = {c: session.get(M.Area, c) for c in codes}
    regions = {getattr(a, lvl) for a in countries.values() for lvl in levels if getattr(a, lvl)}
    if not regions:
        return {}
    latest = _latest(observations(session, series=[series], areas=sorted(regions), sex=["_T"]))
    out = {}
    for code, area in countries.items():
        for region in (getattr(area, lvl) for lvl in levels):
            if region in latest:
                out[code] = _prevalence(kind, latest[region], region,
                                        session.get(M.Area, region), "region")  # fmt: skip
                break
    return out


def _prevalence(kind: str, top: Mapping, area: str, row: M.Area | None, scope: str) -> Prevalence:
    return Prevalence(
        kind=kind,
        series=top["series"],
        area=area,
        area_names=_names(row) if row else {lang: area for lang in LANGS},
        scope=scope,
        value=float(top["value"]),
        unit=top["unit"],
        period=str(top["time_period"]),
        age=top["age"],
        source=top["source"],
    )


def _ratifications(session: Session, codes: Sequence[str]) -> dict[str, dict]:
    """Each country's ratification of the fundamental instruments; where two sources hold a
    row, the one of higher priority (lower number), as the store's preference rule does."""
    rows = session.execute(
        select(M.Ratification, M.Source.priority)
        .join(M.Source, M.Source.id == M.Ratification.source)
        .where(M.Ratification.area.in_(codes), M.Ratification.instrument.in_(FUNDAMENTAL))
        .order_by(M.Source.priority.desc())
    ).all()
    out: dict[str, dict[str, RatificationFact]] = {c: {} for c in codes}
    for rat, _priority in rows:  # the best source comes last and wins
        out[rat.area][rat.instrument] = RatificationFact(
            rat.instrument, rat.status, rat.year, rat.source
        )
    return out


def screen_suppliers(
    session: Session,
    lines: Sequence[SupplierLine],
    intensity: Mapping[tuple[str, str], float] | None = None,
    *,
    intensity_harm: str = "child_labour",
    intensity_source: str = "input-output table",
    thresholds: Thresholds | None = None,
) -> ScreenResult:
    """Screen a supplier list against the store's facts (read only: nothing is written)."""
    facts = reference_facts(session, (line.country for line in lines))
    return screen(
        lines,
        facts,
        intensity,
        intensity_harm=intensity_harm,
        intensity_source=intensity_source,
        thresholds=thresholds or Thresholds(),
    )
