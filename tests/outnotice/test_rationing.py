"""Rationing only when authorised: an order with its authority, number, dates and customers;
everything else flagged, and the supervisors told at once."""

from __future__ import annotations

import datetime as dt

import pytest

from bandian.accounts.models import Role
from bandian.core.errors import ServiceError
from bandian.notify.models import Message
from bandian.outages import faults, rationing
from bandian.outages.enums import FlagReason, Source
from bandian.outages.importer import import_interruptions
from bandian.outages.models import RationingOrder
from tests.conftest import make_user
from tests.outnotice.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(db):
    return make_user("supervisor", Role.SUPERVISOR)


def order(grid, operator, users, **extra):
    values = {
        "kind": "plan", "county": grid.feeder.county, "authority": "黔东南州发展和改革委员会",
        "document_no": "黔东南发改〔2026〕12号", "issued_on": dt.date(2026, 5, 20), "valid_from": dt.date(2026, 6, 1),
        "valid_to": dt.date(2026, 6, 30), "users": users, "actor": operator,
    } | extra  # fmt: skip
    return rationing.order_create(**values)


def ration(grid, operator, **extra):
    event, _ = faults.fault_report(
        feeder=grid.feeder, transformers=[grid.transformers["C1"]], cause="rationing", start=at(hours=-1),
        actor=operator, **extra,
    )  # fmt: skip
    return event


def test_rationing_without_an_order_is_flagged_and_the_supervisors_are_told(grid, operator, supervisor):
    event = ration(grid, operator)
    flags = rationing.unauthorised()
    assert [(f.event_id, f.user_id, f.reason) for f in flags] == [(event.reference, "H1", FlagReason.NO_ORDER)]
    told = Message.objects.get(recipient=supervisor)
    assert event.reference in told.subject and "违规限电" in told.subject


def test_rationing_under_an_order_that_lists_the_customer_is_not_flagged(grid, operator, supervisor):
    authorised = order(grid, operator, [grid.users["H1"]])
    ration(grid, operator, rationing_order=authorised)
    assert rationing.unauthorised() == []
    assert not Message.objects.filter(recipient=supervisor).exists()


def test_a_customer_the_order_does_not_list_is_flagged(grid, operator, supervisor):
    authorised = order(grid, operator, [grid.users["T1"]])
    event = ration(grid, operator, rationing_order=authorised)
    assert [(f.user_id, f.reason, f.order) for f in rationing.unauthorised()] == [
        ("H1", FlagReason.NOT_LISTED, str(authorised))
    ]
    assert Message.objects.filter(recipient=supervisor, subject__contains=event.reference).exists()


def test_an_order_out_of_force_does_not_authorise(grid, operator):
    expired = order(grid, operator, [grid.users["H1"]], valid_from=dt.date(2026, 5, 1), valid_to=dt.date(2026, 5, 31))
    ration(grid, operator, rationing_order=expired)
    assert [f.reason for f in rationing.unauthorised()] == [FlagReason.NOT_IN_FORCE]


def test_an_order_is_checked_before_it_is_recorded(grid, operator):
    with pytest.raises(ServiceError, match="结束日期"):
        order(grid, operator, [grid.users["H1"]], valid_to=dt.date(2026, 5, 1))
    with pytest.raises(ServiceError, match="列出"):
        order(grid, operator, [])
    with pytest.raises(ServiceError, match="T9"):
        order(grid, operator, [grid.users["T9"]])
    order(grid, operator, [grid.users["H1"]])
    with pytest.raises(ServiceError, match="已经录入"):
        order(grid, operator, [grid.users["H1"]])
    assert RationingOrder.objects.count() == 1


ROWS = "event_id,user_id,start,end,kind,cause\n{rows}"


def test_imported_rationing_rows_without_an_order_are_flagged(grid, operator, supervisor):
    data = ROWS.format(
        rows="X1,H1,2026-06-01 08:00,2026-06-01 12:00,planned,rationing\n"
        "X2,T2,2026-06-01 08:00,2026-06-01 12:00,planned,internal\n"
        "X3,T1,2026-05-01 08:00,2026-05-01 12:00,planned,rationing\n"
    ).encode()
    order(grid, operator, [grid.users["T1"], grid.users["H1"]])  # June: covers X1 only
    report = import_interruptions(data, "old.csv")
    assert not report.errors
    flags = rationing.unauthorised()
    assert [(f.event_id, f.user_id, f.source) for f in flags] == [("X3", "T1", Source.IMPORTED)]
    assert "1 条" in Message.objects.get(recipient=supervisor).body
