"""The sourcing screen's files: a supplier list in (CSV or Excel), the ranked lines out as
rows, JSON, CSV, Excel (openpyxl) and PDF (fpdf2), in English, French or Spanish.

A supplier list has the columns ``supplier``, ``country``, ``commodity`` (a name or an HS
code) and, optionally, ``spend`` and ``sector`` (any case; French and Spanish names too;
other columns are ignored). A file over the size limit (50 MB unless told) is refused before
any of it is read; an xlsx is checked for zip bombs and XML entities first
(``interop.limits``). Every refusal names the file, and the row and column where there is one.
Cells a spreadsheet would run as formulas are quoted in the CSV and Excel written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from target87.ingest.errors import LoadError
from target87.interop.limits import check_zip_xml, decode_text, protect, read_limited
from target87.presentation import age_label, content_text, format_number, format_value
from target87.store.lookup import folded
from target87.supply.errors import SupplyError
from target87.supply.screen import Flag, Note, ScreenedLine, ScreenResult, SupplierLine

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
COLUMNS = {
    "supplier": ("supplier", "supplier name", "fournisseur", "proveedor", "vendor"),
    "country": ("country", "country of origin", "origin", "pays", "pais", "país"),
    "commodity": ("commodity", "good", "product", "hs code", "hs", "produit", "producto",
                  "marchandise", "mercancia", "bien"),
    "spend": ("spend", "amount", "value", "depense", "dépense", "montant", "gasto", "monto"),
    "sector": ("sector", "secteur"),
}  # fmt: skip
REQUIRED = ("supplier", "country", "commodity")
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


# --- reading ---------------------------------------------------------------------------------


def read_suppliers(path: Path | str, *, limit: int = DEFAULT_MAX_BYTES) -> list[SupplierLine]:
    """A supplier list from a CSV or Excel file; refused over ``limit`` bytes, unread."""
    path = Path(path)
    return parse_suppliers(_limited(path, limit), path.name, limit=limit)


def _limited(path: Path, limit: int) -> bytes:
    try:
        return read_limited(path, limit)
    except LoadError as exc:
        problem = exc.problems[0]
        reason = problem.reason
        if problem.rule == "size":
            reason = (
                f"{reason}: the sourcing screen reads supplier lists of at most "
                f"{_size(limit)}; split the list or keep only the columns supplier, country, "
                "commodity and spend"
            )
        raise SupplyError(reason, file=path.name) from None


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def parse_suppliers(
    data: bytes, name: str, *, limit: int = DEFAULT_MAX_BYTES
) -> list[SupplierLine]:
    """A supplier list from the bytes of an upload named ``name`` (.csv or .xlsx)."""
    if len(data) > limit:
        raise SupplyError(
            f"file is {len(data):,} bytes, over the limit of {_size(limit)} for a supplier list",
            file=name,
        )
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise SupplyError("old Excel (.xls) is not read: save it as .xlsx or .csv", file=name)
    if suffix not in SUFFIXES and not data.startswith(b"PK"):
        suffix = ".csv"
    if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        header, records, sheet = _read_xlsx(data, name)
    else:
        (header, records), sheet = _read_csv(data, name), None
    return _lines(header, records, name, sheet)


def _read_csv(data: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = decode_text(data, name)
    except LoadError as exc:
        raise SupplyError(exc.problems[0].reason, file=name) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","  # one column, or nothing to tell: the header check says what is wrong
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        records, start = [], reader.line_num + 1
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = f"not a readable CSV file ({exc})"
        raise SupplyError(reason, file=name, row=reader.line_num) from None
    return header, records


def _read_xlsx(data: bytes, name: str):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(i.file_size for i in archive.infolist())
        if total > MAX_ZIP_RATIO * max(len(data), 1):
            raise SupplyError(
                f"archive would expand to {total:,} bytes from {len(data):,}: refused as a "
                "possible zip bomb",
                file=name,
            )
        check_zip_xml(io.BytesIO(data))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise SupplyError("not a valid xlsx file (not a zip archive)", file=name) from None
    except LoadError as exc:
        raise SupplyError(exc.problems[0].reason, file=name) from None
    except (OSError, KeyError, ValueError) as exc:
        raise SupplyError(f"cannot read the workbook ({exc})", file=name) from None
    try:
        names = {n.lower(): n for n in book.sheetnames}
        sheet = book[names.get("suppliers", book.sheetnames[0])]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(rows, ())]
        records = [(n, [_cell_text(v) for v in cells]) for n, cells in enumerate(rows, start=2)]
        return header, records, sheet.title
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _lines(header, records, name: str, sheet: str | None) -> list[SupplierLine]:
    where = f"{name} [{sheet}]" if sheet else name
    known = {folded(a): key for key, aliases in COLUMNS.items() for a in aliases}
    places: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = known.get(folded(cell or ""))
        if key is None:
            continue  # a column the screen does not use (notes, buyer...)
        if key in places:
            raise SupplyError(f"two columns hold the {key}", file=where, row=1, column=cell)
        places[key] = i
    missing = [k for k in REQUIRED if k not in places]
    if missing:
        raise SupplyError(
            f"missing column(s) {', '.join(missing)}; a supplier list has the columns supplier, "
            "country, commodity (name or HS code) and, optionally, spend and sector",
            file=where,
            row=1,
        )
    out = []
    for row, cells in records:
        if not any((c or "").strip() for c in cells):
            continue  # blank lines are no suppliers

        def cell(key: str, cells=cells) -> str:
            i = places.get(key)
            return (cells[i] or "").strip() if i is not None and i < len(cells) else ""

        spend_text = cell("spend")
        spend = _spend(spend_text, where, row, header[places["spend"]]) if spend_text else None
        out.append(
            SupplierLine(
                row,
                cell("supplier"),
                cell("country"),
                cell("commodity"),
                spend,
                cell("sector") or None,
            )  # fmt: skip
        )
    if not out:
        raise SupplyError("no supplier lines under the header", file=where)
    return out


def _spend(text: str, where: str, row: int, column: str) -> float:
    """A spend as written: "12,500.50", "12 500,50", "€ 1.250.000" (the last of "," and "."
    followed by one or two digits is the decimal sign; others group thousands)."""
    plain = "".join(ch for ch in text if ch.isdigit() or ch in ",.-")
    if not any(ch.isdigit() for ch in plain):
        raise SupplyError(f"spend {text!r} is not a number", file=where, row=row, column=column)
    last = max(plain.rfind(","), plain.rfind("."))
    if last >= 0 and len(plain) - last - 1 in (1, 2):
        plain = plain[:last].replace(",", "").replace(".", "") + "." + plain[last + 1 :]
    else:
        plain = plain.replace(",", "").replace(".", "")
    try:
        value = float(plain)
    except ValueError:
        raise SupplyError(
            f"spend {text!r} is not a number", file=where, row=row, column=column
        ) from None
    if value < 0:
        raise SupplyError(
            f"spend {text!r} is negative (a credit?); give the amount bought",
            file=where,
            row=row,
            column=column,
        )
    return value


# --- words -----------------------------------------------------------------------------------


def _num(value: object, lang: str, digits: int = 1) -> str:
    return format_number(float(value), lang, digits) if value is not None else "—"


def country_name(result: ScreenResult, code: str | None, lang: str) -> str:
    if not code:
        return ""
    return result.areas.get(code, {}).get(lang) or code


def good_name(good: str, lang: str) -> str:
    return content_text(good, lang) or good


def flag_text(flag: Flag, result: ScreenResult, lang: str = "en") -> str:
    """A flag's reason in ``lang``: what was found, for which harm, and how likely."""
    v: Mapping[str, object] = flag.values
    harm = _joined([word(f"harm_{h}", lang) for h in v.get("harms") or [flag.harm]], lang)
    country = country_name(result, v.get("country"), lang)  # type: ignore[arg-type]
    fields = {"harm": harm, "country": country, "edition": v.get("edition", "")}
    if flag.kind in ("dol_list", "dol_downstream", "dol_elsewhere"):
        fields["good"] = good_name(str(v["good"]), lang)
        fields["read"] = _read_as(v, lang)
    if flag.kind == "dol_downstream":
        fields["inputs"] = ", ".join(good_name(g, lang) for g in v.get("inputs", [])) or "—"
        fields["input_country"] = country_name(result, v.get("input_country"), lang) or str(
            v.get("input_country") or "—"
        )
    elif flag.kind == "dol_elsewhere":
        countries = list(v["countries"])
        fields["n"] = len(countries)
        fields["countries"] = ", ".join(countries[:8]) + (" …" if len(countries) > 8 else "")
        if not country:
            return word("reason_dol_elsewhere_nocountry", lang).format(**fields)
    elif flag.kind in ("child_labour", "forced_labour"):
        names = v.get("area_names") or {}
        fields |= {
            "value": format_value(float(v["value"]), str(v["unit"]), 0, lang),
            "area": names.get(lang) or v["area"],
            "period": v["period"],
            "age": age_label(str(v["age"]), lang) if v["age"] not in ("_T", "") else "",
            "level": word(f"level_{v['level']}", lang),
            "medium": _num(v["medium"], lang),
            "high": _num(v["high"], lang),
            "scope": word(f"scope_{flag.kind}_{v['scope']}", lang),
        }
    elif flag.kind == "ratification":
        names = result.instrument_names.get(str(v["instrument"]), {})
        fields |= {
            "instrument": names.get(lang) or v["instrument"],
            "status": word(f"status_{v['status']}", lang),
        }
    elif flag.kind == "intensity":
        fields |= {
            "sector": v["sector"],
            "value": _num(v["value"], lang, 4),
            "level": word(f"level_{v['level']}", lang),
            "median": _num(v["median"], lang, 4),
            "top": _num(v["top"], lang, 4),
        }
    return word(f"reason_{flag.kind}", lang).format(**fields)


def _joined(items: list[str], lang: str) -> str:
    """ "a, b and c" in ``lang``."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word('and', lang)} {items[-1]}"


def _read_as(v: Mapping[str, object], lang: str) -> str:
    """How the commodity was read, when it was not the good's own name."""
    how = v.get("how")
    if how == "hs":
        key = "read_hs_made_from" if v.get("made_from") else "read_hs"
        return word(key, lang).format(code=v["hs"], description=v["hs_description"])
    if how in ("synonym", "contains"):
        return word("read_name", lang).format(commodity=v["commodity"])
    return ""


def note_text(note: Note, result: ScreenResult, lang: str = "en") -> str:
    v = dict(note.values)
    if note.kind in ("unknown_country", "not_country"):
        near = ", ".join(v.get("nearest") or [])
        v["nearest"] = word("nearest", lang).format(codes=near) if near else ""
    if note.kind == "unknown_ratification":
        v["instruments"] = ", ".join(v["instruments"])
    if note.kind == "no_intensity":
        v["country"] = country_name(result, v.get("country"), lang)
        v["sector"] = v.get("sector") or word("no_sector", lang)
    return word(f"note_{note.kind}", lang).format(**v)


def source_text(result: ScreenResult, source: str | None) -> str:
    ref = result.sources.get(source or "")
    return ref.short() if ref else (source or "")


def method_text(result: ScreenResult, lang: str = "en") -> list[str]:
    """The scoring rule and thresholds, as stated in every output."""
    t = result.thresholds
    lines = [
        word("method_rule", lang),
        word("method_severity", lang),
        word("method_likelihood", lang),
        word("method_thresholds", lang).format(
            cl_medium=_num(t.child_labour[0], lang),
            cl_high=_num(t.child_labour[1], lang),
            fl_medium=_num(t.forced_labour[0], lang),
            fl_high=_num(t.forced_labour[1], lang),
        ),
        word("method_private", lang),
    ]
    if result.edition:
        lines.insert(0, word("method_list", lang).format(edition=result.edition))
    return lines


# --- results as rows, JSON, CSV ----------------------------------------------------------------

ROW_KEYS = ("rank", "priority", "score", "supplier", "country", "commodity", "goods", "spend",
            "flags", "sources", "notes", "row")  # fmt: skip


def result_rows(result: ScreenResult, lang: str = "en") -> list[dict[str, object]]:
    """One row per supplier line, ranked: its flags' reasons and sources joined in cells."""
    return [_row(s, result, lang) for s in result.lines]


def _row(s: ScreenedLine, result: ScreenResult, lang: str) -> dict[str, object]:
    country = country_name(result, s.country, lang) or s.line.country
    return {
        "rank": s.rank,
        "priority": word(f"priority_{s.priority}", lang),
        "score": s.score,
        "supplier": s.line.supplier,
        "country": country,
        "commodity": s.line.commodity,
        "goods": ", ".join(good_name(g, lang) for g in s.match.goods),
        "spend": s.line.spend,
        "flags": " | ".join(flag_text(f, result, lang) for f in s.flags),
        "sources": " | ".join(dict.fromkeys(source_text(result, f.source) for f in s.flags)),
        "notes": " | ".join(note_text(n, result, lang) for n in s.notes),
        "row": s.line.row,
    }


def result_dict(result: ScreenResult, lang: str = "en") -> dict[str, object]:
    """The whole screen for JSON: each line with its flags (harm, severity, likelihood, score,
    reason, source), context figures and notes; the sources cited; the method."""

    def flag(f: Flag) -> dict[str, object]:
        return {
            "kind": f.kind,
            "harm": f.harm,
            "severity": f.severity,
            "likelihood": f.likelihood,
            "score": f.score,
            "reason": flag_text(f, result, lang),
            "values": dict(f.values),  # the figures behind the reason, as numbers and codes
            "source": f.source,
            "source_text": source_text(result, f.source),
        }

    return {
        "dol_list_edition": result.edition,
        "thresholds": {
            "child_labour_pct": list(result.thresholds.child_labour),
            "forced_labour_per_1000": list(result.thresholds.forced_labour),
        },
        "method": method_text(result, lang),
        "lines": [
            {
                "rank": s.rank,
                "row": s.line.row,
                "supplier": s.line.supplier,
                "country_as_given": s.line.country,
                "country": s.country,
                "commodity": s.line.commodity,
                "goods": list(s.match.goods),
                "matched_by": s.match.how,
                "spend": s.line.spend,
                "score": s.score,
                "priority": s.priority,
                "flags": [flag(f) for f in s.flags],
                "context": [flag(f) for f in s.context],
                "notes": [{"kind": n.kind, "text": note_text(n, result, lang)} for n in s.notes],
            }
            for s in result.lines
        ],
        "sources": {k: v.citation or v.short() for k, v in result.sources.items()},
    }


def headers(lang: str = "en") -> list[str]:
    return [word(f"col_{k}", lang) for k in ROW_KEYS]


def write_csv(result: ScreenResult, out, lang: str = "en") -> None:
    """The ranked rows as CSV to a text stream (formula-looking cells quoted)."""
    writer = csv.writer(out)
    writer.writerow(headers(lang))
    for row in result_rows(result, lang):
        writer.writerow([_safe(row[k]) for k in ROW_KEYS])


def _safe(value: object) -> object:
    if value is None:
        return ""
    return protect(value) if isinstance(value, str) else value


# --- Excel -------------------------------------------------------------------------------------


def write_excel(result: ScreenResult, path: Path | str, lang: str = "en") -> Path:
    """A workbook: the ranked lines, one row per flag with its reason and source, the
    sources cited and the method (scoring rule and thresholds)."""
    path = Path(path)
    book = Workbook()
    bold = Font(bold=True)
    sheet = book.active
    sheet.title = word("sheet_screen", lang)[:31]
    sheet.append(headers(lang))
    for row in result_rows(result, lang):
        sheet.append([_safe(row[k]) for k in ROW_KEYS])
    flags = book.create_sheet(word("sheet_flags", lang)[:31])
    flags.append([word(f"col_{k}", lang) for k in ("rank", "supplier", "country", "harm",
                  "severity", "likelihood", "score", "reason", "source")])  # fmt: skip
    for s in result.lines:
        country = country_name(result, s.country, lang) or s.line.country
        for f in s.flags + s.context:
            flags.append([s.rank, _safe(s.line.supplier), _safe(country),
                          word(f"harm_{f.harm}", lang), f.severity, f.likelihood, f.score,
                          flag_text(f, result, lang), source_text(result, f.source)])  # fmt: skip
    sources = book.create_sheet(word("sheet_sources", lang)[:31])
    sources.append([word("col_source", lang), word("col_citation", lang)])
    for key, ref in result.sources.items():
        sources.append([key, ref.citation or ref.short()])
    method = book.create_sheet(word("sheet_method", lang)[:31])
    for text in method_text(result, lang):
        method.append([text])
    for ws in (sheet, flags, sources):
        for cell in ws[1]:
            cell.font = bold
    book.save(path)
    return path


# --- PDF ---------------------------------------------------------------------------------------


FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_FILES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
)
LATIN1_NEAREST = str.maketrans(
    {"\u202f": "\xa0", "\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2265": ">=", "\u2026": "..."}
)
HIGH_RGB = (213, 94, 0)  # Okabe-Ito vermillion, as the reports mark what needs action


def _unicode_font() -> tuple[Path, Path] | None:
    """A regular and a bold TrueType font with wide Unicode coverage, as the reports use."""
    for folder in FONT_DIRS:
        for regular, bold in FONT_FILES:
            if (folder / regular).exists() and (folder / bold).exists():
                return folder / regular, folder / bold
    return None


def pdf_bytes(result: ScreenResult, lang: str = "en") -> bytes:
    """The screen as a PDF in the reports' look (A4, DejaVu Sans, else Helvetica with the
    nearest Latin-1): the method, then each ranked line with its flags, sources and notes."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    family, latin1 = "Helvetica", True
    fonts = _unicode_font()
    if fonts is not None:
        pdf.add_font("Body", "", str(fonts[0]))
        pdf.add_font("Body", "B", str(fonts[1]))
        family, latin1 = "Body", False

    def clean(text: object) -> str:
        text = "" if text is None else str(text)
        if latin1:  # the nearest Latin-1 for the usual typography, "?" for the rest
            return text.translate(LATIN1_NEAREST).encode("latin-1", "replace").decode("latin-1")
        return text

    title = word("pdf_title", lang)
    pdf.set_title(clean(title))
    pdf.set_creator("target87")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 8, clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for text in method_text(result, lang):
        pdf.multi_cell(0, 4.5, clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    keys = ("rank", "priority", "supplier", "country", "commodity", "spend", "flags", "sources")
    bold = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    marked = FontFace(color=HIGH_RGB, emphasis="BOLD")
    pdf.set_font(family, "", 7)
    with pdf.table(col_widths=(8, 14, 30, 22, 24, 18, 110, 50), headings_style=bold,
                   line_height=3.6, text_align="LEFT") as table:  # fmt: skip
        table.row([clean(word(f"col_{k}", lang)) for k in keys])
        for s, row in zip(result.lines, result_rows(result, lang), strict=True):
            cells = dict(row)
            cells["spend"] = _num(row["spend"], lang, 2) if row["spend"] is not None else ""
            cells["flags"] = "\n".join(
                f"• {flag_text(f, result, lang)}" for f in s.flags
            ) + "".join(f"\n({note_text(n, result, lang)})" for n in s.notes)
            cells["sources"] = "\n".join(str(row["sources"]).split(" | "))
            style = marked if s.priority == "high" else None
            table.row([clean(cells[k]) for k in ("rank",)] + [clean(cells[k]) for k in keys[1:]],
                      style=style)  # fmt: skip
    pdf.ln(3)
    pdf.set_font(family, "B", 10)
    pdf.cell(0, 6, clean(word("sheet_sources", lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    for ref in result.sources.values():
        pdf.multi_cell(0, 4, clean(ref.citation or ref.short()), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write_pdf(result: ScreenResult, path: Path | str, lang: str = "en") -> Path:
    path = Path(path)
    path.write_bytes(pdf_bytes(result, lang))
    return path


__all__ = [
    "DEFAULT_MAX_BYTES",
    "flag_text",
    "note_text",
    "parse_suppliers",
    "pdf_bytes",
    "read_suppliers",
    "result_dict",
    "result_rows",
    "write_csv",
    "write_excel",
    "write_pdf",
]


# --- the words of the outputs, in English, French and Spanish ----------------------------------

WORDS: dict[str, tuple[str, str, str]] = {
    "col_rank": ("Rank", "Rang", "Rango"),
    "col_priority": ("Priority", "Priorité", "Prioridad"),
    "col_score": ("Score", "Score", "Puntuación"),
    "col_supplier": ("Supplier", "Fournisseur", "Proveedor"),
    "col_country": ("Country", "Pays", "País"),
    "col_commodity": ("Commodity", "Marchandise", "Mercancía"),
    "col_goods": ("Goods on the DOL list", "Biens de la liste du DOL",
                  "Bienes de la lista del DOL"),
    "col_spend": ("Spend", "Dépense", "Gasto"),
    "col_flags": ("Flags and reasons", "Signalements et motifs", "Alertas y motivos"),
    "col_sources": ("Sources", "Sources", "Fuentes"),
    "col_notes": ("Not screened", "Non examiné", "No examinado"),
    "col_row": ("Row in file", "Ligne du fichier", "Fila del archivo"),
    "col_harm": ("Harm", "Atteinte", "Daño"),
    "col_severity": ("Severity", "Gravité", "Gravedad"),
    "col_likelihood": ("Likelihood", "Probabilité", "Probabilidad"),
    "col_reason": ("Reason", "Motif", "Motivo"),
    "col_source": ("Source", "Source", "Fuente"),
    "col_citation": ("Citation", "Citation", "Cita"),
    "sheet_screen": ("Screen", "Examen", "Examen"),
    "sheet_flags": ("Flags", "Signalements", "Alertas"),
    "sheet_sources": ("Sources", "Sources", "Fuentes"),
    "sheet_method": ("Method", "Méthode", "Método"),
    "pdf_title": (
        "Sourcing risk screen: child labour and forced labour",
        "Examen des risques d'approvisionnement : travail des enfants et travail forcé",
        "Examen de riesgos de abastecimiento: trabajo infantil y trabajo forzoso",
    ),
    "priority_high": ("high", "haute", "alta"),
    "priority_medium": ("medium", "moyenne", "media"),
    "priority_low": ("low", "faible", "baja"),
    "priority_none": ("none", "aucune", "ninguna"),
    "level_high": ("high", "élevé", "alto"),
    "level_medium": ("medium", "moyen", "medio"),
    "level_low": ("low", "faible", "bajo"),
    "harm_forced_child_labour": (
        "forced child labour", "travail forcé des enfants", "trabajo infantil forzoso"
    ),
    "harm_forced_labour": ("forced labour", "travail forcé", "trabajo forzoso"),
    "harm_child_labour": ("child labour", "travail des enfants", "trabajo infantil"),
    "harm_governance": ("governance gap", "lacune de gouvernance", "brecha de gobernanza"),
    "status_not_ratified": ("not ratified", "non ratifié", "no ratificado"),
    "status_signed": ("signed, not ratified", "signé, non ratifié", "firmado, no ratificado"),
    "scope_child_labour_country": (
        "the country's figure", "chiffre du pays", "cifra del país"
    ),
    "scope_child_labour_region": (
        "a regional figure (none held for the country)",
        "chiffre régional (aucun pour le pays)",
        "cifra regional (ninguna para el país)",
    ),
    "scope_forced_labour_country": ("the country's figure", "chiffre du pays", "cifra del país"),
    "scope_forced_labour_region": (
        "a regional estimate (no country estimates are published)",
        "estimation régionale (aucune estimation par pays n'est publiée)",
        "estimación regional (no se publican estimaciones por país)",
    ),
    "read_hs": (" (HS {code}: {description})", " (SH {code} : {description})",
                " (SA {code}: {description})"),
    "read_hs_made_from": (
        " (HS {code}: {description}, made from the listed good)",
        " (SH {code} : {description}, fait du bien listé)",
        " (SA {code}: {description}, hecho del bien listado)",
    ),
    "read_name": (" (read from '{commodity}')", " (lu dans « {commodity} »)",
                  " (leído en «{commodity}»)"),
    "reason_dol_list": (
        "{good}{read} from {country} is on the US DOL List of Goods Produced by Child Labor or "
        "Forced Labor ({edition} edition) for {harm}.",
        "{good}{read} de {country} figure sur la liste du Département du Travail des États-Unis "
        "(List of Goods Produced by Child Labor or Forced Labor, édition {edition}) pour "
        "{harm}.",
        "{good}{read} de {country} figura en la lista del Departamento de Trabajo de EE. UU. "
        "(List of Goods Produced by Child Labor or Forced Labor, edición {edition}) por "
        "{harm}.",
    ),
    "reason_dol_downstream": (
        "{good}{read} from {country} is on the DOL list of downstream goods ({edition} edition): "
        "made with {inputs} from {input_country}, listed for {harm}.",
        "{good}{read} de {country} figure sur la liste des biens en aval du DOL (édition "
        "{edition}) : fait avec {inputs} de {input_country}, listé pour {harm}.",
        "{good}{read} de {country} figura en la lista de bienes derivados del DOL (edición "
        "{edition}): hecho con {inputs} de {input_country}, listado por {harm}.",
    ),
    "reason_dol_elsewhere": (
        "{good}{read} is on the DOL list ({edition} edition) for {harm} in {n} other countries "
        "({countries}), not for {country}: check where it comes from upstream.",
        "{good}{read} figure sur la liste du DOL (édition {edition}) pour {harm} dans {n} "
        "autres pays ({countries}), pas pour {country} : vérifier sa provenance en amont.",
        "{good}{read} figura en la lista del DOL (edición {edition}) por {harm} en otros {n} "
        "países ({countries}), no en {country}: verificar su origen aguas arriba.",
    ),
    "reason_dol_elsewhere_nocountry": (
        "{good}{read} is on the DOL list ({edition} edition) for {harm} in {n} countries "
        "({countries}).",
        "{good}{read} figure sur la liste du DOL (édition {edition}) pour {harm} dans {n} pays "
        "({countries}).",
        "{good}{read} figura en la lista del DOL (edición {edition}) por {harm} en {n} países "
        "({countries}).",
    ),
    "reason_child_labour": (
        "Child labour in {area}: {value} of children {age} ({period}), {scope}: {level} "
        "(medium from {medium} %, high from {high} %).",
        "Travail des enfants, {area} : {value} des enfants {age} ({period}), {scope} : {level} "
        "(moyen dès {medium} %, élevé dès {high} %).",
        "Trabajo infantil en {area}: {value} de los niños {age} ({period}), {scope}: {level} "
        "(medio desde {medium} %, alto desde {high} %).",
    ),
    "reason_forced_labour": (
        "Forced labour in {area}: {value} ({period}), {scope}: {level} (medium from {medium}, "
        "high from {high} per 1,000).",
        "Travail forcé, {area} : {value} ({period}), {scope} : {level} (moyen dès {medium}, "
        "élevé dès {high} pour 1 000).",
        "Trabajo forzoso en {area}: {value} ({period}), {scope}: {level} (medio desde "
        "{medium}, alto desde {high} por 1.000).",
    ),
    "reason_ratification": (
        "{country}: {instrument}, {status}.",
        "{country} : {instrument}, {status}.",
        "{country}: {instrument}, {status}.",
    ),
    "reason_intensity": (
        "Embodied {harm} intensity of {sector} in {country}: {value}, {level} (median {median}, "
        "top quarter from {top}, over the table given).",
        "Intensité incorporée de {harm} de {sector}, {country} : {value}, {level} (médiane "
        "{median}, quart supérieur dès {top}, sur la table donnée).",
        "Intensidad incorporada de {harm} de {sector} en {country}: {value}, {level} (mediana "
        "{median}, cuartil superior desde {top}, en la tabla dada).",
    ),
    "nearest": (" (nearest: {codes})", " (les plus proches : {codes})",
                " (los más cercanos: {codes})"),
    "and": ("and", "et", "y"),
    "no_sector": ("no sector", "aucun secteur", "ningún sector"),
    "note_unknown_country": (
        "Country '{country}' is not known{nearest}: country figures, ratifications and the "
        "country's listings were not screened.",
        "Pays « {country} » inconnu{nearest} : chiffres, ratifications et biens listés du pays "
        "non examinés.",
        "País «{country}» desconocido{nearest}: cifras, ratificaciones y bienes listados del "
        "país no examinados.",
    ),
    "note_not_country": (
        "'{country}' is a region, not a country: country figures and listings were not "
        "screened.",
        "« {country} » est une région, pas un pays : chiffres et biens listés du pays non "
        "examinés.",
        "«{country}» es una región, no un país: cifras y bienes listados del país no "
        "examinados.",
    ),
    "note_no_country": (
        "No country given: only the goods were screened.",
        "Aucun pays indiqué : seuls les biens ont été examinés.",
        "Ningún país indicado: solo se examinaron los bienes.",
    ),
    "note_no_commodity": (
        "No commodity given: not screened against the DOL list.",
        "Aucune marchandise indiquée : pas d'examen sur la liste du DOL.",
        "Ninguna mercancía indicada: sin examen en la lista del DOL.",
    ),
    "note_unmatched_good": (
        "'{commodity}' matches no good on the US DOL list ({edition} edition): not on the "
        "list, or named otherwise (an HS code may help).",
        "« {commodity} » ne correspond à aucun bien de la liste du DOL (édition {edition}) : "
        "absent de la liste, ou nommé autrement (un code SH peut aider).",
        "«{commodity}» no corresponde a ningún bien de la lista del DOL (edición {edition}): "
        "no figura, o tiene otro nombre (un código SA puede ayudar).",
    ),
    "note_hs_unknown": (
        "HS {code} is not in the screen's table of HS codes of listed goods: unknown to the "
        "screen, not screened against the DOL list.",
        "SH {code} n'est pas dans la table des codes SH des biens listés : inconnu de "
        "l'examen, pas d'examen sur la liste du DOL.",
        "SA {code} no está en la tabla de códigos SA de bienes listados: desconocido para el "
        "examen, sin examen en la lista del DOL.",
    ),
    "note_hs_invalid": (
        "'{commodity}' is not a valid HS code.",
        "« {commodity} » n'est pas un code SH valide.",
        "«{commodity}» no es un código SA válido.",
    ),
    "note_unknown_ratification": (
        "No ratification record held for {instruments}: unknown, not counted.",
        "Aucune donnée de ratification pour {instruments} : inconnu, non compté.",
        "Ningún dato de ratificación para {instruments}: desconocido, no contado.",
    ),
    "note_no_intensity": (
        "No embodied-labour intensity for {country}, {sector} in the table given.",
        "Aucune intensité incorporée pour {country}, {sector} dans la table donnée.",
        "Ninguna intensidad incorporada para {country}, {sector} en la tabla dada.",
    ),
    "method_list": (
        "Goods: US Department of Labor, ILAB, List of Goods Produced by Child Labor or Forced "
        "Labor, {edition} edition.",
        "Biens : Département du Travail des États-Unis, ILAB, List of Goods Produced by Child "
        "Labor or Forced Labor, édition {edition}.",
        "Bienes: Departamento de Trabajo de EE. UU., ILAB, List of Goods Produced by Child "
        "Labor or Forced Labor, edición {edition}.",
    ),
    "method_rule": (
        "Ranking (OECD Due Diligence Guidance; CSDDD Art. 9): score of a flag = severity x "
        "likelihood; a line's score is its highest flag's; ties by the sum of its flags, then "
        "spend. Priority: high from 6, medium from 3, low above 0.",
        "Classement (Guide OCDE sur le devoir de diligence ; CSDDD art. 9) : score d'un "
        "signalement = gravité x probabilité ; le score d'une ligne est celui de son "
        "signalement le plus haut ; à égalité, la somme, puis la dépense. Priorité : haute dès "
        "6, moyenne dès 3, faible au-dessus de 0.",
        "Clasificación (Guía de la OCDE de debida diligencia; CSDDD art. 9): puntuación de una "
        "alerta = gravedad x probabilidad; la de una línea es la de su alerta más alta; a "
        "igualdad, la suma y luego el gasto. Prioridad: alta desde 6, media desde 3, baja por "
        "encima de 0.",
    ),
    "method_severity": (
        "Severity: forced child labour 4, forced labour 3, child labour 2, governance gap "
        "(C029, P029, C105, C138, C182 or the Palermo Protocol not ratified) 1.",
        "Gravité : travail forcé des enfants 4, travail forcé 3, travail des enfants 2, lacune "
        "de gouvernance (C029, P029, C105, C138, C182 ou Protocole de Palerme non ratifié) 1.",
        "Gravedad: trabajo infantil forzoso 4, trabajo forzoso 3, trabajo infantil 2, brecha de "
        "gobernanza (C029, P029, C105, C138, C182 o Protocolo de Palermo no ratificado) 1.",
    ),
    "method_likelihood": (
        "Likelihood: good listed for the country 3; downstream good, or the country's figure "
        "high 2; country figure medium, regional figure high, or a governance gap 1; regional "
        "figure medium, or the good listed for other countries only 0.5.",
        "Probabilité : bien listé pour le pays 3 ; bien en aval, ou chiffre du pays élevé 2 ; "
        "chiffre du pays moyen, chiffre régional élevé, ou lacune de gouvernance 1 ; chiffre "
        "régional moyen, ou bien listé pour d'autres pays seulement 0,5.",
        "Probabilidad: bien listado para el país 3; bien derivado, o cifra del país alta 2; "
        "cifra del país media, cifra regional alta, o brecha de gobernanza 1; cifra regional "
        "media, o bien listado solo para otros países 0,5.",
    ),
    "method_thresholds": (
        "Thresholds: child labour (children 5-17, %) medium from {cl_medium}, high from "
        "{cl_high}; forced labour (per 1,000 people) medium from {fl_medium}, high from "
        "{fl_high}. A ratification without a record is unknown, not counted.",
        "Seuils : travail des enfants (enfants de 5 à 17 ans, %) moyen dès {cl_medium}, élevé "
        "dès {cl_high} ; travail forcé (pour 1 000 personnes) moyen dès {fl_medium}, élevé dès "
        "{fl_high}. Une ratification sans donnée est inconnue, non comptée.",
        "Umbrales: trabajo infantil (niños de 5 a 17 años, %) medio desde {cl_medium}, alto "
        "desde {cl_high}; trabajo forzoso (por 1.000 personas) medio desde {fl_medium}, alto "
        "desde {fl_high}. Una ratificación sin dato es desconocida, no contada.",
    ),
    "method_private": (
        "The supplier list is the company's: the screen reads it and never stores it.",
        "La liste des fournisseurs appartient à l'entreprise : l'examen la lit sans jamais la "
        "stocker.",
        "La lista de proveedores es de la empresa: el examen la lee y nunca la guarda.",
    ),
}  # fmt: skip
LANGS = ("en", "fr", "es")


def word(key: str, lang: str = "en") -> str:
    """A text of the screen's outputs in ``lang`` (English for another language)."""
    return WORDS[key][LANGS.index(lang) if lang in LANGS else 0]
