"""Pages of the service rating: the applicant's rating (signed in, or through the SMS link), the
county customer service's follow-ups of 差评, the supervisors' list of every 差评, and the
published figures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from bandian.accounts.models import Role, User
from bandian.accounts.rules import active_user, signed_in_user
from bandian.applications.enums import Status
from bandian.applications.models import Application
from bandian.applications.ratings import rules, selectors, services
from bandian.applications.ratings.models import FollowUp, Level
from bandian.applications.selectors import get_application_for_user
from bandian.core.errors import REFUSALS, refusal_text
from bandian.core.limits import parse_year
from bandian.core.time import SHANGHAI
from bandian.policy.loader import active_policy

LEVEL_CHOICES = [("", "—"), *Level.choices]


class RatingForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("总体满意度"), choices=Level.choices, widget=forms.RadioSelect)
    customer_manager_level = forms.ChoiceField(label=gettext_lazy("客户经理"), choices=LEVEL_CHOICES, required=False)
    project_manager_level = forms.ChoiceField(label=gettext_lazy("项目经理"), choices=LEVEL_CHOICES, required=False)
    comment = forms.CharField(
        label=gettext_lazy("意见和建议（可不填）"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _rateable(app: Application) -> bool:
    return app.status in Status.closed_states() and app.submitted_at is not None


def _page(
    request: HttpRequest, app: Application, *, can_rate: bool, form: RatingForm | None, status: int = 200
) -> HttpResponse:
    rating = selectors.rating_of(app)
    return render(
        request,
        "ratings/rate.html",
        {
            "app": app,
            "rating": rating,
            "follow_up": getattr(rating, "follow_up", None) if rating is not None and rating.bad else None,
            "form": form or RatingForm(),
            "can_rate": can_rate and rating is None and _rateable(app),
            "rateable": _rateable(app),
        },
        status=status,
    )


def _submit(request: HttpRequest, app: Application, *, actor: User | None, via_link: bool) -> HttpResponse | RatingForm:
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_submit(
                application=app,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
                customer_manager_level=form.cleaned_data["customer_manager_level"] or None,
                project_manager_level=form.cleaned_data["project_manager_level"] or None,
                actor=actor,
                via_link=via_link,
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect(request.path)
    return form


@login_required
def rate_page(request: HttpRequest, no: str) -> HttpResponse:
    app = get_application_for_user(request.user, no)
    can_rate = rules.can_rate(request.user, app)
    if request.method == "POST":
        if not can_rate:
            raise PermissionDenied
        result = _submit(request, app, actor=signed_in_user(request), via_link=False)
        if isinstance(result, HttpResponse):
            return result
        return _page(request, app, can_rate=True, form=result, status=400)
    return _page(request, app, can_rate=can_rate, form=None)


def link_page(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS link of a counter customer (no account): the signed token names the application."""
    user = active_user(request.user)
    if user is not None and user.role != Role.APPLICANT:
        raise PermissionDenied(_("工作人员不能评价或修改评价"))
    try:
        app = services.application_for_token(token)
    except REFUSALS as exc:
        return render(request, "ratings/link_invalid.html", {"message": refusal_text(exc)}, status=400)
    if user is not None and app.applicant_id not in (None, user.pk):
        raise PermissionDenied
    if request.method == "POST":
        result = _submit(request, app, actor=user, via_link=True)
        if isinstance(result, HttpResponse):
            return result
        return _page(request, app, can_rate=True, form=result, status=400)
    return _page(request, app, can_rate=True, form=None)


# The county's customer service.


class NoteForm(forms.Form):
    text = forms.CharField(max_length=services.COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    if not rules.handles_follow_ups(request.user):
        raise PermissionDenied
    staff = signed_in_user(request)
    assert staff.county_id is not None
    now = timezone.now()
    rows = list(selectors.county_follow_ups(staff.county_id))
    return render(request, "ratings/follow_ups.html", {"rows": rows, "now": now})


def _follow_up_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    follow_up = get_object_or_404(FollowUp, pk=pk)
    if not rules.can_follow_up(request.user, follow_up):
        raise PermissionDenied
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写内容（不超过 %(n)s 个字）") % {"n": services.COMMENT_MAX})
        return redirect("ratings:follow_ups")
    try:
        if action == "callback":
            services.follow_up_callback(
                follow_up=follow_up, actor=signed_in_user(request), note=form.cleaned_data["text"]
            )
            messages.success(request, _("已记录回访"))
        else:
            services.follow_up_rectify(
                follow_up=follow_up, actor=signed_in_user(request), rectification=form.cleaned_data["text"]
            )
            messages.success(request, _("已记录整改"))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    return redirect("ratings:follow_ups")


@login_required
@require_POST
def callback(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_up_action(request, pk, "callback")


@login_required
@require_POST
def rectify(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_up_action(request, pk, "rectify")


# Supervisors and the public.


def _year(request: HttpRequest) -> tuple[int, str]:
    this_year = timezone.now().astimezone(SHANGHAI).year
    return parse_year(request.GET.get("year"), default=this_year, years=range(2021, this_year + 1))


@login_required
def bad_list(request: HttpRequest) -> HttpResponse:
    if not rules.can_see_bad_ratings(request.user):
        raise PermissionDenied
    year, error = _year(request)
    policy = active_policy()
    county = request.GET.get("county", "")
    county = county if county in policy.counties else ""
    rows = selectors.bad_ratings(county=county or None, year=year)
    return render(
        request,
        "ratings/bad_list.html",
        {
            "rows": [(r, policy.counties.get(r.county, r.county)) for r in rows],
            "year": year,
            "error": error,
            "county": county,
            "counties": sorted(policy.counties.items()),
            "handled": sum(1 for r in rows if r.handled_at is not None),
            "in_time": sum(1 for r in rows if r.in_time),
            "overdue": sum(1 for r in rows if r.overdue),
        },
        status=400 if error else 200,
    )


@require_safe
def public_figures(request: HttpRequest) -> HttpResponse:
    year, error = _year(request)
    policy = active_policy()
    rows: list[dict[str, Any]] = [
        {
            "m": m,
            "county_name": policy.counties.get(m.county, m.county),
            "shares": [m.shares.get(lv) for lv in Level.values],
        }
        for m in selectors.published_figures(year)
    ]
    return render(
        request,
        "ratings/public.html",
        {
            "rows": rows,
            "year": year,
            "error": error,
            "levels": [label for _v, label in Level.choices],
            "minimum": policy.ratings.min_published,
            "limit_days": policy.ratings.follow_up_workdays,
        },
        status=400 if error else 200,
    )
