"""Who changed what in the grid: each edit, deletion and CSV load is recorded with its actor, its
time and the old and new value of every field that changed, and shown on the row's page to the
people who may read the grid, and to nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bandian.accounts.models import Role
from bandian.core.time import SHANGHAI
from bandian.grid import services
from bandian.grid.loaders import GridLoader
from bandian.grid.models import Change, Feeder, Substation
from tests.conftest import client_for, make_user

EDITED_AT = dt.datetime(2026, 6, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def kaili_grid(db):
    user = make_user("kaili-grid", Role.GRID_OPERATOR, "522601")
    user.display_name = "吴运检"
    user.save()
    return user


def feeder_form(feeder: Feeder, **changes) -> dict:
    data = {
        "code": feeder.code, "name": feeder.name, "substation": feeder.substation.code, "county": feeder.county_id,
        "area_class": feeder.area_class, "density_class": feeder.density_class,
        "rated_capacity_kva": feeder.rated_capacity_kva, "peak_load_kva": feeder.peak_load_kva or "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_an_edit_shows_old_and_new_values_and_who_made_it(grid, kaili_grid, supervisor):
    edit = reverse("grid:edit", args=["feeders", grid.feeder.pk])
    with time_machine.travel(EDITED_AT, tick=False):
        response = client_for(kaili_grid).post(edit, feeder_form(grid.feeder, area_class="town", peak_load_kva=6100))
    assert response.status_code == 302

    page = client_for(supervisor).get(reverse("grid:detail", args=["feeders", grid.feeder.pk]))
    assert page.status_code == 200
    history = page.content.decode().split('id="change-history"')[1]
    assert "吴运检" in history
    assert "2026-06-02 09:30" in history
    assert "供电区域：市区 → 城镇" in history
    assert "最大负荷（kVA）：5200 → 6100" in history
    assert "名称" not in history  # unchanged fields are not listed
    # The edit page shows the same history to its editor.
    assert "市区 → 城镇" in client_for(kaili_grid).get(edit).content.decode()


def test_saving_without_a_change_records_nothing(grid, operator):
    feeder = Feeder.objects.get(pk=grid.feeder.pk)
    services.grid_row_save(row=feeder, actor=operator)
    assert not Change.objects.filter(object_id=feeder.pk).exists()


def test_a_new_row_records_its_values_with_references_by_code(grid, operator):
    row = Feeder(
        code="F2", name="10kV城西线", substation=grid.substation, county_id="522601", area_class="central",
        rated_capacity_kva=6000,
    )  # fmt: skip
    services.grid_row_save(row=row, actor=operator, at=EDITED_AT)
    change = Change.objects.get(object_id=row.pk, action="create")
    assert change.actor == operator and change.at == EDITED_AT
    assert ["substation", None, "S1"] in change.changes
    assert ["area_class", None, "central"] in change.changes
    assert not any(name == "peak_load_kva" for name, *_ in change.changes)  # empty: not listed


@pytest.mark.parametrize("who", ["alice", "department_user"])
def test_outsiders_cannot_see_the_history(request, grid, operator, who):
    row = Substation.objects.get(code="S1")
    row.name = "凯里110kV新站"
    services.grid_row_save(row=row, actor=operator)
    client = client_for(request.getfixturevalue(who))
    for url in (reverse("grid:detail", args=["substations", row.pk]), reverse("grid:index")):
        response = client.get(url)
        assert response.status_code == 403
        assert "凯里110kV新站" not in response.content.decode()
    customer = grid.transformers["T1"].lv_customers.get()
    assert client.post(reverse("grid:delete", args=["lv-customers", customer.pk])).status_code == 403
    assert customer.__class__.objects.filter(pk=customer.pk).exists()


def test_an_operator_of_another_county_cannot_edit_or_delete(grid, operator_elsewhere):
    client = client_for(operator_elsewhere)
    assert client.post(reverse("grid:delete", args=["lv-customers", 1])).status_code in (403, 404)
    row = Substation.objects.get(code="S1")
    row.name = "改名"
    with pytest.raises(PermissionDenied):
        services.grid_row_save(row=row, actor=operator_elsewhere)
    assert Substation.objects.get(code="S1").name == "凯里110kV站"
    assert not Change.objects.exists()


def test_a_deletion_is_recorded_and_a_row_in_use_is_kept(grid, operator, cm):
    client = client_for(operator)
    used = reverse("grid:delete", args=["feeders", grid.feeder.pk])
    response = client.post(used, follow=True)
    assert "不能删除" in response.content.decode()
    assert Feeder.objects.filter(pk=grid.feeder.pk).exists()

    customer = grid.transformers["T1"].lv_customers.get()
    response = client.post(reverse("grid:delete", args=["lv-customers", customer.pk]))
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        services.grid_row_delete(row=customer, actor=operator)  # already gone
    change = Change.objects.get(action="delete")
    assert change.object_id == customer.pk and ["account_no", "0601000001", None] in change.changes
    # The grid's front page lists it among the latest changes.
    assert "0601000001 张三" in client_for(cm).get(reverse("grid:index")).content.decode()


FEEDERS = "code,name,substation,county,area_class,rated_capacity_kva\nF1,10kV城东线,S1,522601,{area},8000\n"


def test_a_csv_load_records_each_changed_row_once_and_a_summary(grid, operator):
    loader = GridLoader(actor=operator, at=EDITED_AT)
    loader.load({"feeders": FEEDERS.format(area="rural").encode()})
    row_changes = Change.objects.filter(object_id=grid.feeder.pk, action="load")
    assert row_changes.count() == 1
    assert ["area_class", "urban", "rural"] in row_changes.get().changes
    assert ["density_class", "B", ""] in row_changes.get().changes
    summary = Change.objects.get(object_id__isnull=True)
    assert summary.actor == operator and "1 updated" in summary.summary

    # Loading the same file again changes nothing and records no row change.
    GridLoader(actor=operator).load({"feeders": FEEDERS.format(area="rural").encode()})
    assert Change.objects.filter(object_id=grid.feeder.pk).count() == 1


def test_a_csv_load_through_the_upload_page_names_its_actor(grid, kaili_grid, supervisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("feeders.csv", FEEDERS.format(area="town").encode(), content_type="text/csv")
    assert client_for(kaili_grid).post(reverse("grid:upload"), {"feeders": upload}).status_code == 200
    page = client_for(supervisor).get(reverse("grid:detail", args=["feeders", grid.feeder.pk])).content.decode()
    history = page.split('id="change-history"')[1]
    assert "吴运检" in history and "CSV 文件导入" in history and "市区 → 城镇" in history
