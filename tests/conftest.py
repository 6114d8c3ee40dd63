"""The fixed cast: alice applies, bob is another applicant, mallory is an outsider; staff of
Kaili (522601) and of Huangping (522622); a supervisor and an admin."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from bandian.accounts.models import County, Role, User
from bandian.applications import services
from bandian.applications.models import Application
from bandian.workdays.selectors import forget_calendar

PASSWORD = "correct-horse-battery"

# The smallest files each type's magic bytes identify.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def seed_reference_data() -> None:
    """The rows the migrations seed (counties, the 2004–2026 calendar), again if a flush removed them."""
    from bandian.policy.loader import active_policy
    from bandian.workdays.models import CalendarYear, SpecialDay
    from bandian.workdays.seed import SEED_SOURCE, SEED_YEARS, seed_days

    County.objects.bulk_create(
        [County(adcode=code, name=name) for code, name in active_policy().counties.items()], ignore_conflicts=True
    )
    if not CalendarYear.objects.exists():
        SpecialDay.objects.bulk_create([SpecialDay(date=d, kind=k, name=n) for d, k, n in seed_days()])
        CalendarYear.objects.bulk_create([CalendarYear(year=y, source=SEED_SOURCE) for y in SEED_YEARS])


@pytest.fixture(autouse=True)
def _reference_data(request) -> None:
    """A transactional test flushes the database when it ends, seeded rows included: put them back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        seed_reference_data()


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The default cache (files shared by the processes of one machine), empty for every test.
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "LOCATION": str(tmp_path / "cache")}
        if django_settings.CACHES["default"]["BACKEND"].endswith("SharedFileCache")
        else django_settings.CACHES["default"]
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    forget_calendar()
    # Start in the site's language: a page requested in English earlier in this worker leaves
    # English active in the thread, and services write notifications in the active language.
    with translation.override(django_settings.LANGUAGE_CODE):
        yield
    forget_calendar()


def pdf_upload(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png_upload(name: str = "doc.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def make_user(username: str, role: str, county: str | None = None, phone: str = "") -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        county=County.objects.get(pk=county) if county else None,
        phone=phone,
        display_name=username,
    )


@pytest.fixture
def kaili(db) -> County:
    return County.objects.get(pk="522601")


@pytest.fixture
def alice(db) -> User:
    return make_user("13800000001", Role.APPLICANT, phone="13800000001")


@pytest.fixture
def bob(db) -> User:
    return make_user("13800000002", Role.APPLICANT, phone="13800000002")


@pytest.fixture
def mallory(db) -> User:
    return make_user("13800000666", Role.APPLICANT, phone="13800000666")


@pytest.fixture
def cm(db) -> User:
    return make_user("cm-kaili", Role.CUSTOMER_MANAGER, "522601")


@pytest.fixture
def pm(db) -> User:
    return make_user("pm-kaili", Role.PROJECT_MANAGER, "522601")


@pytest.fixture
def counter(db) -> User:
    return make_user("counter-kaili", Role.COUNTER, "522601")


@pytest.fixture
def cm_elsewhere(db) -> User:
    return make_user("cm-huangping", Role.CUSTOMER_MANAGER, "522622")


@pytest.fixture
def supervisor(db) -> User:
    return make_user("supervisor", Role.SUPERVISOR)


@pytest.fixture
def admin_user(db) -> User:
    user = make_user("admin", Role.ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def draft(applicant: User, county: County, customer_class: str = "residential", **kw) -> Application:
    voltage = Decimal("10") if customer_class.startswith("hv") else Decimal("0.22")
    return services.application_create(
        actor=applicant,
        applicant=applicant,
        customer_class=customer_class,
        county=county,
        urban=kw.pop("urban", True),
        address=kw.pop("address", "凯里市北京东路 1 号"),
        capacity_kw=kw.pop("capacity_kw", Decimal("8")),
        voltage_kv=kw.pop("voltage_kv", voltage),
        **kw,
    )


def submitted(applicant: User, county: County, customer_class: str = "residential", **kw) -> Application:
    """An application with all its documents, submitted."""
    from bandian.policy.loader import active_policy

    app = draft(applicant, county, customer_class, **kw)
    for kind in active_policy().classes[app.customer_class].documents:  # type: ignore[index]
        services.document_upload(application=app, kind=kind, upload=pdf_upload(), actor=applicant)
    services.application_submit(application=app, actor=applicant)
    app.refresh_from_db()
    return app


@pytest.fixture
def staffed(cm, pm) -> tuple[User, User]:
    return cm, pm


__all__ = ["PASSWORD", "client_for", "draft", "io", "make_user", "pdf_upload", "png_upload", "submitted"]
