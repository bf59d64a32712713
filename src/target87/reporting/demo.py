"""Demonstration accounts and data (fictional): ``target87 reporting demo`` and the tests,
pages and benchmarks that need a working instance.

Creates an administrator, a secretariat reviewer, a focal point and a viewer for Nepal, a
focal point for Uganda (to show that one country cannot see another's work), three national
series, the agreed indicators of both countries and a short roadmap for Nepal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.reporting.accounts import create_user
from target87.reporting.errors import FieldProblem, ValidationFailed
from target87.reporting.indicators import define_national_series, set_agreed_indicators
from target87.reporting.models import User
from target87.reporting.permissions import Actor
from target87.reporting.roadmap import create_action, create_commitment

DOMAIN = "demo.target87.org"
ACCOUNTS = (  # (local part, name, role, country)
    ("admin", "Demo Administrator", "admin", None),
    ("secretariat", "Demo Secretariat Reviewer", "secretariat", None),
    ("focal.npl", "Demo Focal Point, Nepal", "focal_point", "NPL"),
    ("viewer.npl", "Demo Viewer, Nepal", "viewer", "NPL"),
    ("focal.uga", "Demo Focal Point, Uganda", "focal_point", "UGA"),
)
NATIONAL_SERIES = (  # code, (en, fr, es), unit, direction
    (
        "NAT_LAB_INSP",
        ("Labour inspections carried out", "Inspections du travail effectuées",
         "Inspecciones de trabajo realizadas"),
        "NUMBER", "higher_is_better",
    ),
    (
        "NAT_CHLD_WDRN",
        ("Children withdrawn from child labour and referred to services",
         "Enfants retirés du travail des enfants et orientés vers des services",
         "Niños retirados del trabajo infantil y derivados a servicios"),
        "NUMBER", "higher_is_better",
    ),
    (
        "NAT_HTF_CONV",
        ("Convictions for trafficking in persons", "Condamnations pour traite des personnes",
         "Condenas por trata de personas"),
        "NUMBER", "higher_is_better",
    ),
)  # fmt: skip
AGREED = ["SL_TLF_CHLDEC", "SL_TLF_CHLDEA", "VC_HTF_DETV*", *(s[0] for s in NATIONAL_SERIES)]
MINISTRY = "Ministry of Labour, Employment and Social Security (demo)"


@dataclass
class Demo:
    passwords: dict[str, str] = field(default_factory=dict)  # email -> password
    commitments: list[int] = field(default_factory=list)

    def email(self, local: str) -> str:
        return f"{local}@{DOMAIN}"


def seed_demo(session: Session, password: str | None = None) -> Demo:
    """Create the demonstration set (once); ``password`` for every account, else random ones."""
    if session.execute(select(User.id).where(User.email.like(f"%@{DOMAIN}"))).first():
        raise ValidationFailed([FieldProblem(None, "the demonstration accounts exist already")])
    actor = Actor(None, None, system="demo set-up")
    demo = Demo()
    for local, name, role, country in ACCOUNTS:
        secret = password or secrets.token_urlsafe(12)
        create_user(session, actor, demo.email(local), name, secret, role, country)
        demo.passwords[demo.email(local)] = secret
    for code, (en, fr, es), unit, direction in NATIONAL_SERIES:
        names = {"en": en, "fr": fr, "es": es}
        define_national_series(session, actor, code, names, unit, direction)
    for country in ("NPL", "UGA"):
        set_agreed_indicators(session, actor, country, AGREED)
    kilns = create_commitment(
        session, actor, "NPL", "End child labour in brick kilns by 2025 (demo)",
        "Fictional demonstration commitment.",
    )  # fmt: skip
    create_action(session, actor, kilns.id, {
        "title": "Train and deploy 200 labour inspectors", "owner_institution": MINISTRY,
        "start_date": "2023-01-15", "due_date": "2024-12-31", "budget_amount": 150000,
        "budget_currency": "USD", "funded_share": 0.6, "status": "under_way",
        "progress_notes": "120 inspectors trained by mid-2024.",
        "targets": [{"series": "NAT_LAB_INSP", "target_value": 1200, "target_year": 2025},
                    {"series": "SL_TLF_CHLDEC", "target_value": 0, "target_year": 2025}],
    })  # fmt: skip
    create_action(session, actor, kilns.id, {
        "title": "Register every brick kiln", "owner_institution": "Department of Labour (demo)",
        "start_date": "2022-06-01", "due_date": "2023-06-30", "status": "done",
    })  # fmt: skip
    courts = create_commitment(
        session, actor, "NPL", "Prosecute trafficking for forced labour (demo)",
        "Fictional demonstration commitment.",
    )  # fmt: skip
    create_action(session, actor, courts.id, {
        "title": "Specialised court benches for trafficking cases",
        "owner_institution": "Supreme Court (demo)", "start_date": "2024-01-01",
        "due_date": "2025-06-30", "budget_amount": 25000000, "budget_currency": "NPR",
        "funded_share": 0.2, "status": "delayed",
        "targets": [{"series": "NAT_HTF_CONV", "target_value": 300, "target_year": 2026}],
    })  # fmt: skip
    demo.commitments = [kilns.id, courts.id]
    return demo
