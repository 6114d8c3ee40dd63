"""The outage pages: who may see and record, entering an event, restoring it, importing records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bandian.core.time import SHANGHAI
from bandian.outages import services
from bandian.outages.importer import import_interruptions
from bandian.outages.models import Interruption, OutageEvent
from tests.conftest import client_for

START = dt.datetime(2026, 5, 10, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture
def event(grid, operator) -> OutageEvent:
    return services.event_create(feeder=grid.feeder, kind="fault", cause="internal", start=START, actor=operator)


def urls(event: OutageEvent) -> list[tuple[str, str]]:
    ref = event.reference
    return [
        ("get", reverse("outages:list")),
        ("get", reverse("outages:new")),
        ("get", reverse("outages:import")),
        ("get", reverse("outages:detail", args=[ref])),
        ("post", reverse("outages:step_add", args=[ref])),
        ("post", reverse("outages:close", args=[ref])),
    ]


def test_anonymous_is_sent_to_login(event):
    for method, url in urls(event):
        response = getattr(client_for(None), method)(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "department_user"])
def test_applicants_and_departments_are_refused(request, event, who):
    client = client_for(request.getfixturevalue(who))
    for method, url in urls(event):
        assert getattr(client, method)(url).status_code in (403, 404), url


@pytest.mark.parametrize("who", ["cm", "supervisor"])
def test_staff_and_supervisors_read_but_do_not_record(request, event, who):
    client = client_for(request.getfixturevalue(who))
    page = client.get(reverse("outages:detail", args=[event.reference]))
    assert page.status_code == 200
    assert 'id="step-form"' not in page.content.decode()
    assert client.get(reverse("outages:new")).status_code == 403
    assert client.post(reverse("outages:step_add", args=[event.reference]), {}).status_code == 403
    assert client.get(reverse("outages:import")).status_code == 403


def test_operator_of_another_county_cannot_restore_this_event(event, operator_elsewhere):
    client = client_for(operator_elsewhere)
    response = client.post(
        reverse("outages:step_add", args=[event.reference]), {"at": "2026-05-10T09:00", "all_remaining": "on"}
    )
    assert response.status_code == 403
    assert not event.steps.exists()
    assert 'id="step-form"' not in client.get(reverse("outages:detail", args=[event.reference])).content.decode()


def test_operator_enters_an_event_on_transformers(grid, operator):
    response = client_for(operator).post(
        reverse("outages:new"),
        {"feeder": "F1", "transformers": "T2, C1", "kind": "planned", "cause": "external", "start": "2026-05-10T08:00",
         "description": "检修"},
    )  # fmt: skip

    event = OutageEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outages:detail", args=[event.reference])
    assert event.start == START  # typed in Beijing time
    assert sorted(event.affected_users.values_list("user_id", flat=True)) == ["H1", "T2"]


def test_feeder_is_taken_from_the_transformers_when_left_empty(grid, operator):
    response = client_for(operator).post(
        reverse("outages:new"),
        {"feeder": "", "transformers": "T3", "kind": "fault", "cause": "internal", "start": "2026-05-10T08:00"},
    )
    event = OutageEvent.objects.get()
    assert response.status_code == 302
    assert (event.feeder, list(event.affected_users.values_list("user_id", flat=True))) == (grid.feeder, ["T3"])


def test_neither_feeder_nor_transformers_is_refused(grid, operator):
    response = client_for(operator).post(
        reverse("outages:new"), {"kind": "fault", "cause": "internal", "start": "2026-05-10T08:00"}
    )
    assert response.status_code == 400
    assert "请填写线路编号，或填写停电的配变编号" in response.content.decode()


def test_operator_cannot_enter_an_event_on_another_countys_transformers(grid, operator):
    response = client_for(operator).post(
        reverse("outages:new"),
        {"transformers": "T9", "kind": "fault", "cause": "internal", "start": "2026-05-10T08:00"},
    )
    assert response.status_code == 400
    assert "您不能录入其他县市线路的停电" in response.content.decode()
    assert not OutageEvent.objects.exists()


def test_operator_cannot_enter_an_event_in_another_county(grid, operator):
    response = client_for(operator).post(
        reverse("outages:new"), {"feeder": "F9", "kind": "fault", "cause": "internal", "start": "2026-05-10T08:00"}
    )
    assert response.status_code == 400
    assert "您不能录入其他县市线路的停电" in response.content.decode()
    assert not OutageEvent.objects.exists()


def test_bad_event_form_keeps_what_was_typed(grid, operator):
    response = client_for(operator).post(
        reverse("outages:new"),
        {"feeder": "F1", "transformers": "T2 NOPE", "kind": "fault", "cause": "internal", "start": "2026-05-10T08:00",
         "description": "雷击"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有这些配变编号：NOPE" in body
    assert "雷击" in body and 'value="T2 NOPE"' in body


def test_stepwise_restoration_through_the_page(grid, operator, event):
    client = client_for(operator)
    url = reverse("outages:step_add", args=[event.reference])

    first = client.post(url, {"at": "2026-05-10T09:00", "users": [grid.users["T1"].pk, grid.users["T2"].pk]})
    assert first.status_code == 302
    page = client.get(reverse("outages:detail", args=[event.reference])).content.decode()
    assert "已复电 2 / 4" in page
    assert 'id="close-form"' not in page

    early = client.post(url, {"at": "2026-05-10T08:30", "all_remaining": "on"})
    assert early.status_code == 400
    assert "不能早于上一步的复电时间（2026-05-10 09:00）" in early.content.decode()

    rest = client.post(url, {"at": "2026-05-10T11:00", "all_remaining": "on"})
    assert rest.status_code == 302
    ends = dict(Interruption.objects.values_list("user_id", "end"))
    assert ends["T1"] == START + dt.timedelta(hours=1)
    assert ends["H1"] == START + dt.timedelta(hours=3)

    client.post(reverse("outages:close", args=[event.reference]))
    event.refresh_from_db()
    assert event.closed_at is not None


def test_step_without_users_is_refused(event, operator):
    response = client_for(operator).post(
        reverse("outages:step_add", args=[event.reference]), {"at": "2026-05-10T09:00"}
    )
    assert response.status_code == 400
    assert "请选择复电的用户" in response.content.decode()


def test_step_with_users_and_all_remaining_is_ambiguous_and_refused(grid, event, operator):
    response = client_for(operator).post(
        reverse("outages:step_add", args=[event.reference]),
        {"at": "2026-05-10T09:00", "all_remaining": "on", "users": [grid.users["T1"].pk], "note": "分段恢复"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "不要再选择个别用户" in body
    assert 'value="分段恢复"' in body
    assert not event.steps.exists()


def test_closing_too_early_says_why(event, operator):
    client = client_for(operator)
    response = client.post(reverse("outages:close", args=[event.reference]), follow=True)
    assert "还有 4 个用户未复电" in response.content.decode()
    event.refresh_from_db()
    assert event.closed_at is None


@pytest.mark.parametrize("n", [1, 5])
def test_event_list_does_not_query_per_row(grid, operator, cm, django_assert_max_num_queries, n):
    for hours in range(n):
        services.event_create(
            feeder=grid.feeder, kind="fault", cause="internal", start=START + dt.timedelta(hours=hours), actor=operator
        )
    first = OutageEvent.objects.order_by("start").first()
    assert first is not None
    services.restoration_add(event=first, at=START + dt.timedelta(hours=1), users=[grid.users["T1"]], actor=operator)
    services.restoration_add(event=first, at=START + dt.timedelta(hours=2), users=[grid.users["T2"]], actor=operator)
    client = client_for(cm)
    # 8: one of them is the calendar's last year for the horizon banner (once per 30 s per process).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("outages:list"), {"county": "522601", "status": "open"})
    body = response.content.decode()
    assert body.count("data-ref=") == n
    assert "2 / 4" in body
    assert body.count("0 / 4") == n - 1


def test_import_page_reports_bad_rows_and_keeps_good_ones(grid, operator):
    data = (
        "event_id,user_id,start,end,kind,cause\n"
        "E1,T1,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
        "E1,T9,2026-05-10T08:00:00,2026-05-10T09:00:00,fault,internal\n"
    )
    response = client_for(operator).post(
        reverse("outages:import"),
        {"interruptions": SimpleUploadedFile("i.csv", data.encode(), content_type="text/csv")},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "line 3, field user_id: T9 is in county 522622" in body
    assert list(Interruption.objects.values_list("user_id", flat=True)) == ["T1"]


def test_event_page_in_english(event, cm):
    client = client_for(cm)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("outages:detail", args=[event.reference])).content.decode()
    assert "Affected MV users" in body
    assert "Not restored" in body


def test_interruption_rows_are_listed_with_filters(grid, event, cm):
    data = "event_id,user_id,start,end,kind,cause\nE9,T9,2026-05-11T08:00:00,2026-05-11T09:00:00,planned,external\n"
    import_interruptions(data.encode(), "i.csv")
    client = client_for(cm)

    everything = client.get(reverse("outages:interruptions")).content.decode()
    assert everything.count("data-row=") == 5  # 4 entered (not restored yet) + 1 imported
    huangping = client.get(reverse("outages:interruptions"), {"county": "522622"}).content.decode()
    assert huangping.count("data-row=") == 1 and "E9/T9" in huangping
    entered = client.get(reverse("outages:interruptions"), {"source": "entered"}).content.decode()
    assert entered.count(f'href="{reverse("outages:detail", args=[event.reference])}"') == 4


@pytest.mark.parametrize("who", [None, "alice", "department_user"])
def test_interruption_rows_are_refused_to_outsiders(request, grid, who):
    client = client_for(request.getfixturevalue(who) if who else None)
    response = client.get(reverse("outages:interruptions"))
    assert response.status_code == (302 if who is None else 403)


def test_interruption_list_does_not_query_per_row(grid, event, cm, django_assert_max_num_queries):
    client = client_for(cm)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("outages:interruptions"))
    assert response.content.decode().count("data-row=") == 4


def test_interruption_rows_filter_by_feeder_transformer_and_year(grid, event, cm):
    data = (
        "event_id,user_id,start,end,kind,cause\n"
        "E9,T9,2026-05-11T08:00:00,2026-05-11T09:00:00,planned,external\n"
        "E8,T2,2025-12-31T23:00:00,2026-01-01T01:00:00,fault,internal\n"
        "E7,T2,2025-06-01T08:00:00,2025-06-01T09:00:00,fault,internal\n"
    )
    import_interruptions(data.encode(), "i.csv")
    client = client_for(cm)

    def rows(**query: object) -> set[str]:
        body = client.get(reverse("outages:interruptions"), query).content.decode()
        return {line.split('data-row="')[1].split('"')[0] for line in body.splitlines() if 'data-row="' in line}

    assert rows(feeder="F9") == {"E9/T9"}
    assert rows(transformer="T2") == {f"{event.reference}/T2", "E8/T2", "E7/T2"}
    # A row crossing new year (Asia/Shanghai) belongs to both years it overlaps.
    assert rows(transformer="T2", year=2025) == {"E8/T2", "E7/T2"}
    assert rows(transformer="T2", year=2026) == {f"{event.reference}/T2", "E8/T2"}
    assert rows(feeder="NOPE") == set()


def test_event_list_filters_by_feeder(grid, event, cm):
    client = client_for(cm)
    assert event.reference in client.get(reverse("outages:list"), {"feeder": "F1"}).content.decode()
    assert event.reference not in client.get(reverse("outages:list"), {"feeder": "F9"}).content.decode()
