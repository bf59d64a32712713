"""The self-contained HTML report of a run, rendered from its published dictionary.

:func:`render_report` takes :meth:`RiskRun.to_dict` (or a saved ``run.json``), so a report
can be made again later from the file without the data. One HTML file: inline CSS, charts as
inline SVG (:mod:`target87.risk.report_charts`), the map drawn from the inline GeoJSON, no
script and no external resource. The Jinja2 template is autoescaped; only the SVG charts,
made here, and the few spans built here around escaped text are inserted as markup.

The report reads in English, French or Spanish (``lang``): its texts are the ``rr_*`` keys of
:mod:`target87.presentation.messages`, numbers are written the language's way
(:mod:`target87.presentation`),
and the texts a run carries that the risk modules wrote (disclosure reasons, notes, the
classification, model, small-area, benchmarking and provenance summaries) are recognised and
written again in the language. What the run's author named (territories, factors,
covariates and their levels, the run and its outcome) is shown as given, marked
``translate="no"``; a text the report does not recognise is shown as given too. In English
the run's own texts are shown exactly as the run holds them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from target87.presentation import format_number, format_percent, sex_label, urbanisation_label
from target87.presentation.messages import LANGUAGES, MESSAGES, label
from target87.risk.disclosure import ALL, TOTAL
from target87.risk.errors import RiskError
from target87.risk.report_charts import class_map, estimator_scatter, factor_bars, ranking, to_svg
from target87.risk.run_result import FORMAT

TEMPLATES = Path(__file__).with_name("templates")
MISSING = "–"

#: Words of the risk modules shown in the report, by the text the run holds: statuses,
#: default class labels, factor directions, harmonisation statistics, rules, sample columns.
WORDS = {
    "ok": "rr_status_ok",
    "suppressed": "suppressed",
    "merged": "rr_status_merged",
    "flagged": "rr_status_flagged",
    "no sample": "rr_status_no_sample",
    "low": "rr_class_low",
    "medium": "rr_class_medium",
    "high": "rr_class_high",
    "risk": "rr_risk",
    "protective": "rr_protective",
    "none": "rr_none",
    "mean": "rr_mean",
    "share": "rr_share",
    "national": "rr_national",
    "synthetic": "rr_synthetic",
    "const": "rr_m_const",
    "survey": "rr_survey",
    "census": "rr_census",
    "boundaries": "rr_prov_boundaries",
    "not in child labour": "rr_not_in_child_labour",
    "in child labour": "rr_in_child_labour",
    TOTAL: "total",
    "expected": "rr_expected",
    "children": "rr_children",
}
RULES = (
    "min_children",
    "count_rounding",
    "direct_suppress",
    "direct_flag",
    "min_cell",
    "secondary",
)
#: Row names of the summaries' tables that the risk modules give (the others are factors).
TERMS = ("const", "synthetic", "national")
#: Level values (of a categorical covariate) that are SDMX words: (function, code).
LEVEL_CODES: dict[str, tuple[Callable[..., str], str, dict[str, Any]]] = {
    "urban": (urbanisation_label, "U", {}),
    "rural": (urbanisation_label, "R", {}),
    "male": (sex_label, "M", {"children": True}),
    "female": (sex_label, "F", {"children": True}),
}
# Texts of the risk modules, recognised whole (each key's English is the module's text).
REASONS = (
    "rr_why_merged",
    "rr_why_direct",
    "rr_why_caution",
    "rr_why_children",
    "rr_why_rounded",
    "rr_why_cases",
    "rr_why_cell",
    "rr_why_country",
    "rr_why_parent",
    "rr_reason_only_survey",
    "rr_reason_only_census",
    "rr_reason_diff",
    "rr_reason_std_diff",
)
#: Placeholders that hold a number (one word): "{n} children" is not "{n} unweighted children".
NUMERIC = {"n", "m", "k", "g", "f", "a", "b", "p", "s", "t", "j", "low", "high", "base", "df"}
NOTES = (
    "rr_note_outside",
    "rr_note_fh_diverged",
    "rr_note_fh_zero",
    "rr_warning_unit_level",
    "rr_m_separation",
    "rr_m_no_design",
)
MODEL_HEAD = {
    "Link": "rr_m_link",
    "Observations": "rr_m_observations",
    "Weighted N": "rr_m_weighted_n",
    "Strata / PSUs": "rr_m_strata",
    "Design df": "rr_m_design_df",
    "Pseudo R2 (McFadden)": "rr_m_pseudo_r2",
    "AUC": "rr_m_auc",
    "Cut-off (prevalence)": "rr_m_cutoff",
    "Sensitivity": "rr_m_sensitivity",
    "Specificity": "rr_m_specificity",
    "Correctly classified": "rr_m_correct",
    "Archer-Lemeshow F": "rr_m_archer_lemeshow",
}
MODEL_VALUES = (
    "rr_m_design_df_value",
    "rr_m_al_value",
    "rr_m_al_few_df",
    "rr_m_al_few_groups",
    "rr_m_al_groups",
)
# A number as the risk modules print it (1,234.5 / 0.0473 / 76.60%), not part of a name,
# a version, a date or an exponent.
_NUMBER = re.compile(
    r"(?<![\w.,:/-])(?P<sign>-?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
    r"(?P<pct>%?)(?![\w:/-]|[.,]\d)"
)
_TOP_FACTOR = re.compile(r"(?P<name>.+) (?P<value>[+-]\d+(?:\.\d+)?) pp \((?P<share>\d+)%\)")


class RiskReportError(RiskError):
    """A report cannot be made from what was given; the message says why."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@cache
def _pattern(key: str) -> re.Pattern[str]:
    """The English text of ``key`` as a pattern, each ``{placeholder}`` a named group."""
    parts = re.split(r"\{(\w+)\}", MESSAGES[key])
    seen: set[str] = set()
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:
            out.append(f"(?P={part})")
        else:
            seen.add(part)
            value = r"[-+\w.,%]+?" if part in NUMERIC else ".+?"
            out.append(f"(?P<{part}>{value})")
    return re.compile("".join(out), re.S)


def _rule_line(line: str, char: str) -> bool:
    return bool(line) and set(line) == {char}


class Words:
    """The report's words, numbers and known run texts in one language (module docstring)."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self.english = self.lang == "en"

    # -- interface texts -----------------------------------------------------------------

    def __call__(self, key: str, **values: Any) -> str:
        text = label(key, self.lang)
        return text.format(**values) if values else text

    def markup(self, key: str, **values: Any) -> Markup:
        """The text of ``key`` escaped, with ``values`` (escaped unless already markup)."""
        return escape(label(key, self.lang)).format(**values)

    def word(self, value: Any) -> str:
        """A word of the risk modules (status, class, direction, ...) in the language."""
        if _missing(value) or value == "":
            return ""
        text = str(value)
        if text in WORDS:
            return self(WORDS[text])
        if m := _pattern("rr_class_n").fullmatch(text):
            return self("rr_class_n", j=m["j"])
        return text

    # -- numbers -------------------------------------------------------------------------

    def pct(self, value: Any, digits: int = 2) -> str:
        if _missing(value):
            return MISSING
        if self.english:
            return f"{value:.{digits}%}"
        return format_percent(100 * value, self.lang, digits)

    def num(self, value: Any, digits: int = 3) -> str:
        if _missing(value):
            return MISSING
        if self.english:
            return f"{value:,.{digits}f}"
        return format_number(value, self.lang, digits, fixed=True)

    def count(self, value: Any) -> str:
        if _missing(value):
            return MISSING
        if self.english:
            return f"{value:,.0f}"
        return format_number(value, self.lang, 0)

    def numbers(self, text: str) -> str:
        """``text`` with the numbers the risk modules printed written the language's way."""
        if self.english:
            return text

        def one(m: re.Match[str]) -> str:
            whole, dec = m["whole"], m["dec"] or ""
            if len(whole) > 1 and whole.startswith("0"):
                return m[0]  # "01": a code or a clock, not a quantity
            value = Decimal(m["sign"] + whole.replace(",", "") + (f".{dec}" if dec else ""))
            if m["pct"]:
                return format_percent(value, self.lang, len(dec))
            pattern = ("#,##0" if "," in whole else "0") + (f".{'0' * len(dec)}" if dec else "")
            return format_decimal(value, format=pattern, locale=self.lang)

        return _NUMBER.sub(one, text)

    def series(self, text: str) -> str:
        """A list of numbers ("0.047, 0.070") with a separator that is not a decimal comma."""
        if self.english:
            return text
        separator = " ; " if self.lang == "fr" else "; "
        return separator.join(self.numbers(part) for part in text.split(", "))

    # -- the run's own texts ---------------------------------------------------------------

    def known(self, text: str, keys: Iterable[str], **convert: Callable[[str], str]) -> str | None:
        """``text`` in the language when it is the English of one of ``keys`` (placeholders
        converted by ``convert``, numbers by default); else None."""
        for key in keys:
            if m := _pattern(key).fullmatch(text):
                values = {k: convert.get(k, self.numbers)(v) for k, v in m.groupdict().items()}
                return self(key, **values)
        return None

    def text(self, value: Any, keys: Iterable[str] = NOTES + REASONS) -> str:
        """A note, warning or reason of the run in the language (as given if unknown)."""
        if _missing(value):
            return ""
        text = str(value)
        if self.english:
            return text
        return self.known(text, keys, name=self.place) or text

    def place(self, value: Any) -> str:
        """A territory name: as given, except the pools disclosure control names."""
        if _missing(value):
            return ""
        text = str(value)
        if self.english:
            return text
        return self.known(text, ["rr_merged_name"], parent=str) or text

    def territory(self, value: Any) -> str:
        """A territory label of the suppression log ("R01 / T07", or * for every one)."""
        return " / ".join(self.place(part) for part in str(value).split(" / "))

    def level(self, value: Any) -> Markup:
        """A level of a categorical covariate: the SDMX words in the language, else as given."""
        if _missing(value) or value == "":
            return Markup("")
        text = str(value)
        if not self.english and text in LEVEL_CODES:
            fn, code, options = LEVEL_CODES[text]
            return Markup(escape(fn(code, self.lang, **options)))
        return verbatim(text)

    def term(self, value: Any) -> str:
        """A row name of the model, small-area or benchmarking table: the ones the risk
        modules name (constant, synthetic risk, national) in the language, factors as given."""
        text = str(value)
        return self.word(text) if text in TERMS else text

    def method(self, value: str) -> str:
        key = f"rr_method_{value}"
        return self(key) if key in MESSAGES else value

    def rule(self, value: Any) -> Markup:
        code = str(value)
        if code not in RULES:
            return Markup("<code>{}</code>").format(code)
        return Markup("{} <code>{}</code>").format(self(f"rr_rule_{code}"), code)

    def column(self, value: Any) -> Markup:
        text = str(value)
        if text == ALL or text in WORDS:
            return Markup(escape(self.word(text) if text != ALL else ALL))
        return Markup("<code>{}</code>").format(text)

    def top_factors(self, value: Any) -> Markup:
        """The top-factor text of a territory: factor names as given, numbers translated."""
        if _missing(value) or not value:
            return Markup("")
        parts = []
        for item in str(value).split("; "):
            m = _TOP_FACTOR.fullmatch(item)
            if m is None:
                return Markup(escape(value))
            sign, number = m["value"][0], m["value"][1:]
            share = self.numbers(m["share"] + "%")
            parts.append(
                Markup("{} {}{} pp ({})").format(
                    verbatim(m["name"]), sign, self.numbers(number), share
                )
            )
        return Markup("; ").join(parts)

    # -- summaries ---------------------------------------------------------------------------

    def classification(self, text: str) -> str:
        """The classification summary of the run (see :meth:`Classification.summary`)."""
        if self.english:
            return text
        out = []
        for line in text.split("\n"):
            indent, body = line[: len(line) - len(line.lstrip())], line.strip()
            head = self.known(body, ["rr_cls_national", "rr_cls_groups"], method=self.method)
            counts = [part.rpartition(" ") for part in body.split(" / ")]
            if head is not None:
                body = head
            elif body.startswith("cut-points "):
                body = self("rr_cls_cutpoints", cuts=self.series(body.removeprefix("cut-points ")))
            elif (missing := self.known(body, ["rr_cls_missing"])) is not None:
                body = missing
            elif all(sep and n.isdigit() for _, sep, n in counts):
                body = " / ".join(
                    f"{self.word(name)} {self.count(int(n))}" for name, _, n in counts
                )
            elif ": " in body:
                group, _, cuts = body.rpartition(": ")
                body = self("rr_label_value", label=group, value=self.series(cuts))
            out.append(indent + body)
        return "\n".join(out)

    def _table(
        self,
        labels: list[str],
        widths: list[int],
        rows: list[tuple[str, list[str]]],
        first: int,
        left: str = "",
    ) -> list[str]:
        """A fixed-width table: a header of ``labels`` (columns widened to fit them) and the
        ``rows`` (name, cells), the names in ``first`` columns; ``left`` heads the names."""
        widths = [max(w, len(lab) + 1) for w, lab in zip(widths, labels, strict=True)]
        first = max(first, *(len(name) + 1 for name, _ in rows)) if rows else first
        lines = [
            f"{left:<{first}}"
            + "".join(f"{lab:>{w}}" for lab, w in zip(labels, widths, strict=True))
        ]
        lines += [
            f"{name:<{first}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
            for name, cells in rows
        ]
        return lines

    def model(self, text: str, coefficients: list[dict[str, Any]] | None, link: str) -> str:
        """The model summary (see :meth:`RiskModel.summary`): fit statistics and the
        coefficient table written again in the language."""
        if self.english:
            return text
        lines = text.split("\n")
        equals = [i for i, line in enumerate(lines) if _rule_line(line, "=")]
        dashes = [i for i, line in enumerate(lines) if _rule_line(line, "-")]
        if len(equals) < 2 or len(dashes) < 2 or not coefficients:
            return "\n".join(self.numbers(line) for line in lines)
        pairs = []
        for line in lines[equals[0] + 1 : dashes[0]]:
            name, _, value = line.partition(":")
            if name in MODEL_HEAD:
                value = value.strip()
                value = self.known(value, MODEL_VALUES) or self.numbers(value)
                pairs.append((self(MODEL_HEAD[name]), value))
            else:
                pairs.append(("", self.numbers(line)))
        first = max([24, *(len(title) + 1 for title, _ in pairs)])
        head = [f"{title:<{first}}{value}" if title else value for title, value in pairs]
        interval = re.search(r"(\[\S+)\s+(\S+\])", lines[dashes[0] + 1])
        lo, hi = (interval.group(1), interval.group(2)) if interval else ("[0.025", "0.975]")
        columns = ["coef", "std_err", "t", "p_value", "lower", "upper"]
        labels = [self("rr_m_coef"), self("rr_m_std_err"), "t", "P>|t|"]
        labels += [self.numbers(lo), self.numbers(hi)]
        if link == "logit":
            columns.append("odds_ratio")
            labels.append(self("rr_m_odds_ratio"))
        rows = [
            (self.term(row["term"]), [self.num(row.get(c), 4) for c in columns])
            for row in coefficients
        ]
        table = self._table(labels, [11] * len(labels), rows, 12)
        width = max(len(line) for line in table)
        notes = []
        for line in lines[equals[-1] + 1 :]:
            note = line.removeprefix("Note: ")
            notes.append(self("rr_m_note", note=self.text(note)) if note != line else line)
        return "\n".join(
            [self("rr_m_title").center(width).rstrip(), "=" * width, *head, "-" * width]
            + [table[0], "-" * width, *table[1:], "=" * width, *notes]
        )

    def small_area(self, text: str | None) -> str | None:
        """The Fay–Herriot summary (see :meth:`FayHerriotResult.summary`)."""
        if self.english or not text:
            return text
        lines = text.split("\n")
        keys = ["rr_fh_converged", "rr_fh_not_converged", "rr_fh_areas", "rr_fh_cv"]
        out, rows, header = [], [], None
        for line in lines:
            tokens = line.split()
            if tokens == ["coef", "std", "err", "z", "P>|z|"]:
                header = len(out)
                out.append(line)
            elif header is not None and len(tokens) >= 5 and not _rule_line(line, "="):
                rows.append(
                    (self.term(" ".join(tokens[:-4])), [self.numbers(t) for t in tokens[-4:]])
                )
            elif line.strip() == "Fay-Herriot EBLUP":
                out.append(line)
            else:
                out.append(self.known(line, keys) or self.numbers(line))
        if header is None:
            return "\n".join(out)
        labels = [self("rr_m_coef"), self("rr_m_std_err"), "z", "P>|z|"]
        table = self._table(labels, [11, 11, 9, 9], rows, 24)
        width = max(64, *(len(line) for line in table))
        title = self("rr_fh_title").center(width).rstrip()
        out[header : header + 1] = table
        out = [title if line.strip() == "Fay-Herriot EBLUP" else line for line in out]
        return "\n".join(
            ("=" if line[:1] == "=" else "-") * width
            if _rule_line(line, "=") or _rule_line(line, "-")
            else line
            for line in out
        )

    def benchmark(self, text: str | None) -> str | None:
        """The benchmarking summary (see :meth:`BenchmarkResult.summary`)."""
        if self.english or not text:
            return text
        out, rows, header = [], [], None
        for line in text.split("\n"):
            tokens = line.split()
            if line == MESSAGES["rr_bm_title"]:
                out.append(self("rr_bm_title"))
            elif tokens == ["group", "target", "before", "after"]:
                header = len(out)
            elif header is not None and len(tokens) >= 4 and _NUMBER.fullmatch(tokens[-1]):
                rows.append(
                    (self.term(" ".join(tokens[:-3])), [self.numbers(t) for t in tokens[-3:]])
                )
            else:
                out.append(self.known(line, ["rr_bm_capped"]) or self.numbers(line))
        if header is not None:
            labels = [self("rr_bm_target"), self("rr_bm_before"), self("rr_bm_after")]
            out[header:header] = self._table(labels, [10, 10, 10], rows, 20, self("rr_bm_group"))
        return "\n".join(out)

    def provenance(self, run: dict[str, Any]) -> str:
        """The provenance summary (see :meth:`Provenance.summary`), from the run's record."""
        p = run.get("provenance")
        if self.english or not p:
            return run["provenance_summary"]
        lines = [self("rr_prov_created", created=p["created"])]
        if p.get("config_file"):
            lines.append(self("rr_prov_run_file", name=p["config_file"], sha=p["config_sha256"]))
        files = dict(p.get("data_files") or {})
        if p.get("boundaries"):
            files["boundaries"] = p["boundaries"]
        for role, info in files.items():
            value = f"{info['name']} sha256 {info['sha256']}"
            lines.append(self("rr_label_value", label=self.word(role), value=value))
        vintages = ", ".join(f"{self.word(k)} {v}" for k, v in (p.get("vintages") or {}).items())
        lines.append(self("rr_prov_vintages", vintages=vintages or self("rr_prov_not_given")))
        lines.append(self("rr_prov_draws", seed=p["seed"], draws=self.count(p["draws"])))
        software = ", ".join(f"{k} {v}" for k, v in (p.get("software") or {}).items())
        lines.append(self("rr_prov_software", software=software))
        if p.get("synthetic"):
            lines.append(self.synthetic_label(run.get("label")))
        return "\n".join([lines[0], *(f"  {line}" for line in lines[1:])])

    def synthetic_label(self, value: Any) -> str:
        text = "" if _missing(value) else str(value)
        return self("rr_synthetic_label") if text == MESSAGES["rr_synthetic_label"] else text


def verbatim(text: Any) -> Markup:
    """A name the run's author gave, shown as given and marked not to be translated."""
    return Markup('<span translate="no">{}</span>').format(text)


def _environment(words: Words) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.filters.update(pct=words.pct, num=words.num, count=words.count)
    return env


def _frame(rows: list[dict[str, Any]] | None, levels: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows or [])
    if len(frame) and all(level in frame for level in levels):
        frame["name"] = frame[levels].astype(str).agg(" / ".join, axis=1)
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for the template, a missing value as None (NaN would read as a value)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _charts(run: dict[str, Any], territories: pd.DataFrame, w: Words) -> dict[str, Markup]:
    """SVG charts; made here from our own data, so inserted as markup."""
    if "name" in territories:
        territories = territories.assign(
            name=[" / ".join(w.place(p) for p in n.split(" / ")) for n in territories["name"]]
        )
    directions = {d: w.word(d) for d in ("risk", "protective", "none")}
    charts = {
        "ranking": ranking(territories, w("risk_ranking"), axis=w("rr_chart_risk_interval")),
        "factors": factor_bars(
            pd.DataFrame(run["factors"]),
            w("rr_chart_factors"),
            axis=w("rr_chart_contribution"),
            legend=w("rr_direction"),
            directions=directions,
        ),
    }
    if "direct" in territories and territories["direct"].notna().any():
        charts["estimators"] = estimator_scatter(
            territories,
            w("rr_chart_estimators"),
            x_title=w("risk_direct"),
            y_title=w("rr_chart_model_based"),
            legend=w("rr_chart_estimator"),
            estimators={
                "risk": w("rr_synthetic"),
                "small_area": w("rr_small_area"),
                "benchmarked": w("rr_benchmarked"),
            },
        )
    if run.get("geojson"):
        labels = run["classification"]["labels"]
        charts["map"] = class_map(
            run["geojson"],
            labels,
            w("risk_map"),
            legend=w("rr_chart_risk_class"),
            no_class=w("rr_chart_no_class"),
            names={lab: w.word(lab) for lab in labels},
        )
    return {name: Markup(to_svg(chart, w.lang)) for name, chart in charts.items()}  # noqa: S704


def render_report(run: dict[str, Any], lang: str = "en") -> str:
    """The report HTML of a run dictionary, in ``lang`` (en, fr or es; module docstring)."""
    if run.get("format") != FORMAT:
        raise RiskReportError(
            f"not a saved risk run (format {run.get('format')!r}, expected {FORMAT!r})"
        )
    w = Words(lang)
    levels = run["levels"]
    territories = _frame(run["territories"], levels)
    ranked = territories.assign(_order=territories["risk"].fillna(-1.0)).sort_values(
        "_order", ascending=False, kind="stable"
    )
    parents = {
        level: _records(_frame(rows, levels[: i + 1]))
        for i, (level, rows) in enumerate(run["parents"].items())
    }
    classification = run["classification"]
    scope = classification.get("scope", "national")
    sample = pd.DataFrame(run["sample_table"])
    template = _environment(w).get_template("report.html")
    return template.render(
        lang=w.lang,
        t=w,
        w=w,
        verbatim=verbatim,
        run=run,
        levels=levels,
        ranked=_records(ranked),
        parents=parents,
        charts=_charts(run, territories, w),
        sample=sample.to_dict(orient="records"),
        sample_columns=list(sample.columns),
        has_small_area="small_area" in territories,
        synthetic_label=w.synthetic_label(run.get("label")),
        harmonisation_link=Markup('<a href="#harmonisation">{}</a>').format(
            w("rr_harmonisation_link")
        ),
        total=TOTAL,
        cutpoints=w("rr_cut_national") if scope == "national" else w("rr_cut_within", level=scope),
        method=w.method(classification["method"]),
        summaries={
            "classification": w.classification(classification["summary"]),
            "model": w.model(
                run["model"]["summary"], run["model"].get("coefficients"), run["model"]["link"]
            ),
            "small_area": w.small_area(run.get("small_area")),
            "benchmark": w.benchmark(run.get("benchmark")),
            "provenance": w.provenance(run),
        },
    )


def read_run_json(path: str | Path) -> dict[str, Any]:
    """A saved run (``run.json``) read back, checked to be one."""
    try:
        run = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RiskReportError(f"{path}: cannot read a saved run ({exc})") from exc
    if not isinstance(run, dict) or run.get("format") != FORMAT:
        raise RiskReportError(f"{path}: not a saved risk run (no format {FORMAT!r})")
    return run
