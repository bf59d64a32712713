"""An Excel template for entering observations, in English, French or Spanish.

Sheets: instructions (what to fill, the codes, how errors are reported), the data sheet (our
column names in row 1, so ``read_xlsx`` reads it as is, with translated help as cell comments),
and a hidden ``codes`` sheet that the drop-down lists refer to.

Every text cell is written as a string cell through ``limits.protect``: text from the store (a
source id, a series or area name) that starts with ``=`` or another formula sign is quoted,
never written as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.ingest import schema
from target87.interop.limits import protect
from target87.interop.table import OBS_COLUMNS
from target87.presentation.messages import LANGUAGES, label

TEMPLATE_COLUMNS = [c for c in OBS_COLUMNS if c not in ("year_from", "year_to")]
REQUIRED = {
    "series",
    "ref_area",
    "time_period",
    "sex",
    "age",
    "urbanisation",
    "value",
    "unit",
    "unit_mult",
    "obs_status",
    "reporting_type",
    "source",
}
CODES_SHEET = "codes"
COMMON_AGES = ("_T", "Y5T17", "Y5T14", "Y5T11", "Y12T14", "Y15T17", "Y0T17", "Y_GE18")
EXTRA_ROWS = 1000  # rows with drop-downs beyond the pre-filled ones
NUMBER_COLUMNS = ("value", "lower_bound", "upper_bound")

# Each text in (English, French, Spanish), the order of ``presentation.messages.LANGUAGES``.
TEXT: dict[str, tuple[str, str, str]] = {
    "sheet_instructions": ("Instructions", "Instructions", "Instrucciones"),
    "sheet_data": ("data", "données", "datos"),
    "title": (
        "target87 data template",
        "Modèle de saisie des données target87",
        "Plantilla de datos de target87",
    ),
    "series_in": (
        "Series in this template: {series}",
        "Séries de ce modèle : {series}",
        "Series de esta plantilla: {series}",
    ),
    "how": (
        "How to fill in this workbook",
        "Comment remplir ce classeur",
        "Cómo rellenar este libro",
    ),
    "step_rows": (
        "Enter one observation per row on the sheet '{data}'. Keep the first row (the column "
        "names) as it is.",
        "Saisissez une observation par ligne dans la feuille « {data} ». Ne modifiez pas la "
        "première ligne (les noms de colonnes).",
        "Introduzca una observación por fila en la hoja «{data}». No modifique la primera fila "
        "(los nombres de las columnas).",
    ),
    "step_lists": (
        "Pick codes from the drop-down lists; the lists come from the hidden sheet 'codes'.",
        "Choisissez les codes dans les listes déroulantes ; elles proviennent de la feuille "
        "masquée « codes ».",
        "Elija los códigos en las listas desplegables; proceden de la hoja oculta «codes».",
    ),
    "step_period": (
        "time_period: a year (2019), a window of years when the source gives no single year "
        "(2013/2021), or unknown.",
        "time_period : une année (2019), une fenêtre d'années lorsque la source ne donne pas "
        "d'année précise (2013/2021), ou unknown.",
        "time_period: un año (2019), un intervalo de años cuando la fuente no da un año "
        "concreto (2013/2021), o unknown.",
    ),
    "step_value": (
        "value: a number of 0 or more, in the unit and multiplier of the row (unit_mult 6 "
        "means millions).",
        "value : un nombre positif ou nul, dans l'unité et le multiplicateur de la ligne "
        "(unit_mult 6 signifie millions).",
        "value: un número igual o mayor que 0, en la unidad y el multiplicador de la fila "
        "(unit_mult 6 significa millones).",
    ),
    "step_totals": (
        "Use _T in sex, age and urbanisation for totals.",
        "Utilisez _T dans sex, age et urbanisation pour les totaux.",
        "Use _T en sex, age y urbanisation para los totales.",
    ),
    "step_source": (
        "source: the id of the publication the figure comes from (drop-down); the command "
        "target87 sources lists them with their citations.",
        "source : l'identifiant de la publication d'où vient le chiffre (liste déroulante) ; "
        "la commande target87 sources les liste avec leurs citations.",
        "source: el identificador de la publicación de la que procede la cifra (lista "
        "desplegable); el comando target87 sources las enumera con sus citas.",
    ),
    "step_formulas": (
        "Do not enter formulas: a cell holding a formula is refused. Type the value itself.",
        "N'utilisez pas de formules : une cellule contenant une formule est refusée. Saisissez "
        "la valeur elle-même.",
        "No introduzca fórmulas: se rechaza toda celda que contenga una fórmula. Escriba el "
        "valor mismo.",
    ),
    "step_unused": (
        "Rows with no period, value, bounds or footnote are ignored, so unused pre-filled rows "
        "can stay.",
        "Les lignes sans période, valeur, bornes ni note sont ignorées : les lignes "
        "pré-remplies inutilisées peuvent rester.",
        "Las filas sin período, valor, límites ni nota se ignoran: las filas prellenadas que "
        "no use pueden quedarse.",
    ),
    "step_errors": (
        "Load the file with: target87 load FILE.xlsx. Every problem is reported with its "
        "sheet, row and column, and nothing is loaded until all of them are fixed.",
        "Chargez le fichier avec : target87 load FICHIER.xlsx. Chaque problème est signalé "
        "avec sa feuille, sa ligne et sa colonne, et rien n'est chargé tant qu'ils ne sont "
        "pas tous corrigés.",
        "Cargue el archivo con: target87 load ARCHIVO.xlsx. Cada problema se indica con su "
        "hoja, fila y columna, y no se carga nada hasta que se hayan corregido todos.",
    ),
    "columns": ("Columns", "Colonnes", "Columnas"),
    "column": ("Column", "Colonne", "Columna"),
    "meaning": ("Meaning", "Signification", "Significado"),
    "required": ("Required", "Obligatoire", "Obligatoria"),
    "series": ("Series", "Séries", "Series"),
    "code": ("Code", "Code", "Código"),
    "name": ("Name", "Nom", "Nombre"),
    "unit": ("Unit", "Unité", "Unidad"),
    "invalid": ("Invalid entry", "Saisie non valide", "Entrada no válida"),
    "pick": (
        "Choose a value from the list.",
        "Choisissez une valeur de la liste.",
        "Elija un valor de la lista.",
    ),
    "age_warning": (
        "This age code is not in the list; use an SDMX code such as Y5T17.",
        "Ce code d'âge n'est pas dans la liste ; utilisez un code SDMX comme Y5T17.",
        "Este código de edad no está en la lista; use un código SDMX como Y5T17.",
    ),
    "number": (
        "Enter a number of 0 or more.",
        "Saisissez un nombre positif ou nul.",
        "Introduzca un número igual o mayor que 0.",
    ),
    "multiplier": (
        "Enter a whole number from 0 to 12 (a power of ten).",
        "Saisissez un entier de 0 à 12 (une puissance de dix).",
        "Introduzca un número entero de 0 a 12 (una potencia de diez).",
    ),
}
STEPS = [
    "step_rows",
    "step_lists",
    "step_period",
    "step_value",
    "step_totals",
    "step_source",
    "step_formulas",
    "step_unused",
    "step_errors",
]
COLUMN_HELP: dict[str, tuple[str, str, str]] = {
    "series": (
        "Series code (drop-down).",
        "Code de la série (liste déroulante).",
        "Código de la serie (lista desplegable).",
    ),
    "ref_area": (
        "Area: ISO3 country code or aggregate code (drop-down); M49 numbers are accepted too.",
        "Zone : code pays ISO3 ou code d'agrégat (liste déroulante) ; les numéros M49 sont "
        "aussi acceptés.",
        "Zona: código de país ISO3 o código de agregado (lista desplegable); también se "
        "aceptan los números M49.",
    ),
    "time_period": (
        "Year, window of years (2013/2021) or unknown.",
        "Année, fenêtre d'années (2013/2021) ou unknown.",
        "Año, intervalo de años (2013/2021) o unknown.",
    ),
    "sex": (
        "Sex: _T total, F female, M male.",
        "Sexe : _T total, F femmes, M hommes.",
        "Sexo: _T total, F mujeres, M hombres.",
    ),
    "age": (
        "Age group as an SDMX code, e.g. Y5T17 for 5 to 17 years; _T all ages.",
        "Groupe d'âge en code SDMX, par exemple Y5T17 pour 5 à 17 ans ; _T tous âges.",
        "Grupo de edad como código SDMX, por ejemplo Y5T17 para 5 a 17 años; _T todas las edades.",
    ),
    "urbanisation": (
        "Urban (U), rural (R) or total (_T).",
        "Urbain (U), rural (R) ou total (_T).",
        "Urbano (U), rural (R) o total (_T).",
    ),
    "breakdown": (
        "Other breakdowns as DIM=CODE pairs joined by ';' (e.g. INCOME_WEALTH_QUANTILE=Q1), "
        "or _T (none).",
        "Autres ventilations en paires DIM=CODE séparées par « ; » (par exemple "
        "INCOME_WEALTH_QUANTILE=Q1), ou _T (aucune).",
        "Otros desgloses como pares DIM=CODE separados por «;» (por ejemplo "
        "INCOME_WEALTH_QUANTILE=Q1), o _T (ninguno).",
    ),
    "value": (
        "The figure, a number of 0 or more.",
        "Le chiffre, un nombre positif ou nul.",
        "La cifra, un número igual o mayor que 0.",
    ),
    "lower_bound": (
        "Lower bound of the confidence interval, if published.",
        "Borne inférieure de l'intervalle de confiance, si elle est publiée.",
        "Límite inferior del intervalo de confianza, si se publica.",
    ),
    "upper_bound": (
        "Upper bound of the confidence interval, if published.",
        "Borne supérieure de l'intervalle de confiance, si elle est publiée.",
        "Límite superior del intervalo de confianza, si se publica.",
    ),
    "unit": (
        "Unit of measure: PT percent, NUMBER count, PER_1000_POP per 1,000 people.",
        "Unité de mesure : PT pourcentage, NUMBER effectif, PER_1000_POP pour 1 000 personnes.",
        "Unidad de medida: PT porcentaje, NUMBER recuento, PER_1000_POP por cada 1.000 personas.",
    ),
    "unit_mult": (
        "Unit multiplier as a power of ten: 0 units, 3 thousands, 6 millions.",
        "Multiplicateur d'unité en puissance de dix : 0 unités, 3 milliers, 6 millions.",
        "Multiplicador de unidad como potencia de diez: 0 unidades, 3 miles, 6 millones.",
    ),
    "obs_status": (
        "Observation status (SDMX): A normal value, E estimated, P provisional, B break in series.",
        "Statut de l'observation (SDMX) : A valeur normale, E estimée, P provisoire, B rupture "
        "de série.",
        "Estado de la observación (SDMX): A valor normal, E estimado, P provisional, B ruptura "
        "de serie.",
    ),
    "nature": (
        "Nature of the data (SDG): C country data, CA country adjusted, E estimated, M "
        "modelled, G global monitoring, N non-relevant.",
        "Nature des données (ODD) : C données du pays, CA données du pays ajustées, E "
        "estimées, M modélisées, G suivi mondial, N sans objet.",
        "Naturaleza de los datos (ODS): C datos del país, CA datos del país ajustados, E "
        "estimados, M modelizados, G seguimiento mundial, N no pertinente.",
    ),
    "reporting_type": (
        "Reporting type: G global (custodian agency), N national, R regional.",
        "Type de déclaration : G mondial (organisme responsable), N national, R régional.",
        "Tipo de informe: G mundial (organismo custodio), N nacional, R regional.",
    ),
    "footnote": (
        "Free text note on the figure.",
        "Note libre sur le chiffre.",
        "Nota libre sobre la cifra.",
    ),
    "source_detail": (
        "Where the figure comes from, in your words (e.g. Multiple Indicator Cluster Survey "
        "2018), if useful.",
        "D'où vient le chiffre, en vos termes (par exemple Enquête par grappes à indicateurs "
        "multiples 2018), si utile.",
        "De dónde procede la cifra, en sus palabras (por ejemplo Encuesta de Indicadores "
        "Múltiples por Conglomerados 2018), si es útil.",
    ),
    "source": (
        "Id of the source (drop-down).",
        "Identifiant de la source (liste déroulante).",
        "Identificador de la fuente (lista desplegable).",
    ),
}


def _put(ws, row: int, column: int, value: object, font: Font | None = None):
    """Write one cell: numbers as numbers, anything else as protected text, never a formula."""
    if isinstance(value, str):
        cell = ws.cell(row=row, column=column, value=protect(value))
        cell.data_type = "s"  # belt and braces: a string cell whatever the text starts with
    else:
        cell = ws.cell(row=row, column=column, value=value)
    if font is not None:
        cell.font = font
    return cell


def _t(key: str, lang: str, **fields: str) -> str:
    text = TEXT[key][LANGUAGES.index(lang)]
    return text.format(**fields) if fields else text


def _ordered(codes: Sequence[str] | frozenset[str], first: str) -> list[str]:
    return sorted(codes, key=lambda c: (c != first, c))


def code_lists(session: Session, series: list[str], areas: list[str] | None) -> dict[str, list]:
    """The values each drop-down offers, from the store and the SDMX code lists we use."""
    if areas is None:
        stmt = select(store.Area.code).where(store.Area.kind == "country").order_by(store.Area.code)
        areas = list(session.execute(stmt).scalars())
    ages = set(session.execute(select(store.Observation.age).distinct()).scalars())
    units = set(session.execute(select(store.Series.unit).distinct()).scalars())
    return {
        "series": list(series),
        "ref_area": list(areas),
        "sex": _ordered(schema.SEX, "_T"),
        "age": _ordered(ages | set(COMMON_AGES), "_T"),
        "urbanisation": _ordered(schema.URBANISATION, "_T"),
        "unit": sorted(units),
        "obs_status": _ordered(schema.OBS_STATUS, "A"),
        "nature": sorted(schema.NATURE),
        "reporting_type": sorted(schema.REPORTING_TYPE),
        "source": [s.id for s in store.sources(session)],
    }


def write_template(
    path: Path, session: Session, series: list[str], areas: list[str] | None, lang: str = "en"
) -> Path:
    """Write the template for ``series`` (and ``areas``, else every country); returns ``path``.

    Raises ``ValueError`` for an unknown language, series or area code.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    infos = [session.get(store.Series, code) for code in series]
    unknown = [code for code, info in zip(series, infos, strict=True) if info is None]
    unknown += [a for a in areas or [] if session.get(store.Area, a) is None]
    if unknown:
        raise ValueError(f"unknown series or area code(s): {', '.join(unknown)}")
    lists = code_lists(session, series, areas)
    wb = Workbook()
    _instructions(wb.active, infos, lang)
    data = wb.create_sheet(_t("sheet_data", lang))
    codes = wb.create_sheet(CODES_SHEET)
    codes.sheet_state = "hidden"  # the lists stay out of the way but Excel can refer to them
    ranges = _write_codes(codes, lists)
    filled = _data_sheet(data, infos, areas, lang)
    _validations(data, ranges, filled + EXTRA_ROWS + 1, lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _instructions(ws, infos: list, lang: str) -> None:
    ws.title = _t("sheet_instructions", lang)
    bold, title = Font(bold=True), Font(bold=True, size=14)
    lines: list[tuple[list[str], Font | None]] = [
        ([_t("title", lang)], title),
        ([_t("series_in", lang, series=", ".join(i.code for i in infos))], None),
        ([], None),
        ([_t("how", lang)], bold),
    ]
    data, yes, no = _t("sheet_data", lang), label("yes", lang), label("no", lang)
    for n, step in enumerate(STEPS, start=1):
        lines.append(([f"{n}. {_t(step, lang, data=data)}"], None))
    lines += [([], None), ([_t("columns", lang)], bold)]
    lines.append(([_t("column", lang), _t("meaning", lang), _t("required", lang)], bold))
    for column in TEMPLATE_COLUMNS:
        help_text = COLUMN_HELP[column][LANGUAGES.index(lang)]
        lines.append(([column, help_text, yes if column in REQUIRED else no], None))
    lines += [([], None), ([_t("series", lang)], bold)]
    lines.append(([_t("code", lang), _t("name", lang), _t("unit", lang), "unit_mult"], bold))
    for info in infos:
        lines.append(([info.code, info.name(lang), info.unit, str(info.unit_mult)], None))
    for row, (values, font) in enumerate(lines, start=1):
        for column, value in enumerate(values, start=1):
            _put(ws, row, column, value, font)
    for letter, width in (("A", 24), ("B", 90), ("C", 14), ("D", 12)):
        ws.column_dimensions[letter].width = width


def _write_codes(ws, lists: dict[str, list]) -> dict[str, str]:
    """One column per list; returns each list's absolute range for the validations."""
    ranges = {}
    for index, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        _put(ws, 1, index, name)
        for row, value in enumerate(values, start=2):
            _put(ws, row, index, value)
        last = max(len(values), 1) + 1
        ranges[name] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${last}"
    return ranges


def _data_sheet(ws, infos: list, areas: list[str] | None, lang: str) -> int:
    """Header with translated comments, then one pre-filled row per series and area."""
    bold = Font(bold=True)
    for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = _put(ws, 1, index, column, bold)
        cell.comment = Comment(COLUMN_HELP[column][LANGUAGES.index(lang)], "target87")
        ws.column_dimensions[get_column_letter(index)].width = 40 if column == "footnote" else 14
    ws.freeze_panes = "A2"
    filled = 0
    for info in infos:
        for area in areas or [""]:
            filled += 1
            prefill = {
                "series": info.code,
                "ref_area": area or None,
                "sex": "_T",
                "age": "_T",
                "urbanisation": "_T",
                "unit": info.unit,
                "unit_mult": int(info.unit_mult),
                "obs_status": "A",
            }
            for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
                if prefill.get(column) is not None:
                    _put(ws, filled + 1, index, prefill[column])
    return filled


def _validations(ws, ranges: dict[str, str], last_row: int, lang: str) -> None:
    def span(column: str) -> str:
        letter = get_column_letter(TEMPLATE_COLUMNS.index(column) + 1)
        return f"{letter}2:{letter}{last_row}"

    common = {"showErrorMessage": True, "showInputMessage": True, "allow_blank": True}
    error_title = _t("invalid", lang)
    for column, source in ranges.items():
        # Age keeps a warning, not a stop: any SDMX age code is allowed, the list only helps.
        soft = column == "age"
        dv = DataValidation(
            type="list",
            formula1=source,
            errorStyle="warning" if soft else "stop",
            error=_t("age_warning" if soft else "pick", lang),
            errorTitle=error_title,
            **common,
        )
        ws.add_data_validation(dv)
        dv.add(span(column))
    for column in NUMBER_COLUMNS:
        dv = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            error=_t("number", lang),
            errorTitle=error_title,
            **common,
        )
        ws.add_data_validation(dv)
        dv.add(span(column))
    dv = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="12",
        error=_t("multiplier", lang),
        errorTitle=error_title,
        **common,
    )
    ws.add_data_validation(dv)
    dv.add(span("unit_mult"))
