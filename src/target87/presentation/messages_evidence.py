"""UI texts of the evidence section (issue 19): the evidence base, a study, the analysis page,
the forest and funnel plots' words and the country profile's studies, by key, in English;
French and Spanish in the catalogues (``locale/<lang>/LC_MESSAGES/messages.po``), as for
``messages.MESSAGES``."""

from __future__ import annotations

EVIDENCE_MESSAGES: dict[str, str] = {
    "ev_nav": "Evidence",
    "ev_title": "Evidence on what reduces child labour",
    "ev_lead": (
        "Impact evaluations of interventions against child labour: browse the studies by "
        "intervention, outcome, region, country, design and quality, and pool their effects."
    ),
    "ev_worked_example": "Worked example",
    "ev_examples_note": (
        "These are classic public data sets shipped to show the methods: they are not evidence "
        "about child labour."
    ),
    "ev_back_to_base": "Back to the evidence base",
    "ev_examples_link_text": "To see the meta-analysis methods on classic data sets:",
    "ev_examples_link": "the worked examples",
    "ev_analyse_these": "Pool the effects of these studies",
    "ev_studies": "Studies",
    "ev_count": "{n} studies match.",
    "ev_col_citation": "Reference",
    "ev_facet_intervention": "Intervention",
    "ev_facet_outcome": "Outcome",
    "ev_facet_design": "Study design",
    "ev_facet_quality": "Quality of evidence",
    "ev_col_effects": "Effects",
    "ev_pages": "Pages of studies",
    "ev_previous": "Previous page",
    "ev_next": "Next page",
    "ev_page_of": "Page {page} of {pages}",
    "ev_none": "No study matches these filters.",
    "ev_study": "Study",
    "ev_link": "Web address",
    "ev_programme": "Programme",
    "ev_notes": "Remarks",
    "ev_effects": "Effects reported",
    "ev_col_effect": "Effect",
    "ev_col_measure": "Effect measure",
    "ev_col_raw": "Raw data",
    "ev_col_group": "Group of children",
    "ev_analyse_like": "Pool this study with others of the same interventions",
    "ev_analysis": "Meta-analysis",
    "ev_analysis_lead": (
        "Choose the studies to pool: the pooled effect, its heterogeneity, the plots and the "
        "tests of small-study effects are computed on the server by the same functions as the "
        "command line."
    ),
    "ev_method": "Estimator of tau²",
    "ev_test": "Test of the estimate",
    "ev_test_z": "z test",
    "ev_test_knha": "Knapp-Hartung adjustment",
    "ev_pooled": "Pooled effect",
    "ev_subgroups": "By intervention",
    "ev_plots": "Forest and funnel plots",
    "ev_bias": "Small-study effects and publication bias",
    "ev_citations": "Studies included",
    "ev_pooled_text": (
        "{k} effects from {studies} studies, measure {measure}, random-effects estimator "
        "{method}, {test} test."
    ),
    "ev_estimate": "Pooled estimate",
    "ev_ci": "{level} % confidence interval",
    "ev_pi": "Prediction interval",
    "ev_single_groups": (
        "Not pooled by intervention: some interventions have a single effect ({groups})."
    ),
    "ev_difference": "Test of the difference between interventions: {stat} = {value}, p {p}.",
    "ev_bias_test": "Test",
    "ev_bias_result": "Result",
    "ev_egger": "Egger's regression test",
    "ev_limit_estimate": "limit estimate",
    "ev_not_computed": "Could not be computed:",
    "ev_begg": "Begg's rank correlation test",
    "ev_trimfill": "Trim-and-fill",
    "ev_trimfill_text": (
        "{k0} studies estimated missing on the {side}; estimate after filling {estimate}."
    ),
    "ev_side_left": "left side",
    "ev_side_right": "right side",
    "ev_download_csv": "The effects analysed, with their citations (CSV)",
    "ev_download_json": "The results with metafor's names (JSON)",
    "ev_download_r": "An R script that reproduces the analysis with metafor",
    "ev_design_rct": "Randomised controlled trial",
    "ev_design_quasi_experimental": "Quasi-experimental study",
    "ev_quality_high": "High quality",
    "ev_quality_moderate": "Moderate quality",
    "ev_quality_low": "Low quality",
    "ev_quality_very_low": "Very low quality",
    "ev_sex_total": "Girls and boys",
    "ev_cannot_analyse": "This analysis could not be run",
    "ev_unknown_filter": "Unknown value for {field}: {value}.",
    "ev_mixed_measures": (
        "The effects chosen use several effect measures ({measures}): choose one measure to pool."
    ),
    "ev_too_few": "Only {k} effect matches: pooling needs at least two effects.",
    "ev_no_effects": "No effect matches these filters: choose fewer filters.",
    "ev_chart_study": "Effect of the study",
    "ev_chart_estimate": "Estimate of the effect",
    "ev_chart_weight": "Weight in the pooled estimate (%)",
    "ev_chart_summary": "Pooled estimates",
    "ev_chart_overall_kind": "all studies",
    "ev_chart_subgroup_kind": "one intervention",
    "ev_chart_se": "Standard error of the effect",
    "ev_chart_contours": "Significance around zero (two-sided p)",
    "ev_chart_observed": "Studies found",
    "ev_chart_filled": "Studies filled in by trim-and-fill",
    "ev_chart_studies": "Kind of study",
    "ev_chart_overall": "All studies ({method} model)",
    "ev_chart_pi": "{level} % prediction interval",
    "ev_chart_ci_low": "Lower bound of the {level} % interval",
    "ev_chart_ci_high": "Upper bound of the {level} % interval",
    "ev_measure_axis": "Effect size ({measure})",
    "ev_forest": "Forest plot of the effects",
    "ev_funnel": "Funnel plot of the effects",
    "ev_forest_text": (
        "Each effect with its confidence interval, sized by its weight; the diamonds are the "
        "pooled estimates ({k} effects, {method})."
    ),
    "ev_funnel_text": (
        "Each of the {k} effects against its standard error; an asymmetric funnel suggests "
        "small-study effects."
    ),
    "ev_country_studies": "Impact evaluations in this country",
    "ev_country_none": "No impact evaluation of the evidence base took place in this country.",
    "ev_country_more": "Browse these studies in the evidence base",
}
