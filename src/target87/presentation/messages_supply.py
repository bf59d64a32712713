"""UI texts of the supply-chain section (issue 20): the footprint maps, a region's sectors and
tiers, and the sourcing screen's form, by key, in English; French and Spanish in the catalogues
(``locale/<lang>/LC_MESSAGES/messages.po``), as for ``messages.MESSAGES``. The screen's result
columns, flags and method come in three languages from ``supply.screen_io``."""

from __future__ import annotations

SUPPLY_MESSAGES: dict[str, str] = {
    "sc_nav": "Supply chains",
    "sc_title": "Supply chains: child labour embodied in trade",
    "sc_lead": (
        "Where in the world each country's final demand leads to child labour, and how much of "
        "each country's child labour is linked to exports, from a multi-regional input-output "
        "table (the accounts as pymrio names them)."
    ),
    "sc_demo_badge": "DEMONSTRATION",
    "sc_demo_notice": (
        "A demonstration system, not real data: the flows between sectors and countries (Z) "
        "and final demand (Y) are synthetic random numbers; only the child labour total of each "
        "producing country comes from UNICEF. No real multi-regional table ships with the site."
    ),
    "sc_configure": (
        "An administrator shows a real table (OECD ICIO, or EXIOBASE saved by pymrio) by "
        "setting TARGET87_MRIO to its folder or file before starting the site."
    ),
    "sc_real_table": "Input-output table configured by the site's administrator.",
    "sc_system": "The system shown",
    "sc_origin": "Origin",
    "sc_size": "{regions} regions × {sectors} sectors",
    "sc_size_label": "Size",
    "sc_account_note": "Child labour account",
    "sc_footprint_map": "Child labour footprint by consuming country",
    "sc_footprint_text": (
        "Children in child labour anywhere in the world needed to make what each country's "
        "final demand buys (D_cba_reg): {n} countries on the map."
    ),
    "sc_exports_map": "Share of child labour linked to exports, by producing country",
    "sc_exports_text": "Share of each country's child labour linked to exports: {n} countries.",
    "sc_def_final_demand": "Final-demand definition (pymrio's D_exp)",
    "sc_def_gross": "Gross-exports definition (ILO, OECD, IOM and UNICEF, 2019)",
    "sc_def_final_demand_text": (
        "The child labour in a country's industries needed to produce for other countries' "
        "final demand, including the inputs it sells them; as a share of the child labour in "
        "the country (D_pba_reg)."
    ),
    "sc_def_gross_text": (
        "The child labour in a country's exporting sectors and in their domestic suppliers "
        "needed for its gross exports (intermediate and final goods sold abroad), q (I − A_rr)⁻¹ "
        "e, as a share of the child labour in the country."
    ),
    "sc_persons": "persons",
    "sc_regions": "Countries and regions",
    "sc_accounts_key": "What the columns mean",
    "sc_key_cba": "footprint of the region's final demand, wherever the child labour occurs",
    "sc_key_pba": "child labour in the region's own industries and households",
    "sc_key_imp": "the part of the footprint that occurs abroad",
    "sc_key_exp": "child labour in the region for other regions' final demand",
    "sc_share_fd": "Linked to exports, final demand",
    "sc_share_gross": "Linked to exports, gross exports",
    "sc_rest_of_world": "Rest of the world",
    "sc_no_child_account": "This system has no child labour account, so no map is drawn.",
    "sc_sources_assumptions": "Sources and assumptions",
    "sc_assumptions": "Assumptions",
    "sc_extension": "Account",
    "sc_region_title": "Supply chains of {region}",
    "sc_region_lead": (
        "The sectors behind {region}'s child labour footprint, the child labour in its "
        "industries linked to exports, and the tiers of its supply chains."
    ),
    "sc_sectors": "Sectors",
    "sc_sector": "Sector",
    "sc_col_footprint": "Footprint, by product bought",
    "sc_col_territorial": "In the region's industry",
    "sc_col_exports_fd": "Linked to exports (final demand)",
    "sc_col_exports_gross": "Linked to exports (gross exports)",
    "sc_col_direct": "In the exporting sector",
    "sc_col_upstream": "In its domestic suppliers",
    "sc_sectors_text": (
        "The footprint by the product final demand buys; the child labour in the region's "
        "industries, and the part linked to exports under each definition, by the sector where "
        "it occurs (the gross-exports one split between the exporting sector and its domestic "
        "suppliers upstream)."
    ),
    "sc_tiers": "Tiers of the footprint",
    "sc_tiers_text": (
        "{region}'s footprint along its supply chains: the sectors selling to its final demand "
        "(direct), their suppliers (tier 1), their suppliers' suppliers (tier 2), tier 3, and "
        "the suppliers further up."
    ),
    "sc_tier": "Tier",
    "sc_tier_direct": "Direct",
    "sc_tier_1": "Tier 1",
    "sc_tier_2": "Tier 2",
    "sc_tier_3": "Tier 3",
    "sc_tier_rest": "Further tiers",
    "sc_tier_total": "Total footprint",
    "sc_share": "Share",
    "sc_back": "Back to supply chains",
    "sc_open_region": "Sectors and tiers of {region}",
    "sc_screen_title": "Sourcing risk screen",
    "sc_screen_lead": (
        "Upload a supplier list (CSV or Excel with the columns supplier, country, commodity as a "
        "name or an HS code, and optionally spend): each line is flagged from the US DOL List of "
        "Goods, the country's child labour and forced labour figures and its ratifications, each "
        "flag with its reason and source, and the lines are ranked by severity and likelihood."
    ),
    "sc_screen_private": (
        "Your list is read in memory for this answer only: it is never stored and never shown "
        "to anyone else."
    ),
    "sc_file": "Supplier list (CSV or Excel, at most {limit})",
    "sc_output": "Answer as",
    "sc_output_html": "Web page",
    "sc_output_xlsx": "Excel workbook",
    "sc_output_pdf": "PDF document",
    "sc_output_csv": "CSV file",
    "sc_screen_button": "Screen the list",
    "sc_results": "Ranked supplier lines",
    "sc_results_count": "{n} supplier lines ranked, highest priority first.",
    "sc_method": "How the lines are ranked",
    "sc_refused": "The list was refused:",
    "sc_no_file": "Choose a supplier list to screen.",
    "sc_too_large": (
        "The file is over the limit of {limit} for a supplier list: split it, or keep only the "
        "columns supplier, country, commodity and spend."
    ),
    "sc_screen_link": "Screen a supplier list",
}
