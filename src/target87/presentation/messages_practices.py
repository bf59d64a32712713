"""UI texts of the library's good practices and directory of services (issue 21), by key, in
English; French and Spanish in the catalogues (``locale/<lang>/LC_MESSAGES/messages.po``), as
for ``messages.MESSAGES``. ``gp_``: good practices, ``sv_``: the directory, ``rec_``: both."""

from __future__ import annotations

PRACTICES_MESSAGES: dict[str, str] = {
    "gp_title": "Good practices",
    "gp_one": "Good practice",
    "gp_lead": (
        "What countries did against child labour, forced labour and trafficking, what it "
        "achieved and what was learned: each practice reviewed before publication."
    ),
    "gp_new": "Add a good practice",
    "gp_edit": "Edit the good practice",
    "gp_theme": "Themes",
    "gp_intervention": "Intervention",
    "gp_intervention_type": "Intervention type (evidence base)",
    "gp_no_intervention_type": "None of the types",
    "gp_target_group": "Target group",
    "gp_what_was_done": "What was done",
    "gp_results": "Results",
    "gp_evidence": "Evidence of the results",
    "gp_lessons": "Lessons learned",
    "gp_contact": "Contact (an organisation's)",
    "gp_evidence_link": "Pooled evidence for this intervention type",
    "gp_actions": "Roadmap actions it informs",
    "gp_actions_note": "Only actions of the practice's own country can be linked.",
    "gp_actions_count": "Informs {n} action(s) of the national roadmap.",
    "gp_no_actions": "Not linked to a roadmap action.",
    "gp_no_roadmap": "The country has no roadmap action yet.",
    "sv_title": "Directory of services",
    "sv_lead": (
        "National rapporteurs, coordination bodies, labour inspectorates, hotlines, shelters,"
        " referral mechanisms and child protection services, country by country, with the "
        "date each entry was checked."
    ),
    "sv_new": "Add a service",
    "sv_edit": "Edit the directory entry",
    "sv_name": "Name of the organisation or service",
    "sv_type": "Type of service",
    "sv_description": "What it does",
    "sv_phone": "Phone",
    "sv_email": "Email",
    "sv_website": "Website",
    "sv_address": "Address",
    "sv_languages": "Languages spoken",
    "sv_languages_note": "Two-letter codes separated by ; (ne;en).",
    "sv_source": "Where the entry was read",
    "sv_source_note": "A website, a directory or a call: say which.",
    "sv_checked_on": "Checked on",
    "sv_type_national_rapporteur": "National rapporteur",
    "sv_type_coordination_body": "Coordination body",
    "sv_type_labour_inspectorate": "Labour inspectorate",
    "sv_type_hotline": "Hotline",
    "sv_type_shelter": "Shelter",
    "sv_type_referral_mechanism": "Referral mechanism",
    "sv_type_child_protection": "Child protection service",
    "sv_type_other": "Other service",
    "rec_theme_child_labour": "Child labour",
    "rec_theme_forced_labour": "Forced labour",
    "rec_theme_trafficking": "Trafficking in persons",
    "rec_theme_supply_chains": "Supply chains",
    "rec_theme_education": "Education",
    "rec_theme_social_protection": "Social protection",
    "rec_theme_migration": "Migration",
    "rec_theme_climate": "Climate",
    "rec_theme_indigenous_peoples": "Indigenous peoples",
    "rec_theme_gender": "Gender",
    "rec_theme_crisis": "Crises",
    # Languages by their own names, as language switchers write them: the same in every
    # language of the site.
    "rec_lang_en": "English",
    "rec_lang_fr": "Français",
    "rec_lang_es": "Español",
    "rec_written_in": "Written in",
    "rec_source_url": "Link to the source",
    "rec_count": "{n} record(s).",
    "rec_none": "Nothing found with these filters.",
    "rec_filter": "Filter",
    "rec_review_queue": "Waiting for review",
    "rec_review_lead": "Submitted records you may return with a note or publish.",
    "rec_review_empty": "Nothing is waiting for review.",
    "rec_updated": "Last change",
    "rec_workflow": "Review and publication",
    "rec_edit": "Edit",
    "rec_submit": "Submit for review",
    "rec_delete": "Delete this draft",
    "rec_publish": "Publish",
    "rec_return": "Return with this note",
    "rec_return_note": "What must change (required to return it)",
    "rec_returned_note": "Returned by the reviewer:",
    "rec_form_problems": "Nothing was saved: correct the fields marked below.",
    "rec_no_personal_data": (
        "Never enter personal data about victims or survivors: names, stories or contacts of "
        "people. A record describes an organisation's work."
    ),
    "rec_contact_note": "The organisation's public contact, never a private person's.",
    "rec_done_saved": "Saved as a draft.",
    "rec_done_submitted": "Submitted for review.",
    "rec_done_returned": "Returned with your note.",
    "rec_done_published": "Published.",
    "rec_done_deleted": "The draft was deleted.",
}
