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
    "ev_chart_subgroup_kind": "one subgroup",
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
    "ev_action_intervention": "Intervention type in the evidence base",
    "ev_action_no_intervention": "None (no link to the evidence)",
    "ev_action_intervention_note": (
        "Link the action to an intervention type: the roadmap then shows what impact "
        "evaluations of that type found."
    ),
    "ev_roadmap_evidence": "What the evidence says about {name}",
    "ev_roadmap_no_effects": "The evidence base holds no effects for this intervention type yet.",
    "ev_roadmap_method": (
        "Pooled by random effects (REML) per outcome and effect measure, with the 95 % "
        "confidence interval."
    ),
    "ev_roadmap_k": "Effects (studies)",
    "ev_roadmap_single": "a single effect: not pooled",
    "ev_roadmap_cannot_pool": "could not be pooled",
    "ev_roadmap_open": "Open the analysis",
    "ev_roadmap_open_all": "All the evidence on {name}",
    "ev_moderators": "Moderators (meta-regression)",
    "ev_subgroup_by": "Subgroups by",
    "ev_subgroup_auto": "Intervention, when there are several",
    "ev_several": "Several effects per study",
    "ev_several_none": "Effects treated as independent",
    "ev_several_cr2": "Cluster-robust errors by study (CR2)",
    "ev_several_multilevel": "Multilevel model (effects within studies)",
    "ev_several_multilevel_cr2": "Multilevel model with cluster-robust errors (CR2)",
    "ev_coefficient": "Coefficient",
    "ev_col_estimate": "Estimate",
    "ev_se": "Standard error",
    "ev_df": "Degrees of freedom",
    "ev_intercept": "Intercept",
    "ev_own_moderator": "Moderator of the data set: {name}",
    "ev_test_moderators": "Test of the moderators: {stat} = {value}, p {p}.",
    "ev_regression": "Meta-regression",
    "ev_regression_text": (
        "Mixed-effects model of {k} effects (estimator {method}): residual τ² = {tau2}; share "
        "of the heterogeneity the moderators account for (pseudo R²) = {r2}."
    ),
    "ev_residual_q": "Residual heterogeneity: QE({df}) = {value}, p {p}.",
    "ev_regression_caption": "Coefficients of the meta-regression",
    "ev_robust_caption": "Cluster-robust coefficients (CR2, Satterthwaite degrees of freedom)",
    "ev_subgroups_heading": "Subgroups",
    "ev_subgroups_caption": "A separate random-effects model for each value of: {field}",
    "ev_difference_common": (
        "Test of the difference between the subgroups (one model with a common τ²): "
        "{stat}({df}) = {value}, p {p}."
    ),
    "ev_q_between": "Separate models compared: Q between subgroups ({df} df) = {value}, p {p}.",
    "ev_robust_text": (
        "Standard errors robust to several effects per study: {n} studies as clusters ({k} "
        "effects), CR2 with Satterthwaite degrees of freedom, as metafor's robust(..., "
        "clubSandwich = TRUE)."
    ),
    "ev_multilevel_text": (
        "Three-level model ({method}) of {k} effects in {studies} studies: σ² between studies "
        "= {s1}, σ² between effects within a study = {s2}."
    ),
    "ev_multilevel_reml": (
        "The multilevel model is fitted by REML: the estimator chosen ({method}) applies to "
        "the other models."
    ),
    "ev_multilevel_caption": "Coefficients of the multilevel model",
    "ev_choice_constant": (
        "The moderator “{field}” takes one value only among the effects chosen ({value}): "
        "choose another moderator or more studies."
    ),
    "ev_choice_missing": (
        "{value} of the effects chosen have no value for “{field}”: choose another field or "
        "leave those studies out."
    ),
    "ev_choice_one_group": (
        "Every effect chosen has the same “{field}” ({value}): there are no subgroups to compare."
    ),
    "ev_choice_single_group": (
        "The subgroup {value} of “{field}” has a single effect: its heterogeneity (τ²) cannot "
        "be estimated. Choose another field or more studies."
    ),
    "ev_choice_too_few_studies": (
        "Only {value} study matches: models of several effects per study need at least two studies."
    ),
    "ev_choice_absent": (
        "The effects chosen do not record the moderator “{value}”: choose another moderator."
    ),
}
