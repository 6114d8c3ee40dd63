"""Back-office pages of the grid model: lists with filters, create/edit forms, the CSV upload."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bandian.accounts.models import User
from bandian.grid import history, rules, services
from bandian.grid.forms import (
    FeederForm,
    GridFilterForm,
    GridUploadForm,
    LVCustomerForm,
    MVUserForm,
    SubstationForm,
    TransformerForm,
)
from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer

PAGE_SIZE = 50


def _dash(value: Any) -> Any:
    return "—" if value in (None, "") else value


@dataclass(frozen=True)
class Entity:
    """One kind of grid row, as the pages show and edit it."""

    slug: str
    model: type[Model]
    form: type
    title: Any
    key: str
    related: tuple[str, ...]
    has_area: bool
    headers: tuple[Any, ...]
    cells: Callable[[Any], list[Any]]


ENTITIES: dict[str, Entity] = {
    e.slug: e
    for e in [
        Entity(
            "substations", Substation, SubstationForm, gettext_lazy("变电站"), "code", ("county",), False,
            (gettext_lazy("编号"), gettext_lazy("名称"), gettext_lazy("县市"), gettext_lazy("电压等级（kV）")),
            lambda s: [s.code, s.name, s.county, s.voltage_kv],
        ),
        Entity(
            "feeders", Feeder, FeederForm, gettext_lazy("10 kV 线路"), "code", ("county", "substation"), True,
            (gettext_lazy("编号"), gettext_lazy("名称"), gettext_lazy("变电站"), gettext_lazy("县市"),
             gettext_lazy("供电区域"), gettext_lazy("负荷密度分区"), gettext_lazy("额定容量（kVA）"),
             gettext_lazy("最大负荷（kVA）")),
            lambda f: [f.code, f.name, f.substation.code, f.county, f.get_area_class_display(),
                       _dash(f.density_class), f.rated_capacity_kva, _dash(f.peak_load_kva)],
        ),
        Entity(
            "transformers", Transformer, TransformerForm, gettext_lazy("配变"), "code", ("county", "feeder"), True,
            (gettext_lazy("编号"), gettext_lazy("名称"), gettext_lazy("线路"), gettext_lazy("产权"),
             gettext_lazy("容量（kVA）"), gettext_lazy("县市"), gettext_lazy("供电区域")),
            lambda t: [t.code, t.name, t.feeder.code, t.get_ownership_display(), t.capacity_kva, t.county,
                       t.get_area_class_display()],
        ),
        Entity(
            "mv-users", MVUser, MVUserForm, gettext_lazy("中压用户"), "user_id", ("county", "feeder", "transformer"),
            True,
            (gettext_lazy("用户编号"), gettext_lazy("类别"), gettext_lazy("名称"), gettext_lazy("线路"),
             gettext_lazy("配变"), gettext_lazy("县市"), gettext_lazy("供电区域"), gettext_lazy("投运日期"),
             gettext_lazy("退运日期")),
            lambda u: [u.user_id, _dash(u.get_kind_display()), _dash(u.name), u.feeder.code if u.feeder else "—",
                       u.transformer.code if u.transformer else "—", u.county, u.get_area_class_display(),
                       _dash(u.in_service_from), _dash(u.in_service_to)],
        ),
        Entity(
            "lv-customers", LVCustomer, LVCustomerForm, gettext_lazy("低压客户"), "account_no",
            ("county", "transformer"), False,
            (gettext_lazy("户号"), gettext_lazy("名称"), gettext_lazy("配变"), gettext_lazy("县市")),
            lambda c: [c.account_no, c.name, c.transformer.code, c.county],
        ),
    ]
}  # fmt: skip


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _entity(slug: str) -> Entity:
    entity = ENTITIES.get(slug)
    if entity is None:
        raise Http404("no such kind of grid row")
    return entity


def _require_view(request: HttpRequest) -> User:
    user = _user(request)
    if not rules.can_view_grid(user):
        raise PermissionDenied
    return user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _require_view(request)
    counts = [(e, e.model._default_manager.count()) for e in ENTITIES.values()]
    recent = history.recent([e.model for e in ENTITIES.values()])
    context = {"counts": counts, "can_edit": rules.can_edit_grid(user), "history": recent}
    return render(request, "grid/index.html", context)


def filtered(entity: Entity, form: GridFilterForm) -> QuerySet:
    rows = entity.model._default_manager.select_related(*entity.related)
    if form.is_valid():
        data = form.cleaned_data
        if data["county"]:
            rows = rows.filter(county=data["county"])
        # Kinds without an area class have no such field in their form.
        if entity.has_area and data.get("area_class"):
            rows = rows.filter(area_class=data["area_class"])
        if data["q"]:
            rows = rows.filter(Q(**{f"{entity.key}__icontains": data["q"]}) | Q(name__icontains=data["q"]))
    return rows.order_by(entity.key)


@login_required
def row_list(request: HttpRequest, kind: str) -> HttpResponse:
    user = _require_view(request)
    entity = _entity(kind)
    form = GridFilterForm(request.GET or None)
    if not entity.has_area:
        del form.fields["area_class"]
    page = Paginator(filtered(entity, form), PAGE_SIZE).get_page(request.GET.get("page"))
    editable = rules.editable_county_ids(user)
    can_edit = rules.can_edit_grid(user)
    rows = [
        {
            "pk": obj.pk,
            "cells": entity.cells(obj),
            "editable": can_edit and (editable is None or obj.county_id in editable),
        }
        for obj in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "entity": entity, "form": form, "page": page, "rows": rows, "query": query.urlencode(), "can_edit": can_edit,
    }  # fmt: skip
    return render(request, "grid/list.html", context)


@login_required
def row_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One grid row with its change history."""
    user = _require_view(request)
    entity = _entity(kind)
    obj = get_object_or_404(entity.model._default_manager.select_related(*entity.related), pk=pk)
    context = {
        "entity": entity,
        "obj": obj,
        "fields": list(zip(entity.headers, entity.cells(obj), strict=True)),
        "history": history.history_of(obj),
        "can_edit": rules.can_edit_county(user, obj.county_id),  # type: ignore[attr-defined]
    }
    return render(request, "grid/detail.html", context)


@login_required
def row_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or edit a grid row of a county this user may edit."""
    user = _user(request)
    entity = _entity(kind)
    if not rules.can_edit_grid(user):
        raise PermissionDenied
    instance = None
    if pk is not None:
        instance = get_object_or_404(entity.model, pk=pk)
        if not rules.can_edit_county(user, instance.county_id):  # type: ignore[attr-defined]
            raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = entity.form(data, instance=instance, counties=rules.editable_county_ids(user))
    if request.method == "POST" and form.is_valid():
        try:
            services.grid_row_save(row=form.save(commit=False), actor=user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("grid:list", kind=entity.slug)
    status = 400 if request.method == "POST" else 200
    context = {
        "entity": entity, "form": form, "instance": instance,
        "history": history.history_of(instance) if instance is not None else [],
    }  # fmt: skip
    return render(request, "grid/form.html", context, status=status)


@login_required
@require_POST
def row_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Delete a grid row nothing refers to any more; its history stays."""
    user = _user(request)
    entity = _entity(kind)
    if not rules.can_edit_grid(user):
        raise PermissionDenied
    obj = get_object_or_404(entity.model, pk=pk)
    if not rules.can_edit_county(user, obj.county_id):  # type: ignore[attr-defined]
        raise PermissionDenied
    try:
        services.grid_row_delete(row=obj, actor=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("grid:edit", kind=entity.slug, pk=pk)
    messages.success(request, _("已删除 %(what)s。") % {"what": obj})
    return redirect("grid:list", kind=entity.slug)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Load grid CSV files; the page lists each bad row by line and field."""
    user = _user(request)
    if not rules.can_edit_grid(user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = GridUploadForm(request.POST if posted else None, request.FILES if posted else None)
    reports = None
    if request.method == "POST" and form.is_valid():
        files = {name: f.read() for name, f in form.cleaned_data.items() if f}
        loaded = services.grid_files_load(files=files, actor=user)
        reports = [(ENTITIES[r.name.replace("_", "-")].title, r) for r in loaded]
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "grid/upload.html", {"form": form, "reports": reports}, status=status)
