"""Restarts (requirements §4): withdrawn or cancelled and submitted again within 30 days by the same
person for the same address is the same process: linked to the first, flagged, clocks from its submission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from bandian.applications import services
from bandian.applications.enums import Channel, EventType, Status
from bandian.applications.models import Application
from bandian.core.time import SHANGHAI
from tests.conftest import draft, pdf_upload, submitted

FIRST = dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI)
ADDRESS = "凯里市北京东路 1 号"


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def withdrawn(applicant, county, when: dt.datetime = FIRST, **kw) -> Application:
    with at(when):
        app = submitted(applicant, county, **kw)
    with at(when + dt.timedelta(hours=1)):
        services.application_withdraw(application=app, actor=applicant, note="地址填错")
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN
    return app


def submitted_event(app: Application):
    return app.events.get(type=EventType.SUBMITTED)


def test_a_resubmission_within_30_days_is_linked_flagged_and_runs_on_the_first_clock(alice, kaili, cm, pm):
    first = withdrawn(alice, kaili, address=ADDRESS)
    again_at = dt.datetime(2026, 10, 9, 15, tzinfo=SHANGHAI)
    with at(again_at):
        again = submitted(alice, kaili, address="凯里市北京东路1号")  # spacing differs: same address

    assert again.restart_of == first
    assert again.clock_started_at == first.submitted_at == FIRST
    assert submitted_event(again).data["restart_of"] == first.no  # flagged in the timeline
    # 5 working days from the FIRST submission (2026-09-30 10:00) end 2026-10-13 10:00, not from today.
    assert again.due_at == dt.datetime(2026, 10, 13, 10, tzinfo=SHANGHAI)
    clocks = services.application_clocks(again, now=again_at)
    assert round(clocks.full_process_workdays * 24) == 53  # 14 h + 24 h + 15 h since the first submission


@pytest.mark.parametrize(
    ("days", "linked"),
    [(29, True), (30, True), (30.0001, False), (45, False)],
    ids=["29 days", "exactly 30 days", "just over 30 days", "45 days"],
)
def test_only_a_resubmission_within_the_window_is_a_restart(alice, kaili, cm, pm, days, linked):
    first = withdrawn(alice, kaili, address=ADDRESS)
    with at(first.closed_at + dt.timedelta(days=days)):
        again = submitted(alice, kaili, address=ADDRESS)
    assert (again.restart_of == first) is linked
    assert (again.clock_started_at == first.submitted_at) is linked
    if not linked:
        assert again.restart_of is None and again.clock_started_at is None
        assert submitted_event(again).data["restart_of"] is None


def test_a_different_address_is_a_new_application(alice, kaili, cm, pm):
    withdrawn(alice, kaili, address=ADDRESS)
    with at(FIRST + dt.timedelta(days=3)):
        other = submitted(alice, kaili, address="凯里市北京东路 2 号")
    assert other.restart_of is None


def test_someone_else_at_the_same_address_is_not_a_restart(alice, bob, kaili, cm, pm):
    withdrawn(alice, kaili, address=ADDRESS)
    with at(FIRST + dt.timedelta(days=3)):
        neighbour = submitted(bob, kaili, address=ADDRESS)
    assert neighbour.restart_of is None


def test_a_cancellation_by_staff_counts_like_a_withdrawal(alice, kaili, cm, pm):
    with at(FIRST):
        first = submitted(alice, kaili, address=ADDRESS)
    with at(FIRST + dt.timedelta(days=1)):
        services.application_cancel(application=first, actor=cm, note="客户未按约定提供资料")
    with at(FIRST + dt.timedelta(days=20)):
        again = submitted(alice, kaili, address=ADDRESS)
    assert again.restart_of == first


def test_a_restart_of_a_restart_links_to_the_first_and_its_clock(alice, kaili, cm, pm):
    first = withdrawn(alice, kaili, address=ADDRESS)
    second = withdrawn(alice, kaili, when=FIRST + dt.timedelta(days=20), address=ADDRESS)
    assert second.restart_of == first
    # 40 days after the first was withdrawn, but within 30 days of the second.
    with at(FIRST + dt.timedelta(days=40)):
        third = submitted(alice, kaili, address=ADDRESS)
    assert third.restart_of == first
    assert third.clock_started_at == first.submitted_at
    assert set(first.restarts.all()) == {second, third}


def test_an_energised_application_is_not_restarted_by_a_new_one(alice, kaili, cm, pm):
    with at(FIRST):
        first = submitted(alice, kaili, address=ADDRESS)
        services.stage_complete(application=first, stage="apply", actor=cm)
        services.stage_complete(application=first, stage="connect", actor=pm)
    with at(FIRST + dt.timedelta(days=5)):
        again = submitted(alice, kaili, address=ADDRESS)
    assert again.restart_of is None


def test_a_draft_withdrawn_before_submission_started_no_clock(alice, kaili, cm, pm):
    with at(FIRST):
        never = draft(alice, kaili, address=ADDRESS)
        services.application_withdraw(application=never, actor=alice)
    with at(FIRST + dt.timedelta(days=2)):
        app = submitted(alice, kaili, address=ADDRESS)
    assert app.restart_of is None
    assert app.clock_started_at is None


def test_an_application_still_open_is_not_a_restart_root(alice, kaili, cm, pm):
    with at(FIRST):
        submitted(alice, kaili, address=ADDRESS)
    with at(FIRST + dt.timedelta(days=2)):
        second = submitted(alice, kaili, address=ADDRESS)
    assert second.restart_of is None


def _at_counter(counter, kaili, *, id_number: str, name: str, address: str = ADDRESS) -> Application:
    app = services.application_create(
        actor=counter,
        customer_class="residential",
        county=kaili,
        urban=True,
        address=address,
        capacity_kw=Decimal("8"),
        voltage_kv=Decimal("0.22"),
        applicant_name=name,
        phone="13900000009",
        id_number=id_number,
        channel=Channel.COUNTER,
    )
    for kind in ("id_card", "property_proof"):
        services.document_upload(application=app, kind=kind, upload=pdf_upload(), actor=counter)
    services.application_submit(application=app, actor=counter)
    app.refresh_from_db()
    return app


def test_the_same_identity_number_entered_at_the_counter_is_recognised(counter, kaili, cm, pm):
    """No applicant account: the identity is the hash of the identity number (never stored itself)."""
    with at(FIRST):
        first = _at_counter(counter, kaili, id_number="522601199001011234", name="张三")
        services.application_withdraw(application=first, actor=counter)
    with at(FIRST + dt.timedelta(days=10)):
        again = _at_counter(counter, kaili, id_number="522601199001011234 ", name="张三")
        stranger = _at_counter(counter, kaili, id_number="522601199202022222", name="李四")
    assert again.restart_of == first
    assert stranger.restart_of is None
    assert "522601199001011234" not in again.applicant_ref


def test_restarts_keep_every_chain_valid(alice, kaili, cm, pm):
    from bandian.applications.integrity import verify_all

    withdrawn(alice, kaili, address=ADDRESS)
    with at(FIRST + dt.timedelta(days=3)):
        submitted(alice, kaili, address=ADDRESS)
    assert verify_all() == []


def test_the_same_account_is_the_same_person_even_when_only_one_application_carries_an_id_number(alice, kaili, cm, pm):
    first = withdrawn(alice, kaili, address=ADDRESS)
    assert first.applicant_ref == ""
    with at(FIRST + dt.timedelta(days=5)):
        again = submitted(alice, kaili, address=ADDRESS, id_number="522601199001011234")
    assert again.applicant_ref and again.restart_of == first
