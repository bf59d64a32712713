"""Sign-in limits that an attacker cannot walk around by changing address, and that a
stranger cannot turn against an account's owner for long (issue 15, item 2)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from target87 import reporting
from target87.reporting.accounts import (
    ADDRESS_FAILURES,
    FIRST_WAIT,
    LONGEST_WAIT,
    MAX_FAILURES,
)

from .conftest import PASSWORD, email

NOW = datetime(2030, 1, 1, 9, 0)


def guess(db, who: str, ip: str, at: datetime) -> str:
    """A wrong password: "failed" (checked and wrong) or "waits" (refused unchecked)."""
    try:
        reporting.login(db, who, "wrong password", ip, at)
    except reporting.LoginFailed:
        return "failed"
    except reporting.RateLimited:
        return "waits"
    raise AssertionError("a wrong password was accepted")


def test_twelve_addresses_guessing_one_account_do_not_get_it(db):
    who = email("focal.npl")
    for i in range(12):
        at = NOW + timedelta(seconds=i * 60)
        guess(db, who, f"198.51.100.{i + 1}", at)
    with pytest.raises(reporting.RateLimited):  # the right password, from a 13th address
        reporting.login(db, who, PASSWORD, "198.51.100.200", NOW + timedelta(minutes=12))


def test_the_wait_grows_with_each_failure_and_is_bounded(db):
    who = email("viewer.npl")
    waits, at = [], NOW
    for i in range(MAX_FAILURES + 8):
        ip = f"192.0.2.{i + 1}"
        assert guess(db, who, ip, at) == "failed"
        if i + 1 >= MAX_FAILURES:
            with pytest.raises(reporting.RateLimited) as info:
                reporting.login(db, who, "wrong password", "192.0.2.250", at)
            waits.append(info.value.retry_after)
            at += timedelta(seconds=info.value.retry_after)  # the attacker waits it out
        else:
            at += timedelta(seconds=1)
    assert waits[0] == FIRST_WAIT.total_seconds()
    assert waits == sorted(waits) and waits[1] == 2 * waits[0]
    assert max(waits) == LONGEST_WAIT.total_seconds()


def test_the_owner_signs_in_from_a_known_address_during_an_attack(db):
    who = email("secretariat")
    assert reporting.login(db, who, PASSWORD, "203.0.113.50", NOW - timedelta(days=2))
    said = [guess(db, who, f"198.51.100.{i + 1}", NOW + timedelta(seconds=i)) for i in range(10)]
    assert said == ["failed"] * MAX_FAILURES + ["waits"] * (10 - MAX_FAILURES)
    during = NOW + timedelta(seconds=10)
    with pytest.raises(reporting.RateLimited):  # a new address waits, right password or not
        reporting.login(db, who, PASSWORD, "198.51.100.99", during)
    assert reporting.login(db, who, PASSWORD, "203.0.113.50", during).email == who


def test_the_longest_a_stranger_locks_an_account_is_the_longest_wait(db):
    who = email("focal.uga")
    for i in range(MAX_FAILURES + 20):
        guess(db, who, f"198.51.100.{i + 1}", NOW + timedelta(seconds=i))
    later = NOW + timedelta(seconds=MAX_FAILURES + 20) + LONGEST_WAIT
    assert reporting.login(db, who, PASSWORD, "192.0.2.77", later).email == who


def test_one_address_guessing_many_accounts_is_slowed(db):
    ip = "198.51.100.66"
    for i in range(ADDRESS_FAILURES):
        assert guess(db, f"nobody{i}@example.org", ip, NOW + timedelta(seconds=i)) == "failed"
    with pytest.raises(reporting.RateLimited):
        reporting.login(db, email("focal.npl"), PASSWORD, ip, NOW + timedelta(seconds=30))
    other = reporting.login(db, email("focal.npl"), PASSWORD, "192.0.2.5", NOW + timedelta(1))
    assert other.email == email("focal.npl")
