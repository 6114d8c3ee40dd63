"""Reading outage events for a user: 404 when they may not see it."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from bandian.accounts.rules import AnyUser
from bandian.outages import rules
from bandian.outages.models import OutageEvent, PlannedOutage, RestorationStep


def visible_events(user: AnyUser) -> QuerySet[OutageEvent]:
    if not rules.can_view_outages(user):
        return OutageEvent.objects.none()
    return OutageEvent.objects.all()


def _count(rows: QuerySet, key: str) -> Coalesce:
    """COUNT(*) of `rows` per `key`, as a subquery: two Counts over two many-to-many joins in one
    query would multiply the rows (affected × restored) before counting."""
    counted = rows.order_by().values(key).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), Value(0))


def events_with_counts(user: AnyUser) -> QuerySet[OutageEvent]:
    """Events with `n_affected` and `n_restored` for list pages (one query)."""
    affected = OutageEvent.affected_users.through.objects.filter(outageevent_id=OuterRef("pk"))
    restored = RestorationStep.users.through.objects.filter(restorationstep__event_id=OuterRef("pk"))
    return (
        visible_events(user)
        .select_related("feeder", "county")
        .annotate(
            n_affected=_count(affected, "outageevent_id"),
            n_restored=_count(restored, "restorationstep__event_id"),
        )
    )


def get_event_for_user(user: AnyUser, reference: str) -> OutageEvent:
    event = visible_events(user).select_related("feeder", "county", "entered_by").filter(reference=reference).first()
    if event is None:
        raise Http404("no such outage event")
    return event


def plan_by_reference(reference: str) -> PlannedOutage | None:
    """The planned outage of a reference, whoever asks (the caller checks who may see it)."""
    return PlannedOutage.objects.select_related("feeder", "county", "event").filter(reference=reference).first()


def event_by_reference(reference: str) -> OutageEvent | None:
    return OutageEvent.objects.select_related("feeder", "county").filter(reference=reference).first()
