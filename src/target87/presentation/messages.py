"""Every UI text of the terminal views and the web pages, by key, in English.

French and Spanish come from Babel (gettext) catalogs, ``locale/<lang>/LC_MESSAGES/messages.po``,
whose message ids are these English texts; a test fails if a text lacks a translation.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

from target87.presentation.messages_charts import CHARTS_MESSAGES
from target87.presentation.messages_design import DESIGN_MESSAGES
from target87.presentation.messages_evidence import EVIDENCE_MESSAGES
from target87.presentation.messages_library import LIBRARY_MESSAGES
from target87.presentation.messages_maps import MAPS_MESSAGES
from target87.presentation.messages_practices import PRACTICES_MESSAGES
from target87.presentation.messages_supply import SUPPLY_MESSAGES

LANGUAGES = ("en", "fr", "es")

MESSAGES: dict[str, str] = {
    "profile": "Country profile",
    "region": "Region",
    "income": "Income group",
    "ilo_region": "ILO region",
    "pathfinder": "Alliance 8.7 Pathfinder Country",
    "pathfinder_yes": "yes (year joined not verified)",
    "pathfinder_no": "no",
    "child_labour": "Child labour, latest",
    "other_sources": "Other sources for the same figure",
    "no_data": "no data",
    "series": "Series",
    "period": "Period",
    "age": "Age",
    "total": "Total",
    "girls": "Girls",
    "boys": "Boys",
    "source": "Source",
    "definition": "Definition",
    "trafficking": "Detected victims of trafficking, latest",
    "ratifications": "Treaties and conventions",
    "instrument": "Instrument",
    "status": "Status",
    "year": "Year",
    "ratified": "ratified",
    "signed": "signed",
    "not_ratified": "not ratified",
    "minimum_age": "minimum age {age}",
    "goods": "Goods on the US DOL list (TVPRA)",
    "good": "Good",
    "child_labour_flag": "Child labour",
    "forced_labour_flag": "Forced labour",
    "forced_child_labour_flag": "Forced child labour",
    "no_goods": "none listed",
    "region_figures": "The region's figures",
    "area": "Area",
    "value": "Value",
    "sources": "Sources",
    "millions": "million",
    "per_1000": "per 1,000 people",
    "yes": "yes",
    "no": "no",
    "site_title": "Target 8.7 data platform",
    "home": "Dashboard",
    "countries": "Countries",
    "about": "About",
    "language": "Language",
    "search": "Search",
    "all": "all",
    "pathfinders_only": "Pathfinder Countries only",
    "with_data": "with child labour data",
    "filter": "Filter",
    "world_child_labour": "Children in child labour, world, 2000-2024",
    "key_figures": "Key figures",
    "licence": "Licence",
    "citation": "Citation",
    "publisher": "Publisher",
    "about_text": (
        "target87 brings together the data on UN SDG Target 8.7 (forced labour, modern "
        "slavery, human trafficking and child labour) with the source of every number."
    ),
    "not_found": "Not found",
    "count": "countries",
    "skip": "Skip to content",
    "hazardous": "in hazardous work (millions)",
    "gems_regions": "Forced labour and modern slavery by ILO region, 2021 (millions)",
    "forced_labour": "Forced labour",
    "modern_slavery": "Modern slavery",
    "victims_title": "Detected victims of trafficking: highest latest counts",
    "victims_note": (
        "Victims detected by national authorities (SDG 16.2.2): a measure of detection as much "
        "as of trafficking; years differ between countries."
    ),
    "other_countries": "other countries",
    "explore": "Indicator explorer",
    "window": "Years",
    "sex": "Sex",
    "show": "Show",
    "sort_by_value": "sort by value",
    "sort_by_name": "sort by name",
    "pathfinder_map": "Alliance 8.7 Pathfinder Countries",
    "target_label": "target {value} by {year}",
    "survey": "survey or country data",
    "modelled": "modelled estimate",
    "by_sex_text": "{title}: {n} values by sex",
    "timeline_text": "{n} of {total} instruments placed by the year of ratification",
    "region_comparison": "Child labour: the country beside its regions and the world (%)",
    "region_comparison_text": (
        "Latest child labour rate of the country (survey) beside the modelled estimates for its "
        "regions and the world; the two are not measured the same way."
    ),
    "date_not_held": "date not held",
    "progress": "Progress towards ending child labour by 2025",
    "target_achieved": "Target achieved",
    "on_track": "Substantial progress/on track",
    "fair_progress": "Fair progress but acceleration needed",
    "limited_progress": "Limited or no progress",
    "deterioration": "Deterioration",
    "status_not_computable": "not computable: {n} dated value(s) held, two are needed",
    "status_method": (
        "Status: ratio of the actual to the required annual rate of change since 2015, with the "
        "UN Statistics Division's thresholds (on track from 0.95, fair from 0.5, limited from "
        "-0.1)."
    ),
    "base": "Base",
    "latest": "Latest",
    "actual_rate": "Actual change, % a year",
    "required_rate": "Required change, % a year",
    "downloads": "Downloads",
    "download_xlsx": "Excel: one sheet per series and a sheet of sources",
    "download_csv": "CSV, with the citation of each row",
    "download_sdmx": "SDMX-CSV (SDG global DSD)",
    "download_sdmx_ml": "SDMX-ML 2.1 (SDG global DSD)",
    "definitions_used": "Definitions used",
    "standard": "Standard",
    "methods": "Methods and definitions",
    "m_sources_h": "Every number has a source",
    "m_sources": (
        "Each value is stored with the dataset it comes from: publisher, title, edition, year, "
        "licence and the date it was retrieved. When two publishers give a value for the same "
        "country, year, sex and age, both are kept; the custodian agency's value is shown first "
        "and the others are listed beside it."
    ),
    "m_child_labour_h": "Child labour (SDG 8.7.1)",
    "m_child_labour": (
        "Share of children aged 5 to 17 in child labour: economic activity above age-specific "
        "hour thresholds, with household chores counted in one series (SL_TLF_CHLDEC) and not in "
        "the other (SL_TLF_CHLDEA). National surveys (MICS, DHS, labour force and child labour "
        "surveys) give country values; the ILO and UNICEF model regional and world estimates from"
        " them. Survey values and modelled estimates are drawn differently in every chart."
    ),
    "m_slavery_h": "Forced labour, forced marriage and modern slavery",
    "m_slavery": (
        "The 2021 Global Estimates of Modern Slavery (ILO, Walk Free, IOM) count people in forced"
        " labour and in forced marriage on a given day; modern slavery is the sum of the two. "
        "They are modelled regional and world figures, not country values."
    ),
    "m_trafficking_h": "Detected victims of trafficking (SDG 16.2.2)",
    "m_trafficking": (
        "Victims detected by national authorities, reported to UNODC. A rise can mean better "
        "detection as much as more trafficking, so no target or progress status is computed for "
        "them."
    ),
    "m_progress_h": "Progress and projections",
    "m_progress": (
        "Progress status compares the actual compound annual rate of change since 2015 with the "
        "rate needed to reach the target (zero child labour by 2025), using the UN Statistics "
        "Division's thresholds. Projections extend the observed log-linear trend, with a band "
        "from the spread of past period rates; they are not forecasts. A status needs at least "
        "two dated values."
    ),
    "m_no_data_h": "No data is not zero",
    "m_no_data": (
        "Countries without a value are shown in grey and labelled as having no data, in maps, "
        "tables and rankings alike. Values whose survey year is not known are kept with their "
        "period, never given a year."
    ),
    "world_chart_text": (
        "{title}: observed values {first}-{last}, the projection of the trend with its band, and "
        "the target of zero by 2025."
    ),
    "map_text": ("{title}: {n} countries"),
    "choropleth_text": ("{title}: {n} countries with a value; the others are grey (no data)."),
    "ranking_text": ("{title}: the {n} highest values"),
    "retrieved": "Retrieved",
    "gems_chart_text": (
        "People in forced labour and in modern slavery in the {n} ILO regions, 2021, in millions;"
        " the table below gives the same figures."
    ),
    "victims_chart_text": (
        "The {n} highest latest counts of detected victims; the table below gives the same "
        "figures with their years."
    ),
}


# National reporting (web pages, print and PDF of the annual report).
REPORTING_MESSAGES: dict[str, str] = {
    "reporting": "National reporting",
    "nav_reporting": "Reporting",
    "sign_in": "Sign in",
    "sign_out": "Sign out",
    "signin_intro": (
        "Focal points, reviewers and administrators of national reporting sign in here. The "
        "public pages need no account."
    ),
    "signin_failed": "The email or the password is wrong, or the account is disabled.",
    "signin_rate_limited": (
        "Too many failed sign-ins for this account from this address: try again in about "
        "{minutes} minute(s)."
    ),
    "email": "Email",
    "password": "Password",
    "csrf_failed": (
        "The form's security token is missing or out of date. Reload the page and try again."
    ),
    "form_length_missing": "The form did not say its length.",
    "upload_too_large": "The upload is over the size limit.",
    "refused_title": "Not possible",
    "problems_found": "Problems found",
    "back_to_reporting": "Back to national reporting",
    "back": "Back",
    "my_countries": "My countries",
    "signed_in_as": "Signed in as {name} ({role}).",
    "user_admin": "Accounts",
    "review_queue": "Reports awaiting review or publication",
    "country": "Country",
    "state": "State",
    "updated": "Last change",
    "updated_by": "Changed by",
    "reports": "Reports",
    "roadmap": "Roadmap",
    "links": "Pages",
    "n_actions": "{n} actions",
    "n_overdue": "{n} overdue",
    "agreed_indicators": "Agreed indicators",
    "audit_trail": "Audit trail",
    "no_countries": "No country is set up yet.",
    "open_country": "Open a country",
    "open": "Open",
    "national_reporting_of": "National reporting: {country}",
    "public_profile": "Public country profile",
    "annual_reports": "Annual reports",
    "report_of_year": "Report {year}",
    "no_reports": "No annual report yet.",
    "open_report_for": "Open the report for the year",
    "open_report": "Open report",
    "roadmap_of": "Roadmap: {country}",
    "overdue": "overdue",
    "overdue_explained": "past their due date and neither done nor dropped.",
    "roadmap_timeline": "Roadmap timeline",
    "gantt_text": (
        "{n} of {total} actions as bars from their start to their due date, coloured by status;"
        " a diamond marks each overdue action's due date and a dashed line today. The table "
        "gives every action."
    ),
    "today": "today",
    "as_of": "as of",
    "no_dated_actions": "No action has both a start and a due date yet: the table lists them all.",
    "timeline_table": "Every action of the roadmap",
    "commitment": "Commitment",
    "commitments": "Commitments",
    "action": "Action",
    "owner": "Owner",
    "start": "Start",
    "due": "Due",
    "version": "version",
    "remove": "Remove",
    "add_action": "Add an action",
    "edit_commitment": "Edit this commitment",
    "title": "Title",
    "description": "Description",
    "save": "Save",
    "remove_commitment": "Remove this commitment",
    "no_commitments": "No commitment yet.",
    "new_commitment": "New commitment",
    "add_commitment": "Add the commitment",
    "owner_institution": "Owner institution",
    "start_date": "Start date",
    "due_date": "Due date",
    "budget_amount": "Budget",
    "budget_currency": "Currency (ISO 4217, e.g. USD)",
    "funded_share": "Funded share (0 to 1)",
    "progress_notes": "Progress notes",
    "targets": "Linked indicators and targets",
    "targets_note": (
        "An indicator the action is meant to move, with its target value and year; leave a row "
        "blank to skip it."
    ),
    "target_value": "Target value",
    "target_year": "Target year",
    "action_planned": "planned",
    "action_under_way": "under way",
    "action_done": "done",
    "action_delayed": "delayed",
    "action_dropped": "dropped",
    "state_draft": "draft",
    "state_submitted": "submitted",
    "state_returned": "returned with comments",
    "state_approved": "approved",
    "state_published": "published",
    "workflow_draft": "A draft: the focal point edits it and submits it for review.",
    "workflow_submitted": "Submitted: the secretariat returns it with comments or approves it.",
    "workflow_returned": (
        "Returned with comments: the focal point corrects it and submits it again."
    ),
    "workflow_approved": "Approved: the secretariat publishes it; its values do not change.",
    "workflow_published": (
        "Published: its values are on the public country profile, with this report as their source."
    ),
    "transition_submit": "submitted",
    "transition_return": "returned",
    "transition_approve": "approved",
    "transition_publish": "published",
    "role_admin": "administrator",
    "role_secretariat": "secretariat reviewer",
    "role_focal_point": "country focal point",
    "role_viewer": "country viewer",
    "sex__T": "Total",
    "sex_F": "Female",
    "sex_M": "Male",
    "all_ages": "all ages",
    "report_title": "Annual report: {country}, {year}",
    "print_version": "Print version",
    "download_pdf": "Download as PDF",
    "download_sdmx_csv": "Approved values as SDMX-CSV (SDG global DSD)",
    "review_comments": "Reviewers' comments",
    "workflow": "Review",
    "submit_report": "Submit for review",
    "return_comment": "What must change (required to return it)",
    "return_report": "Return with comments",
    "approve_comment": "Comment (optional)",
    "approve_report": "Approve",
    "publish_report": "Publish",
    "indicator_values": "Indicator values",
    "values_not_saved": "Nothing was saved: correct the fields marked below and save again.",
    "indicator": "Indicator",
    "unit": "Unit",
    "footnote": "Footnote",
    "save_values": "Save the values",
    "excel_template": "Excel template",
    "download_template": "Download the template with this draft's values",
    "upload_refused": (
        "The workbook was not loaded: nothing in the draft changed. Correct these cells and "
        "upload it again."
    ),
    "filled_template": "Filled template (.xlsx)",
    "replace_all": "The workbook holds the whole report (values it leaves blank are removed)",
    "upload_template": "Upload",
    "sheet": "Sheet",
    "row": "Row",
    "column": "Column",
    "field": "Field",
    "problem": "Problem",
    "narratives": "Progress on each commitment",
    "narrative_on": "What was done on: {title}",
    "save_narrative": "Save the text",
    "attachments": "Attachments",
    "no_attachments": "No attachment.",
    "attachment_refused": "The file was not attached",
    "attach_file": "PDF or office document without macros, up to {mb} MB",
    "attach": "Attach",
    "conflict_title": "Someone else saved first",
    "conflict_yours": "What you typed, not saved (the form now shows their version):",
    "done_saved": "Saved.",
    "done_uploaded": "The template's values were saved.",
    "done_attached": "The file was attached.",
    "done_removed": "Removed.",
    "done_submitted": "The report was submitted for review.",
    "done_returned": "The report was returned to the country with your comments.",
    "done_approved": "The report was approved.",
    "done_published": "The report was published: its values are now public.",
    "done_created": "Added.",
    "done_user": "The account was updated.",
    "audit_report": "Audit trail: report {country} {year}",
    "audit_country": "Audit trail: {country}",
    "audit_explained": (
        "Every change, as it was recorded: who, when, what, before, after and from which "
        "address. Events cannot be changed or deleted."
    ),
    "when": "When",
    "who": "Who",
    "what": "What",
    "entity": "On",
    "before": "Before",
    "after": "After",
    "ip_address": "IP address",
    "no_events": "No event yet.",
    "agreed_indicators_of": "Agreed indicators: {country}",
    "name": "Name",
    "breakdowns": "Sex/age cells reported",
    "no_agreed": "No indicator agreed yet: the secretariat sets them.",
    "configure_indicators": "Set the agreed indicators",
    "config_help": (
        "One series a line: its code (PREFIX* for every series starting so), optionally "
        "followed by a colon and the sex/age cells to report, e.g. SL_TLF_CHLDEC: _T/Y5T17 "
        "F/Y5T17 M/Y5T17. Without cells, the most common ones held for the series are used."
    ),
    "agreed_series": "Agreed series",
    "national_series": "National series",
    "series_code": "Code (capitals, digits, _)",
    "name_en": "Name in English",
    "name_fr": "Name in French",
    "name_es": "Name in Spanish",
    "direction": "Direction",
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "define_series": "Define the series",
    "not_saved": "Not saved",
    "display_name": "Name shown",
    "role": "Role",
    "active": "Active",
    "changes": "Changes",
    "change": "Change",
    "every_country": "every country",
    "set_role": "Set the role",
    "disable": "Disable",
    "enable": "Enable",
    "new_password": "New password",
    "set_password": "Set the password",
    "new_account": "New account",
    "country_roles_note": (
        "Focal points and viewers belong to one country; administrators and the secretariat "
        "work for every country."
    ),
    "create_account": "Create the account",
    "print_title": "Annual national report on SDG Target 8.7: {country}, {year}",
    "back_to_report": "Back to the report",
    "print_source": "Source of every value below: {source} (reporting type N, national data).",
    "earlier": "Latest earlier value (period, source)",
    "no_values": "No value reported yet.",
    "roadmap_status": "Roadmap status",
    "as_of_date": "As of {date}.",
    "funded_pct": "{pct}% funded",
    "print_footer": (
        "Made with target87 from the report as stored; values are the country's own (reporting "
        "type N)."
    ),
    "page_of": "page {page} of {pages}",
}
MESSAGES.update(REPORTING_MESSAGES)

RISK_MESSAGES: dict[str, str] = {
    "risk_nav": "Risk maps",
    "risk_title": "Child labour risk by territory (CLRISK runs)",
    "risk_intro": (
        "Published runs of the Child Labour Risk Identification Model: the modelled probability "
        "that a child works, by territory, with its 90% interval. Small territories are "
        "suppressed or merged and expected counts rounded before a run is published."
    ),
    "risk_none": "No run has been published yet (target87 risk publish).",
    "risk_run": "Run",
    "risk_national": "National risk",
    "risk_territories": "Territories",
    "risk_published": "Published",
    "risk": "Risk",
    "risk_interval": "90% interval",
    "risk_direct": "direct survey estimate",
    "risk_class": "Class",
    "risk_p_high": "Probability of the highest class",
    "risk_expected": "Expected children in child labour",
    "risk_children": "Children",
    "risk_factors": "Main factors",
    "risk_cutpoints": "Classes and cut-points",
    "risk_suppressions": "Suppressions (disclosure control)",
    "risk_rule": "Rule",
    "risk_reason": "Reason",
    "risk_model": "Model summary",
    "risk_download_csv": "Territory table (CSV)",
    "risk_download_report": "Full run report (HTML)",
    "risk_map": "Risk class by territory",
    "risk_map_text": (
        "Map of {n} territories coloured by risk class ({k} classes); suppressed territories are "
        "grey. The table below holds the same figures."
    ),
    "risk_ranking": "Highest territory risks, with 90% intervals",
    "risk_ranking_text": (
        "The {n} territories with the highest modelled risk, each as a point with a line for its "
        "90% interval. The table below holds the same figures."
    ),
    "suppressed": "suppressed",
    "synthetic": "Synthetic data",
    "synthetic_note": (
        "this run was made on generated data for tests and demonstrations; its figures describe "
        "no real country."
    ),
}
MESSAGES.update(RISK_MESSAGES)

EXPLORE_MESSAGES: dict[str, str] = {
    "explore_bad_year": '{what} "{value}" is not a year: the window is left open on that side.',
    "explore_unknown_series": 'There is no series "{value}": showing the default series.',
    "explore_not_held": '{what} "{asked}" is not held for this series: showing {shown}.',
    "explore_swapped": "The first year came after the last: the window shown is {start}-{end}.",
    "explore_any_year": "all years",
    "explore_from": "from {start}",
    "explore_until": "until {end}",
    "explore_any": "any",
    "from_year": "From",
    "to_year": "To",
    "explore_nothing": "No value of {series} for this choice in {window}.",
    "explore_count": "{n} of {total} countries have a value.",
    "explore_aggregates_only": (
        "This series is published for the world and regions, not by country: there is no map."
    ),
    "world_and_regions": "World and regions",
    "note": "Note",
    "urbanisation": "Area of residence",
    "breakdown": "Other breakdown",
    "breakdown_none": "none (all)",
    "headline_title": "At a glance",
    "headline_world": "The world at a glance",
    "headline_change_points": "{change} percentage points since {year}",
    "headline_change_count": "{change} since {year}",
    "headline_one_value": "One value only: no change or progress status can be computed.",
    "headline_no_status": "No progress status: the series has no target to measure against.",
    "toc_title": "On this page",
    "profile_risk": "Risk identification (CLRISK)",
    "profile_risk_none": "No risk identification has been published for this country.",
    "profile_reporting": "National reporting",
    "profile_reporting_none": "No national report has been published for this country yet.",
    "profile_report_line": "National report {year}: {ministry}",
    "badge_synthetic": "synthetic data",
    "detail_title": "Subnational areas and other breakdowns",
    "detail_note": (
        "The latest value of each series for each subnational area and each breakdown bey"
        "ond sex, age and area of residence, as the national files give them."
    ),
    "detail_more": "{n} more lines are in the explorer and the downloads:",
}
MESSAGES.update(EXPLORE_MESSAGES)

SITE_MESSAGES: dict[str, str] = {
    "api_docs": "API documentation",
    "source_id": "source id",
    "accessed_on": "accessed {date}",
    "cross_site_refused": (
        "The form was sent from another site: refused. Open the page on this site and send it "
        "from there."
    ),
    "api_docs_noscript": "This page needs JavaScript; the API's OpenAPI description is at",
    "server_error": "Something went wrong",
    "server_error_text": (
        "The page could not be made. The error was recorded; please try again or go back."
    ),
}
MESSAGES.update(SITE_MESSAGES)

ACCOUNT_MESSAGES: dict[str, str] = {
    "account": "Your account",
    "open_sessions": "Where you are signed in",
    "session_started": "Signed in",
    "session_last_seen": "Last used",
    "session_device": "Browser",
    "this_session": "this session",
    "sign_out_everywhere": "Sign out everywhere",
    "change_password": "Change your password",
    "current_password": "Current password",
    "password_change_note": (
        "A new password ends every session of the account, this one too: sign in again with it."
    ),
    "end_sessions": "End all sessions",
    "done_password": "The password was changed: sign in with the new one.",
}
MESSAGES.update(ACCOUNT_MESSAGES)

# The self-contained report of a CLRISK run (target87.risk.report_html): its headings, table
# headers, chart titles and the texts of the risk modules it writes again in the language.
RISK_REPORT_MESSAGES: dict[str, str] = {
    "rr_title": "{name} – child labour risk report",
    "rr_synthetic_mark": "SYNTHETIC",
    "rr_synthetic_label": "SYNTHETIC DATA: invented by target87.risk.synth, not real children",
    "rr_synthetic_warning": (
        "These numbers describe invented children and say nothing about any real country."
    ),
    "rr_intro": "Child labour risk identification (CLRISK) report. Outcome: {outcome}.",
    "rr_warning": "Warning:",
    "rr_harmonisation_flagged": (
        "The harmonisation check flags {n} covariate statistic(s): see {link}."
    ),
    "rr_harmonisation_link": "harmonisation",
    "rr_sections": "Sections",
    "rr_nav_map": "Map",
    "rr_nav_ranking": "Ranked territories",
    "rr_nav_factors": "Factors",
    "rr_nav_classes": "Classes",
    "rr_nav_estimators": "Three estimators",
    "rr_nav_model": "Model",
    "rr_nav_harmonisation": "Harmonisation",
    "rr_nav_levels": "Higher levels",
    "rr_nav_sample": "Survey sample",
    "rr_nav_disclosure": "Disclosure control",
    "rr_nav_provenance": "Provenance",
    "rr_h_map": "Map of risk classes",
    "rr_h_ranking": "Territories ranked by risk",
    "rr_h_classes": "Risk classes",
    "rr_h_estimators": "Three estimators side by side",
    "rr_h_harmonisation": "Harmonisation check",
    "rr_h_levels": "Higher territory levels",
    "rr_national_risk": "National risk (synthetic estimator)",
    "rr_interval_range": "90% interval {lo} to {hi}",
    "rr_direct": "Direct survey estimate",
    "rr_direct_detail": "standard error {se}, {n} children surveyed",
    "rr_census_children": "Children in the census",
    "rr_territories_at": "{n} territories ({level})",
    "rr_benchmarking": "Benchmarking",
    "rr_benchmarking_detail": "child-weighted mean of benchmarked risks",
    "rr_map_aria": "Map of the territories coloured by risk class",
    "rr_map_caption": "Classes by {method} ({cutpoints}); grey: suppressed by disclosure control.",
    "rr_cut_national": "national cut-points",
    "rr_cut_within": "cut-points within each {level}",
    "rr_method_quantile": "quantiles",
    "rr_method_equal_width": "equal widths",
    "rr_method_jenks": "Jenks natural breaks",
    "rr_method_kmeans": "k-means",
    "rr_method_dalenius_hodges": "Dalenius-Hodges",
    "rr_method_fixed": "fixed cut-points",
    "rr_ranking_text": (
        "Risk is the mean predicted probability of the territory's children (census), with the "
        "90% interval and coefficient of variation from {draws} draws of the model coefficients. "
        "Expected counts are rounded to the nearest {rounding}."
    ),
    "rr_rank": "rank",
    "rr_children": "children",
    "rr_risk": "risk",
    "rr_class": "class",
    "rr_p_high": "P(high)",
    "rr_expected": "expected",
    "rr_top_factors": "top factors",
    "rr_status": "status",
    "rr_status_ok": "ok",
    "rr_status_merged": "merged",
    "rr_status_flagged": "flagged",
    "rr_status_no_sample": "no sample",
    "rr_merged_name": "merged small territories of {parent}",
    "rr_class_low": "low",
    "rr_class_medium": "medium",
    "rr_class_high": "high",
    "rr_class_n": "class {j}",
    "rr_factors_text": (
        "Contribution of each factor to the national risk: the risk removed if the factor were at"
        " its reference level (0 for a yes/no factor; for a number, the reference the run gives "
        "or else the national mean, so that nationally only the spread of that number counts), "
        "and the average marginal effect times the factor's national mean. Positive: a risk "
        "factor; negative: a protective one. Each territory's three largest contributions are in "
        "the ranked table."
    ),
    "rr_factors_aria": "Contribution of each factor to the national risk",
    "rr_factor": "factor",
    "rr_direction": "direction",
    "rr_contribution_pp": "contribution (pp)",
    "rr_reference": "reference",
    "rr_ame_pp": "AME (pp)",
    "rr_national_mean": "national mean",
    "rr_ame_x_mean": "AME × mean (pp)",
    "rr_territories_risk_protective": "territories: risk / protective",
    "rr_protective": "protective",
    "rr_none": "none",
    "rr_estimators_direct": (
        "Direct: the survey's weighted proportion (suppressed below {low} surveyed children, in "
        "parentheses below {high})."
    ),
    "rr_estimators_synthetic": "Synthetic: the CLRISK census projection.",
    "rr_estimators_small_area": (
        "Small-area: Fay–Herriot EBLUP with the synthetic risk as covariate."
    ),
    "rr_estimators_benchmarked": (
        "Benchmarked: the synthetic risk scaled so that its child-weighted mean equals the direct"
        " national estimate ({direct})."
    ),
    "rr_estimators_aria": "Model-based estimates against direct survey estimates",
    "rr_surveyed": "surveyed",
    "rr_direct_se": "direct (se)",
    "rr_synthetic": "synthetic",
    "rr_small_area_se": "small-area (se)",
    "rr_small_area": "small-area",
    "rr_shrinkage": "shrinkage",
    "rr_benchmarked": "benchmarked",
    "rr_harmonisation_text": (
        "Weighted survey means against census means for every covariate; flagged differences mean"
        " the covariate may not measure the same thing in both sources."
    ),
    "rr_covariate": "covariate",
    "rr_level": "level",
    "rr_statistic": "statistic",
    "rr_survey": "survey",
    "rr_census": "census",
    "rr_difference": "difference",
    "rr_std_difference": "std. difference",
    "rr_flag": "flag",
    "rr_mean": "mean",
    "rr_share": "share",
    "rr_reason_diff": "|diff| > {t}",
    "rr_reason_std_diff": "|std diff| > {t}",
    "rr_reason_only_survey": "level only in the survey",
    "rr_reason_only_census": "level only in the census",
    "rr_sample_text": (
        "Unweighted surveyed children by {level} and outcome; cells under {min_cell} are "
        "suppressed, with complementary cells so that totals do not reveal them."
    ),
    "rr_not_in_child_labour": "not in child labour",
    "rr_in_child_labour": "in child labour",
    "rr_disclosure_rules": (
        "Rules: {territories}; expected counts rounded to {rounding}; direct estimates from fewer"
        " than {low} surveyed children suppressed, fewer than {high} flagged; table cells under "
        "{min_cell} suppressed; no child-level scores unless explicitly requested. Every action:"
    ),
    "rr_rule_small_suppress": "territories with fewer than {n} children suppressed",
    "rr_rule_small_merge": "territories with fewer than {n} children merged within their parent",
    "rr_territory": "territory",
    "rr_column": "column",
    "rr_rule": "rule",
    "rr_reason": "reason",
    "rr_all_note": "* stands for every territory or every column.",
    "rr_nothing_suppressed": "Nothing was suppressed.",
    "rr_rule_min_children": "small territory",
    "rr_rule_count_rounding": "rounded count",
    "rr_rule_direct_suppress": "direct estimate suppressed",
    "rr_rule_direct_flag": "direct estimate flagged",
    "rr_rule_min_cell": "small cell",
    "rr_rule_secondary": "complementary suppression",
    "rr_why_children": "fewer than {n} children",
    "rr_why_merged": "fewer than {n} children: merged into '{name}'",
    "rr_why_rounded": "rounded to nearest {base}",
    "rr_why_direct": "fewer than {n} unweighted children",
    "rr_why_caution": "{low}-{high} unweighted children: interpret with caution",
    "rr_why_cases": "fewer than {n} cases",
    "rr_why_cell": "complementary: protects a small cell through the totals",
    "rr_why_country": (
        "complementary: protects a suppressed territory through the total of the country"
    ),
    "rr_why_parent": "complementary: protects a suppressed territory through the total of {name}",
    "rr_note_outside": (
        "{n} surveyed territory(ies) not in the census, left out of the territory estimates: "
        "{names}"
    ),
    "rr_note_fh_diverged": (
        "the Fay-Herriot variance did not converge: small-area estimates are unreliable"
    ),
    "rr_note_fh_zero": (
        "Fay-Herriot area variance estimated as 0: the small-area estimates equal the regression "
        "on the synthetic risk"
    ),
    "rr_warning_unit_level": (
        "WARNING: this export holds a predicted child labour probability for every child. It is "
        "sensitive personal data: keep it under access control, drop direct identifiers, never "
        "publish it, and use it only under a legal basis."
    ),
    "rr_chart_risk_class": "risk class",
    "rr_chart_no_class": "suppressed or no data",
    "rr_chart_risk_interval": "risk (90% interval)",
    "rr_chart_factors": "Factors, nationally",
    "rr_chart_contribution": "contribution to national risk (percentage points)",
    "rr_chart_estimators": "Estimators against direct",
    "rr_chart_model_based": "model-based estimate",
    "rr_chart_estimator": "estimator",
    "rr_cls_national": "Classification: {method}, {k} classes, national",
    "rr_cls_groups": "Classification: {method}, {k} classes, within {n} groups",
    "rr_cls_cutpoints": "cut-points {cuts}",
    "rr_cls_missing": "not classified (missing value): {n}",
    "rr_label_value": "{label}: {value}",
    "rr_m_title": "Survey-weighted binary model (design-based standard errors)",
    "rr_m_link": "Link:",
    "rr_m_observations": "Observations:",
    "rr_m_weighted_n": "Weighted N:",
    "rr_m_strata": "Strata / PSUs:",
    "rr_m_design_df": "Design df:",
    "rr_m_design_df_value": "{df} (t on {resid})",
    "rr_m_pseudo_r2": "Pseudo R2 (McFadden):",
    "rr_m_auc": "AUC:",
    "rr_m_cutoff": "Cut-off (prevalence):",
    "rr_m_sensitivity": "Sensitivity:",
    "rr_m_specificity": "Specificity:",
    "rr_m_correct": "Correctly classified:",
    "rr_m_archer_lemeshow": "Archer-Lemeshow F:",
    "rr_m_al_value": (
        "{f} on ({a}, {b}) df, p = {p} ({g} risk groups: deciles merged until each expects 10 "
        "events and 10 non-events)"
    ),
    "rr_m_al_few_df": "not computed: {f} design degrees of freedom are too few for {g} groups",
    "rr_m_al_few_groups": (
        "not computed: {g} risk group(s) expecting at least {m} events and {m} non-events"
    ),
    "rr_m_al_groups": "not computed: {g} risk group(s)",
    "rr_m_note": "Note: {note}",
    "rr_m_separation": "some fitted probabilities are 0 or 1: possible quasi-separation",
    "rr_m_no_design": "no strata or PSUs given: each observation is its own PSU",
    "rr_m_coef": "coef",
    "rr_m_std_err": "std err",
    "rr_m_odds_ratio": "odds ratio",
    "rr_m_const": "const",
    "rr_fh_title": "Fay-Herriot EBLUP",
    "rr_fh_converged": "method {method}, converged in {n} iterations; sigma2_v = {s}",
    "rr_fh_not_converged": "method {method}, NOT converged in {n} iterations; sigma2_v = {s}",
    "rr_fh_areas": "areas: {n} with a direct estimate, {m} predicted by the regression",
    "rr_fh_cv": "median CV of sampled areas: direct {a}, EBLUP {b}",
    "rr_bm_title": "Benchmarking to direct survey rates (child-weighted means)",
    "rr_bm_group": "group",
    "rr_bm_target": "target",
    "rr_bm_before": "before",
    "rr_bm_after": "after",
    "rr_national": "national",
    "rr_bm_capped": "{n} territory(ies) held at the cap",
    "rr_prov_created": "Provenance (run created {created})",
    "rr_prov_run_file": "run file {name} sha256 {sha}",
    "rr_prov_boundaries": "boundaries",
    "rr_prov_vintages": "vintages: {vintages}",
    "rr_prov_not_given": "not given",
    "rr_prov_draws": "seed {seed}, {draws} coefficient draws",
    "rr_prov_software": "software: {software}",
}
MESSAGES.update(RISK_REPORT_MESSAGES)


# The upload page of national data files (web/reporting/upload.py): map, preview, load.
UPLOAD_MESSAGES: dict[str, str] = {
    "upload_title": "Load national data",
    "upload_intro": (
        "Upload one Open SDG indicator CSV, or an SDMX-ML or SDMX-CSV file. The platform "
        "proposes how its columns and labels map to the SDG code lists; you check and edit "
        "that mapping, preview the rows as they would be stored, and only then load them into "
        "the warehouse."
    ),
    "upload_cli": "The same steps on the command line:",
    "upload_not_taken": "The file was not taken; nothing was kept or written.",
    "upload_file": "File (at most {mb} MB)",
    "upload_area": "Area (ISO3 code), when the file names none",
    "upload_series": "Series code, when the file names none",
    "upload_source": "Source of the rows whose file names none",
    "upload_source_none": "none: the file names its sources",
    "upload_propose": "Propose a mapping",
    "upload_who": (
        "Rows loaded here go into the warehouse and onto the public pages at once, without "
        "review: loading takes the rights both to edit and to publish a country's figures."
    ),
    "upload_col_file": "File",
    "upload_col_line": "Line",
    "upload_warning": "warning",
    "upload_mapping_title": "Check the mapping",
    "upload_file_read": "File read:",
    "upload_what_maps": "Proposed mapping",
    "upload_their_column": "Column of the file",
    "upload_our_field": "Our field",
    "upload_their_label": "Label of the file",
    "upload_sdg_code": "SDG code",
    "upload_every_row": "(the same for every row)",
    "upload_no_lines": "Nothing to map: the file names every component by its SDG id.",
    "upload_still_unknown": (
        "Still unknown: edit the mapping below, or upload the file again with its area or series."
    ),
    "upload_nothing_unknown": "Nothing stays unknown.",
    "upload_edit_title": "The mapping, to edit",
    "upload_bad_mapping": "The mapping was refused; nothing was read or written.",
    "upload_yaml_help": (
        "columns: each header of the file and our field (or drop); codes: each label of the "
        "file and its SDG code; skip: rows left out by our code, for instance unit: [NUMBER]; "
        "keep: only the rows with these codes."
    ),
    "upload_yaml_label": "Mapping (YAML)",
    "upload_preview_button": "Preview",
    "upload_download_yaml": "Download the mapping (YAML), to keep beside the data",
    "upload_preview_title": "Preview: nothing has been written",
    "upload_counts": (
        "{rows} rows would be stored; {skipped} rows left out by the mapping (skip or keep); "
        "{no_value} rows without a value (no data) left out."
    ),
    "upload_ready": "No error found: these rows can be loaded.",
    "upload_not_ready": (
        "Nothing can be loaded until every error below is mended: edit the mapping and "
        "preview again."
    ),
    "upload_problems_title": "Problems found ({n})",
    "upload_more_problems": "… and {n} more errors (target87 check lists them all).",
    "upload_sources_incomplete": "Sources the file describes too little to create",
    "upload_new_sources": "Sources a load would create, as the file describes them",
    "upload_new_areas": "Subnational areas a load would create",
    "upload_sample": "The first {n} of {rows} rows, as they would be stored",
    "upload_col_detail": "Source detail",
    "upload_load_note": (
        "All rows or none: new rows are added, changed ones updated, nothing is removed. The "
        "load is logged under your account and can be undone."
    ),
    "upload_load_elsewhere": (
        "Loading publishes the rows at once, which takes the rights to edit and to publish a "
        "country's figures: your role may map and preview. Download the mapping and send it, "
        "with the file, to an administrator of this platform, or enter the figures in your "
        "national report."
    ),
    "upload_load_button": "Load these {n} rows",
    "upload_discard": "Discard this upload",
    "upload_done_title": "National data loaded",
    "upload_done_counts": (
        "Load {id}: {added} rows added, {changed} changed, {unchanged} unchanged; nothing removed."
    ),
    "upload_done_left_out": (
        "Left out: {skipped} rows by the mapping, {no_value} rows without a value."
    ),
    "upload_col_rows": "Rows",
    "upload_col_added": "Added",
    "upload_col_changed": "Changed",
    "upload_col_unchanged": "Unchanged",
    "upload_warnings_title": "Warnings",
    "upload_sources_created": "Sources created on import",
    "upload_areas_created": "Subnational areas created",
    "upload_undo_title": "To see or undo this load",
    "upload_undo": "An operator of the instance lists its rows, or undoes it, on the command line:",
    "upload_again": "Load another file",
    "upload_expired": (
        "This upload is no longer kept (it is kept for an hour, until it is loaded, and only "
        "for the session that sent it): upload the file again."
    ),
    "upload_unknown_area": "Unknown area {code} (nearest: {near}).",
    "upload_unknown_series": "Unknown series {code} (nearest: {near}).",
    "upload_unknown_source": "Unknown source {code}.",
    "upload_no_file": "Choose a file to upload.",
    "upload_too_big": "{name} is larger than the upload limit of {limit} bytes.",
    "upload_wrong_format": (
        "{name} is not a file this page takes: an Open SDG indicator CSV, an SDMX-ML or an "
        "SDMX-CSV file."
    ),
    "upload_unreadable": "{name} could not be read:",
    "upload_preview_first": (
        "Preview the mapping before loading: only a mapping whose preview found no error is loaded."
    ),
}
MESSAGES.update(UPLOAD_MESSAGES)
# Texts kept in modules of their own (one per part of the site), merged here; a key is defined
# once only.
for _part in (
    DESIGN_MESSAGES,
    CHARTS_MESSAGES,
    MAPS_MESSAGES,
    EVIDENCE_MESSAGES,
    SUPPLY_MESSAGES,
    LIBRARY_MESSAGES,
    PRACTICES_MESSAGES,
):
    if _clash := set(_part) & set(MESSAGES):
        raise RuntimeError(f"message keys defined twice: {sorted(_clash)}")
    MESSAGES.update(_part)


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation of one language's catalog (empty for English)."""
    if lang == "en":
        return {}
    path = resources.files("target87") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        po = read_po(f, locale=lang)
    return {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}


def label(key: str, lang: str = "en") -> str:
    """The text of ``key`` in ``lang`` (English when the language or translation is missing)."""
    english = MESSAGES[key]
    if lang not in LANGUAGES:
        return english
    return catalog(lang).get(english, english)


def translator(lang: str):
    """``t(key)``: the text of ``key`` in ``lang``."""
    return lambda key: label(key, lang)
