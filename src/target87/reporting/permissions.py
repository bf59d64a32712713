"""Who may do what: the one place that decides (the web pages and the CLI both ask here).

A role grants each action either everywhere (``ANY``) or only for the user's own country
(``OWN``). The public (no user) may read published data and nothing else; a disabled account
may do nothing. Admins hold every right; the secretariat reviews, publishes and configures for
all countries but does not write a country's roadmap or report (separation of duties); a focal
point writes its own country's; a viewer reads its own country's unpublished work.
"""

from __future__ import annotations

from dataclasses import dataclass

from target87.reporting.errors import Forbidden
from target87.reporting.models import User

ANY, OWN = "any", "own"
ACTIONS = (
    "read_published",
    "read_unpublished",
    "edit_roadmap",
    "edit_report",
    "submit",
    "review",
    "publish",
    "manage_users",
    "configure_indicators",
    "read_audit",
)
GRANTS: dict[str, dict[str, str]] = {
    "admin": dict.fromkeys(ACTIONS, ANY),
    "secretariat": {
        "read_published": ANY,
        "read_unpublished": ANY,
        "review": ANY,
        "publish": ANY,
        "configure_indicators": ANY,
        "read_audit": ANY,
    },
    "focal_point": {
        "read_published": ANY,
        "read_unpublished": OWN,
        "edit_roadmap": OWN,
        "edit_report": OWN,
        "submit": OWN,
        "read_audit": OWN,
    },
    "viewer": {"read_published": ANY, "read_unpublished": OWN},
}
PUBLIC = {"read_published"}


def allowed(role: str | None, own_country: str | None, action: str, country: str | None) -> bool:
    """The rule itself, on plain values (``role`` None = the public)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if role is None:
        return action in PUBLIC
    scope = GRANTS.get(role, {}).get(action)
    if scope == ANY:
        return True
    return scope == OWN and country is not None and country == own_country


def authorize(user: User | None, action: str, country: str | None = None) -> None:
    """Raise ``Forbidden`` unless ``user`` (None = the public) may do ``action`` for
    ``country``. Country-scoped rights need the country: without one they are refused."""
    if user is not None and not user.active:
        raise Forbidden(f"the account {user.email} is disabled")
    role = user.role if user is not None else None
    if allowed(role, user.country if user else None, action, country):
        return
    who = "the public" if user is None else f"{user.email} ({user.role}, {user.country or '-'})"
    where = f" for {country}" if country else ""
    raise Forbidden(f"{who} may not {action.replace('_', ' ')}{where}")


def visible_countries(user: User | None) -> set[str] | None:
    """Countries whose unpublished work ``user`` may read; None means every country."""
    if user is None or not user.active:
        return set()
    scope = GRANTS.get(user.role, {}).get("read_unpublished")
    if scope == ANY:
        return None
    return {user.country} if scope == OWN and user.country else set()


@dataclass(frozen=True)
class Actor:
    """Who is acting, from where: a signed-in user (None = the public) and the client's IP.

    ``system`` names an operator acting on the instance itself (the command line run on the
    server): it holds every right, and the audit trail records its name.
    """

    user: User | None
    ip: str | None = None
    system: str | None = None

    @classmethod
    def command_line(cls) -> Actor:
        return cls(None, None, system="command line")

    @property
    def label(self) -> str:
        if self.system:
            return self.system
        return self.user.label if self.user is not None else "the public"


def require(actor: Actor, action: str, country: str | None = None) -> None:
    if actor.system:
        return
    authorize(actor.user, action, country)
