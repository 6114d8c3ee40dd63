"""The public outage page (no login), its county feeds and `GET /api/v1/public/outages`: all read
bandian.outages.public, so the page, the feed and the JSON say the same."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ninja import Router

from bandian.accounts.models import County
from bandian.core.countymap import CountyStyle, county_map
from bandian.core.errors import ServiceError
from bandian.core.schemas import COUNTY_PARAMETER, errors, query_parameter
from bandian.core.time import SHANGHAI
from bandian.outages import public

CURRENT, PLANNED, BOTH = "#c0392b", "#d68910", "#8e44ad"


def _map(rows: list[public.PublicOutage], chosen: County | None) -> str:
    counts = public.by_county(rows)
    names = dict(County.objects.values_list("adcode", "name"))
    styles = {}
    base = reverse("outages_public:page")
    for adcode, name in names.items():
        current, planned = counts.get(adcode, (0, 0))
        fill = BOTH if current and planned else CURRENT if current else PLANNED if planned else "#e1e6eb"
        label = _("%(name)s：当前停电 %(c)d 起，计划停电 %(p)d 起") % {"name": name, "c": current, "p": planned}
        styles[adcode] = CountyStyle(fill=fill, label=label, href=f"{base}?county={adcode}")
    legend = [(CURRENT, _("有当前停电")), (PLANNED, _("有计划停电")), (BOTH, _("两者都有")), ("#e1e6eb", _("无"))]
    return county_map(styles, title=_("各县市停电信息"), legend=legend)


@require_safe
def page(request: HttpRequest) -> HttpResponse:
    params = {"county": request.GET.get("county"), "start": request.GET.get("from"), "end": request.GET.get("to")}
    try:
        w = public.window(county=params["county"], start=params["start"], end=params["end"])
    except ServiceError as exc:
        context: dict[str, Any] = {"error": str(exc), "counties": County.objects.order_by("adcode"), "params": params}
        return render(request, "outages/public.html", context, status=400)
    rows = public.outages(w)
    everywhere = rows if w.county is None else public.outages(public.Window(None, w.start, w.end))
    context = {
        "window": w,
        "params": params,
        "counties": County.objects.order_by("adcode"),
        "current": [r for r in rows if r.status == "current"],
        "planned": [r for r in rows if r.status == "planned"],
        "map": _map(everywhere, w.county),
    }
    return render(request, "outages/public.html", context)


class CountyFeed(Feed):
    """RSS 2.0 of a county's current and planned outages."""

    description_template = "outages/feed_item.html"

    def get_object(self, request: HttpRequest, adcode: str) -> County:  # type: ignore[override]
        county = County.objects.filter(adcode=adcode).first()
        if county is None:
            raise Http404("no such county")
        return county

    def title(self, obj: County) -> str:
        return _("%(county)s停电信息") % {"county": obj.name}

    def link(self, obj: County) -> str:
        return f"{reverse('outages_public:page')}?county={obj.adcode}"

    def description(self, obj: County) -> str:
        return _("%(county)s的当前停电和计划停电（抢修进度、预计恢复送电时间）。") % {"county": obj.name}

    def items(self, obj: County) -> list[public.PublicOutage]:
        return public.outages(public.Window(obj, public.window(county=None, start=None, end=None).start, None))

    def item_title(self, item: public.PublicOutage) -> str:
        when = item.start.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return f"{item.kind_label} {item.area} {when}"

    def item_link(self, item: public.PublicOutage) -> str:
        return f"{reverse('outages_public:page')}?county={item.county}#{item.reference}"

    def item_guid(self, item: public.PublicOutage) -> str:
        return f"{item.reference}:{item.progress}:{item.start.isoformat()}:{item.end.isoformat() if item.end else ''}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: public.PublicOutage):  # type: ignore[no-untyped-def]
        return item.start


# GET /api/v1/public/outages

router = Router()


@router.get(
    "/outages",
    response={200: dict[str, Any], **errors(400)},
    openapi_extra={
        "parameters": [
            COUNTY_PARAMETER,
            query_parameter("from", {"type": "string", "format": "date"}, "the first day (YYYY-MM-DD); none: today"),
            query_parameter(
                "to", {"type": "string", "format": "date"}, f"the last day, at most {public.MAX_SPAN_DAYS} days later"
            ),
        ]
    },
    summary="Current and planned outages (public)",
    description="No login. `?county=<adcode>&from=YYYY-MM-DD&to=YYYY-MM-DD`; a bad parameter is a 400 naming it.",
)
def outages_json(request: HttpRequest) -> dict[str, Any]:
    """The same as the public outage page, as JSON: current outages (with repair progress and the
    estimated restoration) and planned ones, per county. Bad parameters: 400 naming them."""
    w = public.window(county=request.GET.get("county"), start=request.GET.get("from"), end=request.GET.get("to"))
    return {
        "county": w.county.adcode if w.county else None,
        "from": w.start.isoformat(),
        "to": w.end.isoformat() if w.end else None,
        "outages": [r.as_json() for r in public.outages(w)],
    }
