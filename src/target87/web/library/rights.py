"""Who may add documents to the library: the secretariat and admins (any document), a
country's focal point (documents about its own country). The rule the upload form enforces
and the search page follows to offer the link."""

from __future__ import annotations

from target87.reporting.permissions import allowed


def may_upload(user) -> bool:
    if user is None or not user.active:
        return False
    return allowed(user.role, user.country, "publish", None) or (
        user.country is not None and allowed(user.role, user.country, "edit_report", user.country)
    )
