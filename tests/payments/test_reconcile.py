"""`manage.py payments reconcile FILE.csv`: the orders that differ from the provider's statement."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bandian.applications.payments import services
from bandian.core.time import SHANGHAI
from tests.payments.conftest import issue, pay

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
HEADER = "order,transaction,status,amount,time\n"


def _run(tmp_path, text: str) -> tuple[str, int]:
    path = tmp_path / "statement.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    try:
        call_command("payments", "reconcile", str(path), stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


@pytest.fixture
def orders(dual, cm):
    paid = pay(issue(dual, cm, quantity="800"), transaction="SBX-A", at=AT)
    refunded = services.payment_order_refund(
        order=pay(issue(dual, cm, code="high_reliability_overhead", quantity="10"), transaction="SBX-B", at=AT),
        actor=cm,
        reason="改方案",
    )
    waiting = issue(dual, cm, quantity="1")
    return paid, refunded, waiting


def test_a_statement_that_agrees_exits_0(tmp_path, orders):
    paid, refunded, _waiting = orders
    out, code = _run(
        tmp_path,
        HEADER
        + f"{paid.no},SBX-A,paid,168000.00,2026-03-02T10:00:00+08:00\n"
        + f"{refunded.no},SBX-B,refunded,1600.00,2026-03-02T10:00:00+08:00\n",
    )
    assert code == 0 and "2 statement lines, 0 orders differ" in out


def test_each_difference_is_listed_and_the_exit_code_is_1(tmp_path, orders):
    paid, refunded, waiting = orders
    out, code = _run(
        tmp_path,
        HEADER
        + f"{paid.no},SBX-A,refunded,168000.00,2026-03-02T10:00:00+08:00\n"  # we hold it as paid
        + f"{waiting.no},SBX-C,paid,210.00,2026-03-02T11:00:00+08:00\n"  # paid there, not here
        + "QDN-2026-999999-P01,SBX-D,paid,5.00,\n",  # unknown order
    )
    assert code == 1
    lines = out.splitlines()
    assert any(paid.no in line and "state" in line for line in lines)
    assert any(waiting.no in line and "ours: issued 210.00" in line for line in lines)
    assert any("QDN-2026-999999-P01" in line and "no such order" in line for line in lines)
    # Paid on the statement's day through the sandbox, but absent from it.
    assert any(refunded.no in line and "not in the statement" in line for line in lines)
    assert "3 statement lines, 4 orders differ" in out


def test_a_different_amount_differs(tmp_path, orders):
    paid, refunded, _waiting = orders
    out, code = _run(tmp_path, HEADER + f"{paid.no},SBX-A,paid,16800.00,\n" + f"{refunded.no},SBX-B,refunded,1600,\n")
    assert code == 1 and f"{paid.no}\tours: paid 168000.00\tprovider: paid 16800.00\tamount" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("order,status,amount\nX,paid,1\n", "lacks transaction, time"),
        (HEADER + "X,T,maybe,1,\n", "line 2: status"),
        (HEADER + "X,T,paid,lots,\n", "line 2: amount"),
        (HEADER + "X,T,paid,1,yesterday\n", "line 2: time"),
    ],
)
def test_an_unreadable_statement_exits_2_naming_the_line(tmp_path, db, text, message):
    out, code = _run(tmp_path, text)
    assert code == 2 and message in out


def test_a_missing_file_exits_2(tmp_path, db):
    with pytest.raises(CommandError) as exc:
        call_command("payments", "reconcile", str(tmp_path / "nope.csv"))
    assert exc.value.returncode == 2
