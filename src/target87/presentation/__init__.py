"""The presentation floor: how the web pages, the command line and the national reports show
data to a reader in English, French or Spanish.

Words for SDMX codes (``codes``), time periods (``periods``), numbers and values with their
units (``numbers``), dates (``dates``) and the data's own texts (``content``: definitions,
standards, goods, licences, footnotes). It depends on the interface texts
(``target87.presentation.messages``) and Babel only: never on ``target87.web``, ``target87.cli`` or
``target87.reporting``, which build on it.
"""

from __future__ import annotations

from target87.presentation.citations import citation_text
from target87.presentation.codes import (
    age_label,
    children_only,
    code_label,
    nature_label,
    obs_status_label,
    sex_label,
    unit_label,
    urbanisation_label,
)
from target87.presentation.collation import collation_key
from target87.presentation.content import content_text, untranslated_parts
from target87.presentation.dates import date_label
from target87.presentation.messages import LANGUAGES, label, translator
from target87.presentation.numbers import format_number, format_percent, format_value
from target87.presentation.periods import period_label

__all__ = [
    "LANGUAGES",
    "age_label",
    "children_only",
    "citation_text",
    "collation_key",
    "code_label",
    "content_text",
    "date_label",
    "format_number",
    "format_percent",
    "format_value",
    "label",
    "nature_label",
    "obs_status_label",
    "period_label",
    "sex_label",
    "translator",
    "unit_label",
    "untranslated_parts",
    "urbanisation_label",
]
