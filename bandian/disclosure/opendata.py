"""Open data (开放数据): every public dataset with its formats, stable URLs and when it last
changed. The URLs are the contract's paths (they do not move); each download carries the time it
was generated and the policy in force (`generated_at` and `policy` in the JSON, columns of the
CSV, the "about" sheet of the workbook), except the policy itself and the anchors, whose rows carry
their own dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max
from django.utils.translation import gettext as _

from bandian.applications.models import ChainAnchor, Event
from bandian.applications.ratings.models import Rating
from bandian.core.time import SHANGHAI
from bandian.disclosure.capacity import grid_updated_at
from bandian.outages.models import PlannedOutage
from bandian.policy.loader import active_policy


@dataclass(frozen=True)
class Download:
    format: str
    url: str


@dataclass(frozen=True)
class Dataset:
    key: str
    name: str
    description: str
    updated: dt.datetime | None
    updates: str
    downloads: list[Download]


def datasets(*, year: int) -> list[Dataset]:
    policy = active_policy()
    issued = dt.datetime.combine(policy.policy.issued, dt.time(), tzinfo=SHANGHAI)
    latest_event = Event.objects.aggregate(at=Max("received_at"))["at"]
    latest_rating = Rating.objects.aggregate(at=Max("rated_at"))["at"]
    latest_plan = PlannedOutage.objects.aggregate(at=Max("start_announced_at"))["at"]
    statistics_changed = max((t for t in (latest_event, latest_rating, latest_plan) if t), default=None)
    feed_county = next(iter(policy.counties), "522601")
    latest_anchor = ChainAnchor.objects.aggregate(at=Max("created_at"))["at"]
    return [
        Dataset(
            "policy",
            _("服务标准（现行方案）"),
            _("办电时限、环节、资料、零投资、审批、可靠性目标等全部规定。"),
            issued,
            _("方案修订时"),
            [Download("JSON", "/api/v1/policy")],
        ),
        Dataset(
            "guide",
            _("办事指南"),
            _("各类用户的办理环节、时限、资料、渠道、审批路径和投诉方式。"),
            issued,
            _("方案修订时"),
            [Download("HTML", "/public/guide/"), Download("JSON", "/api/v1/public/guide")],
        ),
        Dataset(
            "fees",
            _("收费项目目录清单"),
            _("政府定价的收费项目、标准和依据。"),
            issued,
            _("方案修订时"),
            [Download("HTML", "/public/fees/"), Download("JSON", "/api/v1/public/fees")],
        ),
        Dataset(
            "capacity",
            _("配电网接入能力"),
            _("各馈线、变电站的额定容量、最大负荷、在途占用和可开放容量。"),
            grid_updated_at(),
            _("电网数据更新或供电方案答复时"),
            [
                Download("HTML", "/public/capacity/"),
                Download("JSON", "/api/v1/public/capacity"),
                Download("CSV", "/public/capacity.csv"),
            ],
        ),
        Dataset(
            "statistics",
            _("公开统计"),
            _("按年份、县（市）的办电时间、环节、资料、零投资、审批、供电可靠性、服务评价和停电信息发布。"),
            statistics_changed,
            _("每有办电事件、评价或停电信息"),
            [
                Download("HTML", f"/public/statistics/?year={year}"),
                Download("JSON", f"/api/v1/public/statistics?year={year}"),
                Download("CSV", f"/public/statistics.csv?year={year}"),
                Download("Excel", f"/public/statistics.xlsx?year={year}"),
            ],
        ),
        Dataset(
            "outages",
            _("停电信息"),
            _("计划停电、故障停电及其恢复进度。"),
            None,
            _("实时"),
            [
                Download("HTML", "/public/outages/"),
                Download("JSON", "/api/v1/public/outages"),
                Download("RSS", f"/public/outages/feed/{feed_county}/"),
            ],
        ),
        Dataset(
            "ratings",
            _("服务评价结果"),
            _("各县（市）按月的评价件数、各等级占比和差评按期整改情况；每县每月不足规定件数的不公布。"),
            latest_rating,
            _("每有评价或差评整改"),
            [
                Download("HTML", f"/public/ratings/?year={year}"),
                Download("JSON", f"/api/v1/public/ratings?year={year}"),
            ],
        ),
        Dataset(
            "anchors",
            _("办电记录防篡改锚定值"),
            _("每日对全部申请时间线计算的 SHA-256 摘要。"),
            latest_anchor,
            _("每日"),
            [Download("HTML", "/public/anchors/"), Download("JSON", "/api/v1/public/anchors")],
        ),
    ]
