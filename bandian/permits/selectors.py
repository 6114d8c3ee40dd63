"""Reading approval cases for a user: 404 when they may not see it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bandian.accounts.rules import AnyUser
from bandian.permits import rules
from bandian.permits.models import ApprovalCase, CaseStatus, ItemStatus, PermitItem


def get_case_for_user(user: AnyUser, no: str) -> ApprovalCase:
    case = (
        rules.visible_cases(user)
        .select_related("application", "application__county", "application__customer_manager", "opened_by")
        .filter(no=no)
        .first()
    )
    if case is None:
        raise Http404("no such case")
    return case


def get_item_for_user(user: AnyUser, pk: int) -> PermitItem:
    item = rules.visible_items(user).select_related("case", "case__application", "department").filter(pk=pk).first()
    if item is None:
        raise Http404("no such item")
    return item


def overdue_item_q(now: dt.datetime) -> Q:
    """Items still waiting for their department past their due date."""
    return Q(status__in=ItemStatus.undecided_states(), due_at__lt=now, case__status=CaseStatus.OPEN)


def overdue_restoration_q(now: dt.datetime) -> Q:
    """Items whose restoration is not confirmed past the case's restoration deadline."""
    return Q(
        case__status=CaseStatus.RESTORING,
        case__restoration_due_at__lt=now,
        restoration_confirmed_at__isnull=True,
    )


def overdue_items(now: dt.datetime | None = None) -> QuerySet[PermitItem]:
    return PermitItem.objects.filter(overdue_item_q(now or timezone.now()))


def overdue_restorations(now: dt.datetime | None = None) -> QuerySet[PermitItem]:
    return PermitItem.objects.filter(overdue_restoration_q(now or timezone.now()))


def department_queue(user: AnyUser) -> QuerySet[PermitItem]:
    """A department's work: its items waiting for a decision or a restoration confirmation,
    soonest due first."""
    return (
        rules.visible_items(user)
        .filter(
            Q(status__in=ItemStatus.undecided_states(), case__status=CaseStatus.OPEN)
            | Q(case__status=CaseStatus.RESTORING, restoration_confirmed_at__isnull=True)
        )
        .select_related("case", "case__application", "case__application__county", "department")
        .order_by("due_at", "pk")
    )


def cases_for_user(user: AnyUser) -> QuerySet[ApprovalCase]:
    return rules.visible_cases(user).select_related("application", "application__county").order_by("-opened_at")
