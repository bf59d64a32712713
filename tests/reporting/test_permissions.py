"""The one place that decides: every role against every action, own country and another."""

from __future__ import annotations

import pytest

from target87.reporting.errors import Forbidden
from target87.reporting.models import User
from target87.reporting.permissions import ACTIONS, allowed, authorize, visible_countries

# What the brief and issue 6 say each role does, written out as the table it implies:
# (role, action) -> allowed for its own country, allowed for another country.
EXPECTED = {
    "admin": {a: (True, True) for a in ACTIONS},
    "secretariat": {
        "read_published": (True, True),
        "read_unpublished": (True, True),
        "edit_roadmap": (False, False),
        "edit_report": (False, False),
        "submit": (False, False),
        "review": (True, True),
        "publish": (True, True),
        "manage_users": (False, False),
        "configure_indicators": (True, True),
        "read_audit": (True, True),
    },
    "focal_point": {
        "read_published": (True, True),
        "read_unpublished": (True, False),
        "edit_roadmap": (True, False),
        "edit_report": (True, False),
        "submit": (True, False),
        "review": (False, False),
        "publish": (False, False),
        "manage_users": (False, False),
        "configure_indicators": (False, False),
        "read_audit": (True, False),
    },
    "viewer": {
        "read_published": (True, True),
        "read_unpublished": (True, False),
        **dict.fromkeys(
            ["edit_roadmap", "edit_report", "submit", "review", "publish", "manage_users",
             "configure_indicators", "read_audit"],
            (False, False),
        ),
    },
}  # fmt: skip


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_role_and_action_for_its_own_country_and_another(role, action):
    own_country = "NPL" if role in ("focal_point", "viewer") else None
    own, other = EXPECTED[role][action]
    assert allowed(role, own_country, action, "NPL") is own
    assert allowed(role, own_country, action, "UGA") is other


@pytest.mark.parametrize("action", ACTIONS)
def test_the_public_reads_published_data_and_nothing_else(action):
    assert allowed(None, None, action, "NPL") is (action == "read_published")
    if action != "read_published":
        with pytest.raises(Forbidden, match="the public may not"):
            authorize(None, action, "NPL")


def test_a_country_right_without_a_country_is_refused():
    focal = User(email="f@x.org", role="focal_point", country="NPL", active=True)
    with pytest.raises(Forbidden, match="may not edit report$"):
        authorize(focal, "edit_report")
    authorize(focal, "edit_report", "NPL")


def test_a_disabled_account_may_do_nothing_not_even_read():
    admin = User(email="a@x.org", role="admin", country=None, active=False)
    with pytest.raises(Forbidden, match="disabled"):
        authorize(admin, "read_published")
    assert visible_countries(admin) == set()


def test_unknown_actions_and_roles_are_not_silently_allowed():
    with pytest.raises(ValueError, match="unknown action"):
        allowed("admin", None, "delete_everything", None)
    assert not allowed("superuser", None, "read_unpublished", "NPL")


def test_visible_countries_per_role():
    def user(role, country=None):
        return User(email="u@x.org", role=role, country=country, active=True)

    assert visible_countries(user("secretariat")) is None
    assert visible_countries(user("focal_point", "NPL")) == {"NPL"}
    assert visible_countries(user("viewer", "UGA")) == {"UGA"}
    assert visible_countries(None) == set()
