"""UI texts of the charts (issue 18), by key, in English; French and Spanish in the catalogues
(``locale/<lang>/LC_MESSAGES/messages.po``), as for ``messages.MESSAGES``."""

from __future__ import annotations

CHARTS_MESSAGES: dict[str, str] = {
    # The figure of a chart (templates/_charts.html) and its menu.
    "chart_menu": "Download / share",
    "chart_download_png": "Image (PNG)",
    "chart_download_svg": "Vector image (SVG)",
    "chart_download_csv": "Data shown (CSV, with citations)",
    "chart_share": "Link to this view",
    "chart_embed": "Embed this chart on your site (copy this code)",
    "chart_embed_back": "See this chart and its data on target87",
    "chart_interactive": "Interactive chart",
    "chart_unit_victims": "detected victims (number)",
    "chart_unit_class": "risk class",
    # The columns of a chart's CSV.
    "chart_col_code": "{name} (code)",
    "chart_col_kind": "Kind of value",
    "chart_col_lower": "Lower bound",
    "chart_col_upper": "Upper bound",
    "chart_col_territory": "Territory",
    "chart_col_part": "Part of the chart",
    "chart_col_m49": "M49 country",
    "chart_col_label": "Label",
    "chart_col_method": "Projection method",
    "chart_col_band": "Kind of interval",
    "chart_col_conf": "Interval's probability",
    "chart_col_citation": "Full citation",
    "chart_part_observed": "observed",
    "chart_part_projection": "projection (target87, from the observed values)",
    "chart_part_target": "SDG target",
    # A roadmap's Gantt chart (web/reporting/roadmap.py): its parts and its source.
    "chart_part_actions": "action, from its start to its due date",
    "chart_roadmap_source": "Roadmap of {country} as recorded in target87 on {date}",
}
