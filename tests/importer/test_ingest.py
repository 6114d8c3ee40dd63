import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from bandian.applications import integrity, services
from bandian.applications.enums import EventType, Status
from bandian.applications.importer import DuplicateRecord, RecordError, ingest_record, plan_record, validate_record
from bandian.applications.models import Application, Sequence
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy
from tests.conftest import submitted
from tests.importer.conftest import SAMPLE, sample

pytestmark = pytest.mark.django_db


def chain_is_valid(app: Application) -> bool:
    """The chain verifies as `manage.py timeline verify` checks it."""
    return integrity.verify(application_no=app.no).problems == []


def test_the_sample_record_becomes_an_energised_application_with_a_valid_chain():
    app = ingest_record(sample())
    app.refresh_from_db()
    assert app.imported and app.channel == "import"
    assert app.status == Status.ENERGISED
    assert app.energised_at == dt.datetime(2026, 3, 10, 15, 30, tzinfo=SHANGHAI)
    assert app.event_count == 7
    assert list(app.events.order_by("seq").values_list("type", flat=True)) == [e["type"] for e in SAMPLE["events"]]
    assert chain_is_valid(app)
    # Kaili urban, 80 kW, 2026: zero investment under the policy.
    assert app.zero_investment
    assert app.events.get(seq=1).data["documents"] == ["business_licence", "property_proof"]


def test_an_imported_timeline_gets_the_same_clocks_as_a_native_one(alice, kaili, cm, pm):
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        native = submitted(alice, kaili)
    with time_machine.travel(dt.datetime(2026, 9, 30, 16, tzinfo=SHANGHAI), tick=False):
        services.stage_complete(application=native, stage="apply", actor=cm)
    with time_machine.travel(dt.datetime(2026, 10, 9, 15, tzinfo=SHANGHAI), tick=False):
        native = services.stage_complete(application=native, stage="connect", actor=pm)
    record = sample(
        no="EXT-1",
        customer_class="residential",
        capacity_kw=8,
        voltage_kv=0.22,
        documents=["id_card", "property_proof"],
        events=[
            {"at": "2026-09-30T10:00:00+08:00", "type": "submitted"},
            {"at": "2026-09-30T16:00:00+08:00", "type": "stage_completed", "stage": "apply"},
            {"at": "2026-10-09T15:00:00+08:00", "type": "stage_completed", "stage": "connect"},
        ],
    )
    imported = ingest_record(record)
    a, b = services.application_clocks(native), services.application_clocks(imported)
    assert round(b.full_process_workdays * 24) == 53
    assert (a.full_process_workdays, a.utility_workdays, a.due_at) == (
        b.full_process_workdays,
        b.utility_workdays,
        b.due_at,
    )
    assert (imported.status, imported.energised_at, imported.due_at) == (
        native.status,
        native.energised_at,
        native.due_at,
    )


def test_an_application_still_running_gets_its_status_and_deadlines():
    record = sample(
        events=[
            {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
            {"at": "2026-03-02T16:00:00+08:00", "type": "stage_completed", "stage": "apply"},
            {"at": "2026-03-06T09:00:00+08:00", "type": "paused", "reason": "customer_works"},
        ]
    )
    app = ingest_record(record)
    assert app.status == Status.PAUSED
    assert app.current_stage == "connect"
    assert app.due_at is None  # an open pause stops the deadline


def test_a_restart_is_linked_to_the_first_application_and_its_clock_starts_there():
    first = ingest_record(
        sample(
            no="EXT-1",
            events=[
                {"at": "2026-03-02T09:00:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "withdrawn"},
            ],
        )
    )
    second = ingest_record(
        sample(
            no="EXT-2",
            restart_of="EXT-1",
            events=[
                {"at": "2026-03-09T09:00:00+08:00", "type": "submitted"},
                {"at": "2026-03-09T10:00:00+08:00", "type": "stage_completed", "stage": "apply"},
                {"at": "2026-03-10T09:00:00+08:00", "type": "stage_completed", "stage": "connect"},
            ],
        )
    )
    assert first.status == Status.WITHDRAWN
    assert second.restart_of == first
    assert second.clock_started_at == dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    clocks = services.application_clocks(second)
    # From Mon 2 March 09:00 to Tue 10 March 09:00: six working days, not one.
    assert clocks.full_process_workdays == pytest.approx(6.0)
    third = ingest_record(
        sample(no="EXT-3", restart_of="EXT-2", events=[{"at": "2026-03-11T09:00:00+08:00", "type": "submitted"}])
    )
    assert third.restart_of == first  # linked to the first of the series


def test_the_same_number_twice_is_a_duplicate_and_changes_nothing():
    ingest_record(sample())
    with pytest.raises(DuplicateRecord):
        ingest_record(sample(address="somewhere else"))
    assert Application.objects.get().address == SAMPLE["address"]


def test_an_imported_number_is_never_handed_out_again_by_native_numbering():
    ingest_record(sample())
    assert Sequence.objects.get(year=2026).last == 123


def test_an_imported_record_is_marked_imported_and_its_events_have_no_actor():
    app = ingest_record(sample())
    assert app.imported and app.channel == "import" and app.customer_manager is None
    events = list(app.events.order_by("seq"))
    assert EventType.ASSIGNED not in {e.type for e in events}
    assert all(e.actor is None for e in events)
    assert events[0].data["imported"] is True


def test_an_attributed_history_is_kept_as_a_native_application(alice, cm, pm):
    """The demo's path: a checked record planned by the importer, attributed to the people of
    bandian (`services.history_attribute`), then written like an import."""
    policy = active_policy()
    history = plan_record(validate_record(sample(applicant_name="Alice"), policy=policy), policy=policy)
    services.history_attribute(history, channel="online", applicant=alice, customer_manager=cm, project_manager=pm)
    app = services.import_history(history)
    assert not app.imported and app.channel == "online"
    assert app.applicant == alice and app.phone == alice.phone and app.applicant_name == "Alice"
    assert app.customer_manager == cm and app.project_manager == pm
    events = list(app.events.order_by("seq"))
    assert [e.type for e in events[:2]] == [EventType.SUBMITTED, EventType.ASSIGNED]
    assert events[0].actor == alice and events[0].data["imported"] is False and events[0].data["channel"] == "online"
    assert events[-1].actor == pm  # connect
    assert chain_is_valid(app)


def test_an_attributed_history_goes_online_or_through_the_counter_only(alice):
    policy = active_policy()
    history = plan_record(validate_record(sample(), policy=policy), policy=policy)
    with pytest.raises(ValueError, match="channel"):
        services.history_attribute(history, channel="import", applicant=alice)
    assert history.application.imported and history.events[0].actor is None  # unchanged


BAD = [
    (sample(no=None), "no: missing"),
    (sample(no="has space"), "no: "),
    (sample(customer_class="industrial"), "customer_class: 'industrial'"),
    (sample(county="110101"), "county: '110101'"),
    (sample(urban="yes"), "urban: must be true or false"),
    (sample(capacity_kw=-5), "capacity_kw: must be greater than 0"),
    (sample(capacity_kw="lots"), "capacity_kw: 'lots' is not a number"),
    (sample(voltage_kv=10), "voltage_kv: 10 kV is not a voltage of lv_sanling"),
    (sample(applicant_id=""), "applicant_id: must not be empty"),
    (sample(address=None), "address: missing"),
    (sample(colour="red"), "colour: unknown field"),
    (sample(documents=["business_licence", "property_proof", "load_list"]), "documents: 'load_list'"),
    (sample(documents=["id_card"]), "documents: 'id_card' is not a document of lv_sanling"),
    (sample(documents=["property_proof", "property_proof"]), "documents: a document is listed twice"),
    (sample(events=[]), "events: must be a non-empty list"),
    (
        sample(events=[{"at": "2026-03-02T09:15:00", "type": "submitted"}]),
        "events[0].at: '2026-03-02T09:15:00' has no UTC offset",
    ),
    (sample(events=[{"at": "yesterday", "type": "submitted"}]), "events[0].at: 'yesterday' is not an ISO 8601"),
    (
        sample(events=[{"at": "2099-03-02T09:15:00+08:00", "type": "submitted"}]),
        "events[0].at: 2099-03-02T09:15:00+08:00 is in the future",
    ),
    (
        sample(events=[{"at": "2026-03-02T09:15:00+08:00", "type": "resumed"}]),
        "events[0].type: the first event must be 'submitted'",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-02T09:00:00+08:00", "type": "visit"},
            ]
        ),
        "events[1].at: earlier than the event before it",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "teleported"},
            ]
        ),
        "events[1].type: 'teleported'",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "stage_completed", "stage": "plan"},
            ]
        ),
        "events[1].stage: 'plan' is not a step of this class",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "stage_completed", "stage": "connect"},
            ]
        ),
        "events[1].stage: 'connect' completed before 'apply'",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "paused", "reason": "weather"},
            ]
        ),
        "events[1].reason: 'weather' is not a pause reason of the policy",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "resumed"},
            ]
        ),
        "events[1]: resumed without a pause",
    ),
    (
        sample(
            events=[
                {"at": "2026-03-02T09:15:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "withdrawn"},
                {"at": "2026-03-04T09:00:00+08:00", "type": "visit"},
            ]
        ),
        "events[2]: nothing may follow",
    ),
    (
        sample(events=[{"at": "2019-03-02T09:15:00+08:00", "type": "submitted"}]),
        "events[0].at: policy qiandongnan-2021 sets no limit",
    ),
    (sample(restart_of="QDN-2020-000001"), "restart_of: no application 'QDN-2020-000001'"),
]


@pytest.mark.parametrize(
    ("record", "reason"), BAD, ids=[reason.split(":")[0] + f"-{i}" for i, (_, reason) in enumerate(BAD)]
)
def test_a_bad_record_is_refused_with_the_field_named(record, reason):
    with pytest.raises(RecordError) as exc:
        ingest_record(record)
    assert reason in str(exc.value)
    assert not Application.objects.exists()


def test_a_record_that_is_not_an_object_is_refused():
    with pytest.raises(RecordError, match="must be a JSON object"):
        ingest_record(["not", "a", "record"])  # type: ignore[arg-type]


def test_high_voltage_records_take_three_steps_and_documents():
    app = ingest_record(
        sample(
            no="EXT-HV",
            customer_class="hv_single",
            capacity_kw=800,
            voltage_kv=10,
            documents=["business_licence", "property_proof", "load_list"],
            events=[
                {"at": "2026-03-02T09:00:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "stage_completed", "stage": "apply"},
                {"at": "2026-03-04T09:00:00+08:00", "type": "visit", "note": "site survey"},
                {"at": "2026-03-10T09:00:00+08:00", "type": "stage_completed", "stage": "plan"},
                {"at": "2026-03-20T09:00:00+08:00", "type": "stage_completed", "stage": "connect"},
            ],
        )
    )
    assert app.status == Status.ENERGISED
    assert app.capacity_kw == Decimal("800")
    assert not app.zero_investment


def withdrawn_then_again(second_at: str, **changes):
    ingest_record(
        sample(
            no="EXT-1",
            events=[
                {"at": "2026-03-02T09:00:00+08:00", "type": "submitted"},
                {"at": "2026-03-03T09:00:00+08:00", "type": "withdrawn"},
            ],
        )
    )
    return ingest_record(sample(no="EXT-2", events=[{"at": second_at, "type": "submitted"}], **changes))


def test_a_restart_the_record_does_not_declare_is_detected_and_linked():
    again = withdrawn_then_again("2026-03-20T09:00:00+08:00", address=" 凯里市北京东路 1 号 ")
    assert again.restart_of is not None and again.restart_of.no == "EXT-1"
    assert again.clock_started_at == dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    assert again.events.get(seq=1).data["restart_detected"] is True


def test_a_new_application_after_the_window_is_not_a_restart():
    assert withdrawn_then_again("2026-04-03T09:00:00+08:00").restart_of is None


def test_an_application_at_another_address_is_not_a_restart():
    assert withdrawn_then_again("2026-03-20T09:00:00+08:00", address="凯里市北京东路 2 号").restart_of is None


def test_changing_an_imported_event_in_the_database_breaks_its_chain():
    app = ingest_record(sample())
    app.events.filter(seq=5).update(reason="customer_works")
    assert not chain_is_valid(app)
