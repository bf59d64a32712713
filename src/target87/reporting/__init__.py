"""National reporting for Pathfinder Countries: accounts and roles, roadmaps, agreed
indicators, annual reports with review and publication, and an append-only audit trail.

Every function takes a SQLAlchemy ``Session`` and an ``Actor`` (the signed-in user or None
for the public, and the client's IP): the web pages and the CLI call the same functions, and
``permissions.authorize`` decides every read of unpublished data and every write. Each write
is one transaction with its audit event(s); see ``locking`` for the optimistic locks.

from target87 import reporting as R
actor = R.Actor(user, ip="203.0.113.9")
report = R.open_report(session, actor, "NPL", 2024)
R.save_values(session, actor, report.id, {"SL_TLF_CHLDEC:2024:_T:Y5T17:_T": "15.3"},
              expected_version=report.version)
"""

from target87.reporting import audit as _audit  # noqa: F401  (registers the audit guards)
from target87.reporting.accounts import (
    create_user,
    find_user,
    list_users,
    login,
    set_active,
    set_password,
    set_role,
    sign_out_everywhere,
)
from target87.reporting.action_fields import clean_action, overdue
from target87.reporting.attachments import (
    add_attachment,
    attachments,
    content_disposition,
    default_data_dir,
    delete_attachment,
    detect_kind,
    read_attachment,
)
from target87.reporting.audit import events_for_country, events_for_report
from target87.reporting.cells import Cell, report_cells, report_source_id
from target87.reporting.demo import seed_demo
from target87.reporting.errors import (
    AttachmentRefused,
    AuditImmutable,
    ConflictError,
    FieldProblem,
    Forbidden,
    LoginFailed,
    NotFound,
    RateLimited,
    ReportingError,
    StateError,
    ValidationFailed,
)
from target87.reporting.indicators import (
    agreed_indicators,
    define_national_series,
    set_agreed_indicators,
)
from target87.reporting.locking import writing
from target87.reporting.models import (
    AgreedIndicator,
    Attachment,
    AuditEvent,
    Commitment,
    Report,
    ReportValue,
    User,
)
from target87.reporting.permissions import Actor, authorize, visible_countries
from target87.reporting.publish import export_sdmx, publish, values_frame
from target87.reporting.reports import (
    SaveResult,
    comments,
    get_report,
    list_reports,
    narratives,
    open_report,
    report_values,
    save_narrative,
    save_values,
)
from target87.reporting.roadmap import (
    create_action,
    create_commitment,
    delete_action,
    delete_commitment,
    roadmap,
    update_action,
    update_commitment,
)
from target87.reporting.sessions import (
    SessionPolicy,
    check_csrf,
    csrf_token,
    end_session,
    end_sessions,
    instance_secret,
    is_current,
    open_sessions,
    read_session_token,
    session_user,
    start_session,
)
from target87.reporting.upload import upload_template, write_report_template
from target87.reporting.workflow import approve, return_report, submit

__all__ = [
    "sign_out_everywhere",
    "writing",
    "start_session",
    "open_sessions",
    "is_current",
    "end_sessions",
    "end_session",
    "SessionPolicy",
    "Actor",
    "AgreedIndicator",
    "Attachment",
    "AttachmentRefused",
    "AuditEvent",
    "AuditImmutable",
    "Cell",
    "Commitment",
    "ConflictError",
    "FieldProblem",
    "Forbidden",
    "LoginFailed",
    "NotFound",
    "RateLimited",
    "Report",
    "ReportValue",
    "ReportingError",
    "SaveResult",
    "StateError",
    "User",
    "ValidationFailed",
    "add_attachment",
    "agreed_indicators",
    "approve",
    "attachments",
    "authorize",
    "check_csrf",
    "clean_action",
    "comments",
    "content_disposition",
    "create_action",
    "create_commitment",
    "create_user",
    "csrf_token",
    "default_data_dir",
    "define_national_series",
    "delete_action",
    "delete_attachment",
    "delete_commitment",
    "detect_kind",
    "events_for_country",
    "events_for_report",
    "export_sdmx",
    "find_user",
    "get_report",
    "instance_secret",
    "list_reports",
    "list_users",
    "login",
    "narratives",
    "open_report",
    "overdue",
    "publish",
    "read_attachment",
    "read_session_token",
    "report_cells",
    "report_source_id",
    "report_values",
    "return_report",
    "roadmap",
    "save_narrative",
    "save_values",
    "seed_demo",
    "session_user",
    "set_active",
    "set_agreed_indicators",
    "set_password",
    "set_role",
    "submit",
    "update_action",
    "update_commitment",
    "upload_template",
    "values_frame",
    "visible_countries",
    "write_report_template",
]
