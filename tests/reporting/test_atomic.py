"""Nothing lost: a submission that fails or is killed half-way leaves the previous state."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.models import Report

from .conftest import CHLDEC_T, actor, audit, draft


def state_of(engine, report_id: int) -> tuple:
    with Session(engine) as s:
        report = s.get(Report, report_id)
        events = [e.action for e in audit(s, report_id=report_id)]
        return report.state, report.version, report.submitted_at, events


def test_a_failure_after_the_state_is_written_rolls_the_submission_back(rep_engine):
    with Session(rep_engine) as s:
        report = draft(s, {CHLDEC_T: "15.3"})
        report_id, version = report.id, report.version
    before = state_of(rep_engine, report_id)
    with Session(rep_engine) as s:

        @event.listens_for(s, "after_flush")
        def crash(session, _context):
            assert session.get(Report, report_id).state == "submitted"  # written, not committed
            raise RuntimeError("simulated crash before commit")

        with pytest.raises(RuntimeError, match="simulated crash"):
            reporting.submit(s, actor(s, "focal.npl"), report_id, version)
    assert state_of(rep_engine, report_id) == before
    assert before[0] == "draft" and "report.submit" not in before[3]


KILLED_SUBMISSION = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from target87 import reporting, store

    engine = store.make_engine(sys.argv[1])
    with Session(engine) as s:
        @event.listens_for(s, "after_flush")
        def pause(session, context):
            print("MIDWAY", flush=True)  # the state and its event are written, not committed
            time.sleep(600)

        user = reporting.find_user(s, sys.argv[2])
        reporting.submit(s, reporting.Actor(user), int(sys.argv[3]), int(sys.argv[4]))
    """
)


@pytest.mark.slow
def test_a_submission_killed_halfway_leaves_the_report_as_it_was(rep_url, rep_engine):
    with Session(rep_engine) as s:
        report = draft(s, {CHLDEC_T: "15.3"})
        args = [str(report.id), str(report.version)]
        who = actor(s, "focal.npl").user.email
    before = state_of(rep_engine, report.id)
    rep_engine.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_SUBMISSION, rep_url, who, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "MIDWAY", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert state_of(rep_engine, report.id) == before
    # And the report still moves on normally afterwards.
    with Session(rep_engine) as s:
        assert reporting.submit(s, actor(s, "focal.npl"), report.id, before[1]).state == "submitted"
