from bandian.applications.enums import Channel, Status
from bandian.applications.models import Application
from bandian.policy.classes import CustomerClass
from tests.conftest import client_for

FORM = {
    "customer_class": "residential",
    "county": "522601",
    "area": "urban",
    "address": "凯里市北京东路 8 号",
    "capacity_kw": "8",
    "voltage_kv": "0.22",
}


def test_the_apply_form_offers_the_four_choices_and_sixteen_counties(alice):
    body = client_for(alice).get("/applications/new/").content.decode()
    for value in ('value="residential"', 'value="lv"', 'value="hv_single"', 'value="hv_dual"'):
        assert value in body
    assert body.count('<option value="5226') == 16
    assert 'for="id_address"' in body


def test_an_applicant_creates_a_draft_and_is_sent_to_the_documents(alice):
    response = client_for(alice).post("/applications/new/", FORM)
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/applications/{app.no}/documents/"
    assert app.applicant == alice and app.channel == Channel.ONLINE and app.status == Status.DRAFT
    assert app.urban and str(app.address) == FORM["address"] and app.phone == alice.phone


def test_low_voltage_non_residential_starts_as_lv_general_until_submission(alice):
    client_for(alice).post("/applications/new/", {**FORM, "customer_class": "lv", "capacity_kw": "60"})
    assert Application.objects.get().customer_class == CustomerClass.LV_GENERAL


def test_a_voltage_that_does_not_fit_the_class_is_refused_keeping_the_input(alice):
    response = client_for(alice).post("/applications/new/", {**FORM, "customer_class": "hv_single"})
    body = response.content.decode()
    assert response.status_code == 200 and "高压用户请选择 10 或 20 kV" in body
    assert FORM["address"] in body and 'value="8"' in body
    assert not Application.objects.exists()


def test_extended_boundary_needs_high_voltage_and_a_reason(alice):
    client = client_for(alice)
    body = client.post("/applications/new/", {**FORM, "extended_boundary": "on"}).content.decode()
    assert "仅适用于高压用户" in body
    hv = {**FORM, "customer_class": "hv_dual", "voltage_kv": "10", "capacity_kw": "800", "extended_boundary": "on"}
    assert "请说明延伸投资界面的理由" in client.post("/applications/new/", hv).content.decode()
    client.post("/applications/new/", {**hv, "extended_boundary_reason": "污染防治项目"})
    app = Application.objects.get()
    assert app.extended_boundary and app.extended_boundary_reason == "污染防治项目"


def test_missing_fields_are_named(alice):
    body = client_for(alice).post("/applications/new/", {**FORM, "address": "", "capacity_kw": "-3"}).content.decode()
    assert body.count('class="errorlist"') >= 2


def test_apply_refuses_outsiders(db, cm, supervisor, counter):
    assert client_for(None).get("/applications/new/")["Location"].startswith("/accounts/login/")
    for user in (cm, supervisor, counter):
        assert client_for(user).get("/applications/new/").status_code == 403
        assert client_for(user).post("/applications/new/", FORM).status_code == 403
    assert not Application.objects.exists()


COUNTER_FORM = {**FORM, "applicant_name": "王五", "phone": "13700001111", "id_number": "522601198001011111"}


def test_counter_staff_enter_an_application_for_a_customer(counter):
    response = client_for(counter).post("/applications/counter/new/", COUNTER_FORM)
    app = Application.objects.get()
    assert response["Location"] == f"/applications/{app.no}/documents/"
    assert app.channel == Channel.COUNTER and app.entered_by == counter and app.applicant is None
    assert app.applicant_name == "王五" and app.phone == "13700001111"
    assert app.applicant_ref and "1980" not in app.applicant_ref


def test_a_counter_application_for_a_registered_phone_shows_in_their_list(counter, alice):
    client_for(counter).post("/applications/counter/new/", {**COUNTER_FORM, "phone": alice.phone})
    app = Application.objects.get()
    assert app.applicant == alice and app.entered_by == counter
    assert app.no in client_for(alice).get("/applications/").content.decode()


def test_counter_staff_enter_for_their_own_county_only(counter):
    response = client_for(counter).post("/applications/counter/new/", {**COUNTER_FORM, "county": "522622"})
    assert response.status_code == 200 and not Application.objects.exists()
    assert "王五" in response.content.decode()


def test_enter_for_customer_refuses_everyone_but_counter_staff(alice, cm, pm, supervisor):
    assert client_for(None).get("/applications/counter/new/").status_code == 302
    for user in (alice, cm, pm, supervisor):
        assert client_for(user).post("/applications/counter/new/", COUNTER_FORM).status_code == 403
    assert not Application.objects.exists()


def test_a_service_refusal_is_shown_on_the_form_with_the_input_kept(alice):
    response = client_for(alice).post("/applications/new/", {**FORM, "customer_class": "lv", "capacity_kw": "5000"})
    body = response.content.decode()
    assert response.status_code == 200 and "低压报装容量过大" in body and 'value="5000"' in body
    assert not Application.objects.exists()
