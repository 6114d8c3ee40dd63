from django.db import models
from django.utils.translation import gettext_lazy as _


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("计划停电")
    FAULT = "fault", _("故障停电")


class OutageCause(models.TextChoices):
    INTERNAL = "internal", _("内部原因")
    EXTERNAL = "external", _("外部原因")
    RATIONING = "rationing", _("限电")


class EventScope(models.TextChoices):
    FEEDER = "feeder", _("整条线路")
    TRANSFORMERS = "transformers", _("配变")


class Source(models.TextChoices):
    ENTERED = "entered", _("后台录入")
    IMPORTED = "imported", _("文件导入")


class PlanStatus(models.TextChoices):
    """Where a planned outage (计划停电) stands."""

    ANNOUNCED = "announced", _("已公告")
    CANCELLED = "cancelled", _("已取消")
    STARTED = "started", _("已停电")


class ProgressStage(models.TextChoices):
    """A step of repair (抢修进度), told to the customers still out of supply."""

    REPORTED = "reported", _("已受理")
    DISPATCHED = "dispatched", _("抢修人员已出发")
    LOCATED = "located", _("故障已查明")
    REPAIRING = "repairing", _("正在抢修")
    ESTIMATE = "estimate", _("预计恢复送电时间")
    PARTLY_RESTORED = "partly_restored", _("部分恢复送电")
    RESTORED = "restored", _("已恢复送电")


# The stages a person records (REPORTED is recorded when the outage is entered).
RECORDED_STAGES = [s for s in ProgressStage if s != ProgressStage.REPORTED]


class NoticeKind(models.TextChoices):
    """What a notice to the affected customers told them."""

    PLANNED = "planned", _("停电计划")
    CHANGED = "changed", _("停电计划变更")
    CANCELLED = "cancelled", _("停电计划取消")
    FAULT = "fault", _("故障停电")
    PROGRESS = "progress", _("抢修进度")
    RESTORED = "restored", _("恢复送电")


class OrderKind(models.TextChoices):
    """What authorises rationing (限电)."""

    PLAN = "plan", _("有序用电方案")
    ORDER = "order", _("限电指令")


class FlagReason(models.TextChoices):
    """Why rationing was flagged as unauthorised."""

    NO_ORDER = "no_order", _("无有序用电方案或指令")
    NOT_IN_FORCE = "not_in_force", _("方案或指令不在有效期内")
    NOT_LISTED = "not_listed", _("用户不在方案或指令的名单内")
