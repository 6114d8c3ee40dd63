"""The grid pages: who may see and edit, filters, forms that keep what was typed, the upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer
from tests.conftest import client_for
from tests.grid.builders import build_grid

KINDS = ["substations", "feeders", "transformers", "mv-users", "lv-customers"]


@pytest.mark.parametrize(
    "url", ["grid:index", "grid:upload", *[(n, k) for k in KINDS for n in ("grid:list", "grid:new")]]
)
def test_anonymous_is_sent_to_login(grid, url):
    name, *args = (url,) if isinstance(url, str) else url
    for path in [reverse(name, args=args), reverse("grid:edit", args=["feeders", grid.feeder.pk])]:
        response = client_for(None).get(path)
        assert response.status_code == 302
        assert "/login" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "department_user"])
@pytest.mark.parametrize("url", ["grid:index", "grid:upload", ("grid:list", "feeders"), ("grid:new", "feeders")])
def test_applicants_and_departments_are_refused(request, grid, who, url):
    name, *args = (url,) if isinstance(url, str) else url
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse(name, args=args)).status_code == 403
    assert client.get(reverse("grid:edit", args=["feeders", grid.feeder.pk])).status_code == 403


@pytest.mark.parametrize("who", ["cm", "supervisor", "counter"])
def test_staff_and_supervisors_read_but_do_not_edit(request, grid, who):
    client = client_for(request.getfixturevalue(who))

    page = client.get(reverse("grid:list", args=["feeders"]))
    assert page.status_code == 200
    assert "10kV城东线" in page.content.decode()
    assert reverse("grid:edit", args=["feeders", grid.feeder.pk]) not in page.content.decode()
    assert client.get(reverse("grid:edit", args=["feeders", grid.feeder.pk])).status_code == 403
    assert client.post(reverse("grid:new", args=["substations"]), {}).status_code == 403


def test_list_filters_by_county_and_area_class(grid, cm):
    client = client_for(cm)
    url = reverse("grid:list", args=["mv-users"])

    rural = client.get(url, {"area_class": "rural"}).content.decode()
    assert "T9 公变" in rural and "T1 公变" not in rural
    kaili = client.get(url, {"county": "522601"}).content.decode()
    assert "T1 公变" in kaili and "T9 公变" not in kaili


@pytest.mark.parametrize("more", [0, 5])
@pytest.mark.parametrize("kind", KINDS)
def test_list_pages_do_not_query_per_row(grid, cm, django_assert_max_num_queries, kind, more):
    client = client_for(cm)
    for i in range(more):
        build_more(i)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("grid:list", args=[kind]))
    assert response.status_code == 200


def build_more(i: int) -> None:
    """One more row of each kind."""
    substation = Substation.objects.create(code=f"XS{i}", name=f"XS{i}", county_id="522601", voltage_kv=35)
    feeder = Feeder.objects.create(
        code=f"XF{i}", name=f"XF{i}", substation=substation, county_id="522601", area_class="town",
        rated_capacity_kva=1000,
    )  # fmt: skip
    t = Transformer.objects.create(
        code=f"X{i}", name=f"X{i}", feeder=feeder, ownership="public", capacity_kva=100, county_id="522601",
        area_class="town",
    )  # fmt: skip
    MVUser.objects.create(
        user_id=f"X{i}", kind="public_transformer", feeder=feeder, transformer=t, county_id="522601",
        area_class="town",
    )  # fmt: skip
    LVCustomer.objects.create(account_no=f"XL{i}", name=f"XL{i}", transformer=t, county_id="522601")


def test_operator_edits_a_feeder_of_their_county(grid, operator):
    client = client_for(operator)
    url = reverse("grid:edit", args=["feeders", grid.feeder.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert 'value="S1"' in form.content.decode()  # the substation shown by its code
    response = client.post(
        url,
        {"code": "F1", "name": "10kV城东线", "substation": "S1", "county": "522601", "area_class": "central",
         "density_class": "A+", "rated_capacity_kva": "9000", "peak_load_kva": "6100"},
    )  # fmt: skip

    assert response.status_code == 302
    grid.feeder.refresh_from_db()
    assert (grid.feeder.area_class, grid.feeder.density_class, grid.feeder.rated_capacity_kva) == (
        "central",
        "A+",
        9000,
    )


def test_operator_of_another_county_cannot_edit_this_feeder(grid, operator_elsewhere):
    client = client_for(operator_elsewhere)
    url = reverse("grid:edit", args=["feeders", grid.feeder.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"code": "F1", "name": "x"}).status_code == 403
    grid.feeder.refresh_from_db()
    assert grid.feeder.name == "10kV城东线"


def test_operator_cannot_create_a_row_in_another_county(grid, operator):
    response = client_for(operator).post(
        reverse("grid:new", args=["substations"]),
        {"code": "S5", "name": "黄平站", "county": "522622", "voltage_kv": "35"},
    )
    assert response.status_code == 400
    assert not Substation.objects.filter(code="S5").exists()


def test_bad_form_keeps_what_was_typed(grid, operator):
    response = client_for(operator).post(
        reverse("grid:new", args=["mv-users"]),
        {"user_id": "U7", "kind": "public_transformer", "name": "新公变", "feeder": "F1", "transformer": "C1",
         "county": "522601", "area_class": "town"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400
    assert "公用配变用户的配变须为公用变" in body
    assert 'value="新公变"' in body and 'value="C1"' in body
    assert not MVUser.objects.filter(user_id="U7").exists()


def test_unknown_code_is_a_clear_error(grid, operator):
    response = client_for(operator).post(
        reverse("grid:new", args=["transformers"]),
        {"code": "T8", "name": "T8", "feeder": "NOPE", "ownership": "public", "capacity_kva": "100",
         "county": "522601", "area_class": "town"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "没有这个编号" in response.content.decode()


def test_mv_user_id_cannot_change_once_given(grid, operator):
    user = grid.users["T1"]
    client_for(operator).post(
        reverse("grid:edit", args=["mv-users", user.pk]),
        {"user_id": "CHANGED", "kind": "public_transformer", "name": "改名", "feeder": "F1", "transformer": "T1",
         "county": "522601", "area_class": "urban"},
    )  # fmt: skip
    user.refresh_from_db()
    assert (user.user_id, user.name) == ("T1", "改名")


def test_upload_reports_bad_rows_and_keeps_good_ones(db, operator):
    csv = "code,name,county,voltage_kv\nS1,凯里站,522601,110\nS2,,522601,35\nS3,黄平站,522622,35\n"
    response = client_for(operator).post(
        reverse("grid:upload"), {"substations": SimpleUploadedFile("s.csv", csv.encode(), content_type="text/csv")}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "line 3, field name: required" in body
    assert "line 4, field county: you may not edit the grid of county 522622" in body
    assert list(Substation.objects.values_list("code", flat=True)) == ["S1"]


def test_upload_without_files_says_so(db, admin_user):
    response = client_for(admin_user).post(reverse("grid:upload"), {})
    assert response.status_code == 400
    assert "请至少选择一个 CSV 文件" in response.content.decode()


def test_prefecture_operator_edits_any_county(db, prefecture_operator):
    build_grid()
    f9 = Feeder.objects.get(code="F9")
    response = client_for(prefecture_operator).get(reverse("grid:edit", args=["feeders", f9.pk]))
    assert response.status_code == 200


def test_nav_shows_grid_and_outages_to_those_who_may_see_them(db, operator, alice):
    page = client_for(operator).get(reverse("grid:index")).content.decode()
    assert 'id="nav-grid"' in page and 'id="nav-outages"' in page
    home = client_for(alice).get("/").content.decode()
    assert 'id="nav-grid"' not in home
