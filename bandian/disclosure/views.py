import csv
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from bandian.core.countymap import CountyStyle, county_map
from bandian.core.errors import ServiceError
from bandian.core.text import label
from bandian.disclosure import capacity, guide, opendata
from bandian.disclosure.fees import fee_lines
from bandian.disclosure.params import capacity_kw_param, county_param
from bandian.disclosure.selectors import public_anchors
from bandian.policy.loader import active_policy

ANCHORS_PER_PAGE = 100


def _plan_figures() -> dict[str, Any]:
    """The numbers the home page promises, from the policy in force today: each class's time
    limit, the residential steps and documents, the 三零 capacity."""
    policy = active_policy()
    today = timezone.localdate()
    figures: dict[str, Any] = {"sanling_kw": policy.sanling.max_kw}
    for code, rule in policy.classes.items():
        # The limit for an application submitted today (the last one set, should today have none).
        limit = rule.limit_on(today) or max(rule.limits, key=lambda lim: lim.valid_from)
        figures[code] = {"total": limit.total, "steps": rule.steps_max, "documents": rule.documents_max}
    return figures


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"plan": _plan_figures()})


@require_GET
def anchors(request: HttpRequest) -> HttpResponse:
    """The daily anchors of the timeline, for anyone: no login, nothing recorded by viewing."""
    page = Paginator(public_anchors(), ANCHORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "disclosure/anchors.html", {"page": page})


@require_safe
def guide_index(request: HttpRequest) -> HttpResponse:
    """The service guide: every customer class, each linking to its own guide."""
    policy = active_policy()
    classes = guide.service_guide(policy, today=timezone.localdate())
    return render(request, "disclosure/guide_index.html", {"classes": classes, "policy": guide.policy_header(policy)})


@require_safe
def guide_class(request: HttpRequest, customer_class: str) -> HttpResponse:
    """The service guide of one customer class (printable)."""
    policy = active_policy()
    if customer_class not in policy.classes:
        raise Http404
    context = {
        "g": guide.class_guide(policy, customer_class, today=timezone.localdate()),
        "policy": guide.policy_header(policy),
        "others": [(code, label(rule)) for code, rule in policy.classes.items() if code != customer_class],
    }
    return render(request, "disclosure/guide_class.html", context)


@require_safe
def fees(request: HttpRequest) -> HttpResponse:
    """The fee catalogue with each item's legal basis, and the hotlines."""
    policy = active_policy()
    lines = fee_lines(policy, today=timezone.localdate())
    return render(request, "disclosure/fees.html", {"fees": lines, "policy": guide.policy_header(policy)})


def _refused(request: HttpRequest, exc: ServiceError, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {**context, "error": str(exc)}, status=400)


def _capacity_map(report: capacity.CapacityReport) -> str:
    styles = {}
    for c in report.counties:
        share = "—" if c.headroom_share is None else f"{c.headroom_share:.0%}"
        words = _("%(name)s：%(status)s，余量 %(share)s") % {"name": c.name, "status": c.status_label, "share": share}
        styles[c.adcode] = CountyStyle(
            fill=capacity.COLOURS[c.status], label=words, href=f"{reverse('disclosure:capacity')}?county={c.adcode}"
        )
    legend = [(capacity.COLOURS[s], capacity.status_label(s)) for s in ("green", "amber", "red", "unknown")]
    return county_map(styles, title=_("各县（市）配电网接入能力"), legend=legend)


@require_safe
def capacity_page(request: HttpRequest) -> HttpResponse:
    """The access capacity: the map of the 16 counties by headroom, each county's feeders."""
    context: dict[str, Any] = {"policy": guide.policy_header(active_policy())}
    try:
        county = county_param(request.GET)
    except ServiceError as exc:
        county = None
        context["error"] = str(exc)
    everything = capacity.capacity_report()
    shown = [c for c in everything.counties if county is None or c.adcode == county]
    context |= {
        "report": everything,
        "counties": shown,
        "county": county,
        "map": _capacity_map(everything),
        "thresholds": everything.thresholds,
    }
    return render(request, "disclosure/capacity.html", context, status=400 if "error" in context else 200)


def _about(generated_at: Any) -> list[str]:
    return [timezone.localtime(generated_at).isoformat(), active_policy().policy.name]


@require_safe
def capacity_csv(request: HttpRequest) -> HttpResponse:
    """Every feeder and substation (or one county's) as CSV, each row with the generation time
    and the policy in force."""
    try:
        county = county_param(request.GET)
    except ServiceError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    report = capacity.capacity_report(county=county)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="access-capacity.csv"'
    writer = csv.writer(response)
    writer.writerow([*capacity.CSV_FIELDS, "generated_at", "policy"])
    about = _about(report.generated_at)
    for line in report.lines():
        writer.writerow([*capacity.csv_row(line), *about])
    return response


@require_safe
def capacity_check(request: HttpRequest) -> HttpResponse:
    """The apply form's answer (htmx): whether the county chosen has headroom for the capacity."""
    if not (request.GET.get("capacity_kw") or "").strip():
        return render(request, "disclosure/_capacity_check.html", {})
    try:
        county = county_param(request.GET)
        kw = capacity_kw_param(request.GET)
    except ServiceError as exc:
        return render(request, "disclosure/_capacity_check.html", {"error": str(exc)})
    check = capacity.county_check(county, kw) if county else None
    return render(request, "disclosure/_capacity_check.html", {"check": check})


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    """Every public dataset: its formats, stable URLs and when it last changed."""
    year = timezone.localdate().year
    return render(
        request,
        "disclosure/open_data.html",
        {"datasets": opendata.datasets(year=year), "policy": guide.policy_header(active_policy())},
    )
