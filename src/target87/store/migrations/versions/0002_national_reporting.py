"""national reporting: accounts, login attempts, append-only audit trail, agreed indicators,
roadmaps, annual reports (values, narratives, review comments, attachments)

The audit table gets triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL):
whatever the application does, the database keeps the trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_event is append-only: events cannot be changed or deleted"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}")
    )


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _stamps(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.DateTime(), nullable=False) for n in names]


def upgrade() -> None:
    op.create_table(
        "audit_event",
        _id(),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=160), nullable=False),
        sa.Column("country", sa.String(length=32), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        _pk("audit_event"),
    )
    _index("audit_event", "country")
    _index("audit_event", "report_id")
    op.create_table(
        "login_attempt",
        _id(),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        _pk("login_attempt"),
    )
    op.create_index("ix_login_attempt_key", "login_attempt", ["email", "ip", "at"], unique=False)
    op.create_table(
        "user_account",
        _id(),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps("created_at"),
        sa.Column("auth_epoch", sa.Integer(), nullable=False),
        _fk("user_account", "country", "area.code"),
        _pk("user_account"),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "agreed_indicator",
        _id(),
        sa.Column("country", sa.String(length=32), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("breakdowns", sa.Text(), nullable=False),
        *_stamps("added_at"),
        sa.Column("added_by", sa.Text(), nullable=False),
        _fk("agreed_indicator", "country", "area.code"),
        _fk("agreed_indicator", "series", "series.code"),
        _pk("agreed_indicator"),
        sa.UniqueConstraint("country", "series", name="uq_agreed_indicator_key"),
    )
    op.create_table(
        "roadmap_commitment",
        _id(),
        sa.Column("country", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        *_stamps("created_at", "updated_at"),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("roadmap_commitment", "country", "area.code"),
        _pk("roadmap_commitment"),
    )
    _index("roadmap_commitment", "country")
    op.create_table(
        "roadmap_action",
        _id(),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_institution", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("budget_amount", sa.Float(), nullable=True),
        sa.Column("budget_currency", sa.String(length=3), nullable=True),
        sa.Column("funded_share", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress_notes", sa.Text(), nullable=True),
        *_stamps("created_at", "updated_at"),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("roadmap_action", "commitment_id", "roadmap_commitment.id"),
        _pk("roadmap_action"),
    )
    _index("roadmap_action", "commitment_id")
    op.create_table(
        "roadmap_target",
        _id(),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        _fk("roadmap_target", "action_id", "roadmap_action.id"),
        _fk("roadmap_target", "series", "series.code"),
        _pk("roadmap_target"),
        sa.UniqueConstraint("action_id", "series", name="uq_roadmap_target_key"),
    )
    op.create_table(
        "national_report",
        _id(),
        sa.Column("country", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ministry", sa.Text(), nullable=False),
        *_stamps("created_at", "updated_at"),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("roadmap_snapshot", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("national_report", "country", "area.code"),
        _fk("national_report", "source_id", "source.id"),
        _pk("national_report"),
        sa.UniqueConstraint("country", "year", name="uq_national_report_key"),
    )
    op.create_table(
        "report_value",
        _id(),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("time_period", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=4), nullable=False),
        sa.Column("age", sa.String(length=16), nullable=False),
        sa.Column("urbanisation", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column("obs_status", sa.String(length=4), nullable=False),
        sa.Column("nature", sa.String(length=4), nullable=True),
        sa.Column("footnote", sa.Text(), nullable=True),
        _fk("report_value", "report_id", "national_report.id"),
        _fk("report_value", "series", "series.code"),
        _pk("report_value"),
        sa.UniqueConstraint(
            "report_id", "series", "time_period", "sex", "age", "urbanisation",
            name="uq_report_value_key",
        ),
    )  # fmt: skip
    op.create_table(
        "report_narrative",
        _id(),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        *_stamps("updated_at"),
        sa.Column("updated_by", sa.Text(), nullable=False),
        _fk("report_narrative", "commitment_id", "roadmap_commitment.id"),
        _fk("report_narrative", "report_id", "national_report.id"),
        _pk("report_narrative"),
        sa.UniqueConstraint("report_id", "commitment_id", name="uq_report_narrative_key"),
    )
    op.create_table(
        "review_comment",
        _id(),
        sa.Column("report_id", sa.Integer(), nullable=False),
        *_stamps("at"),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("transition", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("review_comment", "report_id", "national_report.id"),
        _pk("review_comment"),
    )
    _index("review_comment", "report_id")
    op.create_table(
        "report_attachment",
        _id(),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        *_stamps("uploaded_at"),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        _fk("report_attachment", "report_id", "national_report.id"),
        _pk("report_attachment"),
    )
    _index("report_attachment", "report_id")
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    # Dependants first; SQLite drops a table's triggers with it.
    for table in (
        "report_attachment",
        "review_comment",
        "report_narrative",
        "report_value",
        "national_report",
        "roadmap_target",
        "roadmap_action",
        "roadmap_commitment",
        "agreed_indicator",
        "user_account",
        "login_attempt",
        "audit_event",
    ):
        op.drop_table(table)
