"""UI texts of the design (issue 18), by key, in English; French and Spanish in the catalogues
(``locale/<lang>/LC_MESSAGES/messages.po``), as for ``messages.MESSAGES``."""

from __future__ import annotations

DESIGN_MESSAGES: dict[str, str] = {
    # The site footer (base.html): how to cite, the licences, links.
    "footer_cite_h": "How to cite",
    "footer_cite_intro": (
        "Cite each figure by the source given beside it, and the platform as follows:"
    ),
    "footer_citation": (
        "target87 contributors. target87: an open data platform for UN Sustainable "
        "Development Goal Target 8.7 [software]."
    ),
    "footer_licence_h": "Licences",
    "footer_licence": "The target87 software is free and open source under the MIT licence.",
    "footer_data_licences": "Licences and citations of the data sources",
    "footer_about": "About target87 and its methods",
}
