"""The sourcing screen: a supplier list and reference facts in, flagged and ranked lines out.

Pure functions over plain data: the facts (the US DOL list of goods, child labour and forced
labour figures, ratifications; :class:`ReferenceFacts`) are read from the store by
:mod:`target87.supply.screen_facts`, the supplier file by :mod:`target87.supply.screen_io`.
Nothing here reads or writes a file or the store; the supplier list is never stored.

Each line gets flags, each with its reason (``kind`` and ``values``, put into words in three
languages by ``screen_io``) and its source. The scoring rule, after the OECD Due Diligence
Guidance for Responsible Business Conduct (2018, Annex Q.14: prioritise by severity, that is
scale, scope and irremediable character, and by likelihood) and Directive (EU) 2024/1760
(CSDDD) Art. 9 (prioritise adverse impacts by severity and likelihood):

    score(flag) = severity(flag) x likelihood(flag)

    severity:   4 forced child labour (a worst form of child labour, ILO C182 Art. 3(a))
                3 forced labour
                2 child labour
                1 governance gap (a fundamental convention or the Palermo Protocol not ratified)
    likelihood: 3 the good is on the US DOL list for this country ("reason to believe")
                2 the good is on the DOL list of downstream goods for this country (made with
                  listed inputs); the country's own figure at or above the "high" threshold;
                  an embodied intensity in the top quarter of those given
                1 the country's own figure at or above the "medium" threshold; a regional
                  figure (no country figure held) at or above "high"; an intensity above the
                  median; any governance gap
                0.5 a regional figure at or above "medium"; the good listed for other
                  countries only (it may reach this supplier from them)

    line score  = the highest score of its flags (the most severe likely impact leads);
    ranking     = line score, then the sum of its flags' scores, then spend, all descending,
                  then the file's row order;
    priority    = "high" (score >= 6: the good is listed for the country), "medium" (>= 3),
                  "low" (> 0), "none".

Thresholds (:class:`Thresholds`, stated in every output): child labour, children 5-17 in
child labour (SDG 8.7.1, %): high >= 10 (above the world rate, 9.6% in 2020 and 7.8% in 2024,
ILO-UNICEF), medium >= 5; forced labour, people in forced labour per 1,000 (ILO, Walk Free,
IOM 2022, held by ILO region only): high >= 5, medium >= 4 (the world rate is 3.5). A figure
below "medium" is shown as context, without a flag. A ratification the store has no record of
is said to be unknown, never taken as missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from target87.store.lookup import folded

SEVERITY = {"forced_child_labour": 4, "forced_labour": 3, "child_labour": 2, "governance": 1}
LISTED, DOWNSTREAM, HIGH, MEDIUM, ELSEWHERE, GAP = 3.0, 2.0, 2.0, 1.0, 0.5, 1.0
BANDS = ((6.0, "high"), (3.0, "medium"), (1e-9, "low"))
FUNDAMENTAL = ("C029", "P029", "C105", "C138", "C182", "PALERMO")
# Keys too short or too common to be looked for inside a longer text ("or" is French gold).
NOT_INSIDE = {"the", "les", "des", "con", "sal"}


@dataclass(frozen=True)
class Thresholds:
    """Where a figure becomes a flag: (medium, high), inclusive."""

    child_labour: tuple[float, float] = (5.0, 10.0)  # % of children 5-17
    forced_labour: tuple[float, float] = (4.0, 5.0)  # per 1,000 people


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class SupplierLine:
    """One line of the company's list, as read (``row`` as the user sees it in the file)."""

    row: int
    supplier: str
    country: str
    commodity: str
    spend: float | None = None
    sector: str | None = None  # for the embodied-labour intensity; else the good's sector


@dataclass(frozen=True)
class SourceRef:
    id: str
    publisher: str
    title: str
    edition: str | None = None
    year: int | None = None
    citation: str = ""

    def short(self) -> str:
        """ "Publisher, Title, edition" (the year when there is no edition)."""
        when = self.edition or (str(self.year) if self.year else "")
        return ", ".join(p for p in (self.publisher, self.title, when) if p)


@dataclass(frozen=True)
class AreaFact:
    """A country as the supplier list names it: its code, or why it could not be used."""

    token: str
    code: str | None
    names: Mapping[str, str] = field(default_factory=dict)  # lang -> name
    problem: str | None = None  # "unknown" | "not_country" | "empty"
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListedGood:
    country: str
    good: str
    sector: str | None
    child_labour: bool
    forced_labour: bool
    forced_child_labour: bool
    downstream: bool  # on the list of goods made with listed inputs
    input_country: str | None
    edition: int
    source: str

    def kinds(self) -> list[str]:
        return [
            k
            for k, on in (
                ("forced_child_labour", self.forced_child_labour),
                ("forced_labour", self.forced_labour),
                ("child_labour", self.child_labour),
            )
            if on
        ]


@dataclass(frozen=True)
class Prevalence:
    """A child labour (%) or forced labour (per 1,000) figure for a country or its region."""

    kind: str  # child_labour | forced_labour
    series: str
    area: str  # the area the figure is for: the country, or its region
    area_names: Mapping[str, str]
    scope: str  # country | region
    value: float
    unit: str  # PT | PER_1000_POP
    period: str
    age: str
    source: str


@dataclass(frozen=True)
class RatificationFact:
    instrument: str
    status: str | None  # ratified | signed | not_ratified; None when the store has no record
    year: int | None
    source: str | None


@dataclass(frozen=True)
class HsHeading:
    """An HS 2022 code and the DOL goods it holds; ``made_from`` when the code is a product
    made from the listed good (chocolate, cocoa), not the good itself."""

    code: str
    description: str
    goods: tuple[str, ...]
    made_from: bool = False


@dataclass
class ReferenceFacts:
    """What the screen compares a supplier list with, each fact with its source id."""

    areas: dict[str, AreaFact]  # by the country text as typed (stripped)
    listed: dict[str, list[ListedGood]]  # good (as the DOL list names it) -> its listings
    good_names: dict[str, tuple[str, ...]]  # good -> its names to match (en, fr, es)
    synonyms: Mapping[str, tuple[str, ...]]  # another name -> goods
    hs: Mapping[str, HsHeading]  # HS digits -> heading
    child_labour: dict[str, Prevalence]  # country -> figure
    forced_labour: dict[str, Prevalence]
    ratifications: dict[str, dict[str, RatificationFact]]  # country -> instrument -> fact
    instrument_names: dict[str, Mapping[str, str]]  # code -> lang -> name
    sources: dict[str, SourceRef]
    edition: int | None = None  # the DOL list's edition
    list_source: str | None = None
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # downstream -> inputs


@dataclass(frozen=True)
class GoodMatch:
    """How a commodity text was read: the DOL goods it names, and how."""

    text: str
    goods: tuple[str, ...]
    how: str  # name | synonym | contains | hs | none | hs_unknown | hs_invalid | empty
    matched: str = ""  # the name, synonym or HS code that matched
    hs: HsHeading | None = None


@dataclass(frozen=True)
class Flag:
    kind: str  # dol_list | dol_downstream | dol_elsewhere | child_labour | forced_labour |
    #            ratification | intensity
    harm: str  # forced_child_labour | forced_labour | child_labour | governance
    likelihood: float
    values: Mapping[str, object]
    source: str | None  # a source id in the result's sources, or a label for given data
    raised: bool = True  # False: shown as context (a figure below the thresholds)

    @property
    def severity(self) -> int:
        return SEVERITY[self.harm]

    @property
    def score(self) -> float:
        return self.severity * self.likelihood if self.raised else 0.0


@dataclass(frozen=True)
class Note:
    """Something the screen could not use on a line: an unknown country, an unmatched good."""

    kind: str  # unknown_country | not_country | no_country | no_commodity | unmatched_good |
    #            hs_unknown | hs_invalid | unknown_ratification | no_intensity
    values: Mapping[str, object]


@dataclass
class ScreenedLine:
    line: SupplierLine
    country: str | None
    match: GoodMatch
    flags: list[Flag]
    context: list[Flag]
    notes: list[Note]
    rank: int = 0

    @property
    def score(self) -> float:
        return max((f.score for f in self.flags), default=0.0)

    @property
    def total(self) -> float:
        return sum(f.score for f in self.flags)

    @property
    def priority(self) -> str:
        return next((name for low, name in BANDS if self.score >= low), "none")


@dataclass
class ScreenResult:
    lines: list[ScreenedLine]  # ranked, highest first
    thresholds: Thresholds
    edition: int | None
    sources: dict[str, SourceRef]
    intensity_given: bool
    areas: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # code -> lang -> name
    instrument_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def good_key(text: str) -> str:
    """A name reduced for matching: no case, accents or punctuation, each word singular
    ("Cocoa Beans" and "cocoa bean", "Tomatoes" and "tomato", "Café" and "cafe")."""
    words = re.sub(r"[^0-9a-z]+", " ", folded(text)).split()
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("oes", "ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _names_index(facts: ReferenceFacts) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for good, names in facts.good_names.items():
        for name in names:
            plain = re.sub(r"\([^)]*\)", " ", name)
            for variant in {name, plain, *plain.split("/")}:
                if key := good_key(variant):
                    index.setdefault(key, set()).add(good)
    return index


HS_TEXT = re.compile(r"^(?:hs|sh)?\s*[:#]?\s*(\d[\d.\s-]*)$", re.I)


def hs_digits(text: str) -> str | None:
    """The digits of an HS code as typed ("0901", "0901.11", "HS 1801", "090111"), or None
    when the text is not a code. A code of odd length lost its leading zero in a spreadsheet
    (901 is 0901); national codes beyond six digits are cut to the international six."""
    m = HS_TEXT.match(text.strip())
    if not m:
        return None
    parts = re.split(r"[.\s-]+", m.group(1).strip())
    if len(parts) > 1 and len(parts[0]) == 3:  # "901.11": the chapter's zero was dropped
        parts[0] = "0" + parts[0]
    digits = "".join(parts)
    if len(digits) % 2:
        digits = "0" + digits
    return digits[:6]


def match_commodity(text: str, facts: ReferenceFacts) -> GoodMatch:
    """The DOL goods a commodity (a name in EN/FR/ES, or an HS code) names.

    In order: an HS code (the longest heading of ``facts.hs`` that the code starts with, or
    every heading under a shorter code); the whole name, singular or plural, without case or
    accents; a synonym ("cocoa beans" is Cocoa); else the longest goods or synonyms written
    inside the text ("organic cocoa beans, grade 1").
    """
    return commodity_matcher(facts)(text)


def commodity_matcher(facts: ReferenceFacts) -> Callable[[str], GoodMatch]:
    """``match_commodity`` with the name indexes built once, each text read once."""
    names = _names_index(facts)
    synonyms: dict[str, set[str]] = {}
    for other, goods in facts.synonyms.items():
        synonyms.setdefault(good_key(other), set()).update(goods)
    inside = [
        (k, goods)
        for table in (names, synonyms)
        for k, goods in table.items()
        if len(k) >= 3 and k not in NOT_INSIDE
    ]
    memo: dict[str, GoodMatch] = {}

    def match(text: str) -> GoodMatch:
        text = (text or "").strip()
        if text not in memo:
            memo[text] = _match(text, facts, names, synonyms, inside)
        return memo[text]

    return match


def _match(text, facts, names, synonyms, inside) -> GoodMatch:
    if not text:
        return GoodMatch(text, (), "empty")
    digits = hs_digits(text)
    if digits is not None:
        return _match_hs(text, digits, facts)
    key = good_key(text)
    if key in names:
        return GoodMatch(text, tuple(sorted(names[key])), "name", key)
    if key in synonyms:
        return GoodMatch(text, tuple(sorted(synonyms[key])), "synonym", key)
    padded = f" {key} "
    found: dict[str, set[str]] = {}
    for k, goods in inside:
        if f" {k} " in padded:
            found.setdefault(k, set()).update(goods)
    # Keep the longest: "cocoa bean" rather than also "cocoa"; "palm kernel oil" alone.
    keep = [k for k in found if not any(k != o and f" {k} " in f" {o} " for o in found)]
    if keep:
        goods = sorted({g for k in keep for g in found[k]})
        return GoodMatch(text, tuple(goods), "contains", ", ".join(sorted(keep)))
    return GoodMatch(text, (), "none")


def _match_hs(text: str, digits: str, facts: ReferenceFacts) -> GoodMatch:
    if len(digits) < 2:
        return GoodMatch(text, (), "hs_invalid", digits)
    prefixes = [c for c in facts.hs if digits.startswith(c)]
    if prefixes:
        heading = facts.hs[max(prefixes, key=len)]
        return GoodMatch(text, heading.goods, "hs", digits, heading)
    under = [facts.hs[c] for c in sorted(facts.hs) if c.startswith(digits)]
    if under:
        goods = tuple(sorted({g for h in under for g in h.goods}))
        merged = HsHeading(
            digits, "; ".join(h.description for h in under), goods, all(h.made_from for h in under)
        )
        return GoodMatch(text, goods, "hs", digits, merged)
    return GoodMatch(text, (), "hs_unknown", digits)


def screen(
    lines: Sequence[SupplierLine],
    facts: ReferenceFacts,
    intensity: Mapping[tuple[str, str], float] | None = None,
    *,
    intensity_harm: str = "child_labour",
    intensity_source: str = "input-output table",
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ScreenResult:
    """Flag and rank each supplier line (the rule is in the module's docstring).

    ``intensity`` is the embodied-labour intensity per (country code, sector) of a loaded
    input-output table (persons per unit of output, any unit: only its quartiles are used);
    ``intensity_harm`` says what it counts (``child_labour`` or ``forced_labour``) and
    ``intensity_source`` where it came from.
    """
    cuts = _quartiles(intensity)
    match = commodity_matcher(facts)
    keyed = (
        None
        if intensity is None
        else {(folded(c), folded(s)): v for (c, s), v in intensity.items()}
    )
    given = (keyed, cuts, intensity_harm, intensity_source)
    screened = [
        _screen_line(line, facts, match(line.commodity), given, thresholds) for line in lines
    ]
    screened.sort(key=lambda s: (-s.score, -s.total, -(s.line.spend or 0.0), s.line.row))
    for rank, s in enumerate(screened, start=1):
        s.rank = rank
    areas = {a.code: a.names for a in facts.areas.values() if a.code}
    return ScreenResult(
        screened,
        thresholds,
        facts.edition,
        facts.sources,
        intensity is not None,
        areas,
        facts.instrument_names,
    )


def _screen_line(line, facts, match, given, thresholds) -> ScreenedLine:
    intensity, cuts, harm, intensity_source = given
    flags: list[Flag] = []
    context: list[Flag] = []
    notes: list[Note] = []
    area = facts.areas.get(line.country.strip()) if line.country.strip() else None
    code = area.code if area else None
    if not line.country.strip():
        notes.append(Note("no_country", {}))
    elif area is None or code is None:
        kind = "not_country" if area and area.problem == "not_country" else "unknown_country"
        notes.append(
            Note(kind, {"country": line.country, "nearest": list(area.suggestions if area else [])})
        )
    _commodity_notes(match, facts, notes)
    flags += _list_flags(match, code, facts)
    if code:
        for kind, figures in (("child_labour", facts.child_labour),
                              ("forced_labour", facts.forced_labour)):  # fmt: skip
            flag = _prevalence_flag(figures.get(code), kind, thresholds)
            if flag is not None:
                (flags if flag.raised else context).append(flag)
        gaps, unknown = _ratification_flags(facts.ratifications.get(code, {}))
        flags += gaps
        if unknown:
            notes.append(Note("unknown_ratification", {"instruments": unknown}))
        if intensity is not None:
            flag = _intensity_flag(line, match, code, facts, intensity, cuts, harm,
                                   intensity_source)  # fmt: skip
            if flag is None:
                notes.append(
                    Note("no_intensity", {"country": code, "sector": _sector(line, match, facts)})
                )
            else:
                (flags if flag.raised else context).append(flag)
    flags.sort(key=lambda f: (-f.score, -f.severity))
    return ScreenedLine(line, code, match, flags, context, notes)


def _commodity_notes(match: GoodMatch, facts: ReferenceFacts, notes: list[Note]) -> None:
    if match.how == "empty":
        notes.append(Note("no_commodity", {}))
    elif match.how == "none":
        notes.append(Note("unmatched_good", {"commodity": match.text, "edition": facts.edition}))
    elif match.how in ("hs_unknown", "hs_invalid"):
        notes.append(Note(match.how, {"commodity": match.text, "code": match.matched}))


def _list_flags(match: GoodMatch, code: str | None, facts: ReferenceFacts) -> list[Flag]:
    """One flag per listed good and kind for this country; else one for goods listed only
    for other countries (they may reach the supplier through its own suppliers)."""
    flags = []
    elsewhere: dict[str, list[ListedGood]] = {}
    base = {"commodity": match.text, "how": match.how, "matched": match.matched}
    if match.hs is not None:
        base |= {"hs": match.hs.code, "hs_description": match.hs.description,
                 "made_from": match.hs.made_from}  # fmt: skip
    for good in match.goods:
        listings = facts.listed.get(good, [])
        here = [g for g in listings if g.country == code]
        for g in here:
            values = base | {"good": good, "country": code, "edition": g.edition}
            if kinds := g.kinds():  # one flag for the good, as severe as its worst kind
                values_all = values | {"harms": kinds}
                flags.append(Flag("dol_list", kinds[0], LISTED, values_all, g.source))
            if g.downstream:
                flags.append(_downstream_flag(g, values, facts))
        if not here and listings:
            elsewhere[good] = listings
    for good, listings in elsewhere.items():
        harms = {k for g in listings for k in g.kinds()} or {"child_labour"}
        kinds = sorted(harms, key=SEVERITY.__getitem__, reverse=True)
        worst = kinds[0]
        countries = sorted({g.country for g in listings})
        values = base | {"good": good, "countries": countries, "edition": listings[0].edition,
                         "harms": kinds, "country": code}  # fmt: skip
        flags.append(Flag("dol_elsewhere", worst, ELSEWHERE, values, listings[0].source))
    return flags


def _downstream_flag(g: ListedGood, values: dict, facts: ReferenceFacts) -> Flag:
    """A good made with listed inputs: as severe as the worst kind its inputs are listed for
    in their country (child labour when the input is not known to the screen)."""
    inputs = [
        x
        for name in facts.inputs.get(g.good, ())
        for x in facts.listed.get(name, [])
        if x.country == g.input_country
    ]
    harms = {k for x in inputs for k in x.kinds()} or {"child_labour"}
    values = values | {
        "input_country": g.input_country,
        "inputs": sorted({x.good for x in inputs}),
    }
    harm = max(harms, key=SEVERITY.__getitem__)
    return Flag("dol_downstream", harm, DOWNSTREAM, values, g.source)


def _prevalence_flag(figure: Prevalence | None, kind: str, thresholds: Thresholds) -> Flag | None:
    if figure is None:
        return None
    medium, high = getattr(thresholds, kind)
    level = "high" if figure.value >= high else "medium" if figure.value >= medium else "low"
    likelihood = {"high": HIGH, "medium": MEDIUM, "low": 0.0}[level]
    if figure.scope == "region":  # a region's figure says less about one country: a step down
        likelihood = {HIGH: MEDIUM, MEDIUM: ELSEWHERE}.get(likelihood, 0.0)
    values = {
        "value": figure.value,
        "unit": figure.unit,
        "period": figure.period,
        "age": figure.age,
        "series": figure.series,
        "area": figure.area,
        "area_names": dict(figure.area_names),
        "scope": figure.scope,
        "level": level,
        "medium": medium,
        "high": high,
    }
    return Flag(kind, kind, likelihood, values, figure.source, raised=likelihood > 0)


def _ratification_flags(held: Mapping[str, RatificationFact]) -> tuple[list[Flag], list[str]]:
    flags, unknown = [], []
    for instrument in FUNDAMENTAL:
        fact = held.get(instrument)
        if fact is None or fact.status is None:
            unknown.append(instrument)
        elif fact.status != "ratified":
            values = {"instrument": instrument, "status": fact.status}
            flags.append(Flag("ratification", "governance", GAP, values, fact.source))
    return flags, unknown


def _sector(line: SupplierLine, match: GoodMatch, facts: ReferenceFacts) -> str | None:
    if line.sector:
        return line.sector
    sectors = {g.sector for good in match.goods for g in facts.listed.get(good, []) if g.sector}
    return sorted(sectors)[0] if len(sectors) == 1 else None


def _quartiles(intensity: Mapping[tuple[str, str], float] | None) -> tuple[float, float]:
    values = sorted(v for v in (intensity or {}).values() if v == v)  # NaN never ranks
    if not values:
        return float("inf"), float("inf")

    def q(p: float) -> float:  # linear interpolation between order statistics (type 7)
        pos = p * (len(values) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    return q(0.5), q(0.75)


def _intensity_flag(line, match, code, facts, intensity, cuts, harm, source) -> Flag | None:
    sector = _sector(line, match, facts)
    if sector is None:
        return None
    value = intensity.get((folded(code), folded(sector)))
    if value is None or value != value:
        return None
    median, top = cuts
    likelihood = HIGH if value >= top and value > 0 else MEDIUM if value > median else 0.0
    level = {HIGH: "high", MEDIUM: "medium"}.get(likelihood, "low")
    values = {"country": code, "sector": sector, "value": value, "level": level,
              "median": median, "top": top}  # fmt: skip
    return Flag("intensity", harm, likelihood, values, source, raised=likelihood > 0)
