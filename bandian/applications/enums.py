from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    """Derived from the timeline and stored for queries; only services write it."""

    DRAFT = "draft", _("草稿")
    IN_PROGRESS = "in_progress", _("办理中")
    PAUSED = "paused", _("客户原因暂停")
    ENERGISED = "energised", _("已接电")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已取消")

    @classmethod
    def open_states(cls) -> list[str]:
        return [cls.IN_PROGRESS, cls.PAUSED]

    @classmethod
    def closed_states(cls) -> list[str]:
        return [cls.ENERGISED, cls.WITHDRAWN, cls.CANCELLED]


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    COUNTER = "counter", _("营业厅代办")
    API = "api", _("接口")
    IMPORT = "import", _("数据导入")


class EventType(models.TextChoices):
    CREATED = "created", _("创建申请")
    DOCUMENT_UPLOADED = "document_uploaded", _("上传资料")
    SUBMITTED = "submitted", _("提交申请")
    ASSIGNED = "assigned", _("分配客户经理和项目经理")
    STAGE_COMPLETED = "stage_completed", _("完成环节")
    PAUSED = "paused", _("客户原因暂停")
    RESUMED = "resumed", _("恢复办理")
    APPROVAL_STARTED = "approval_started", _("外线工程审批开始")
    APPROVAL_COMPLETED = "approval_completed", _("外线工程审批完成")
    VISIT = "visit", _("客户到现场办理")
    WITHDRAWN = "withdrawn", _("申请人撤回")
    CANCELLED = "cancelled", _("取消申请")
    # Customer service (issue 11): contracts, payment orders, the manager's site visit, the rating.
    # Where the Chinese is also the heading or button of the app that makes the event (缴费
    # "Payments", 退费 "Refund"), the label has its own context: an event says what happened.
    CONTRACT_SIGNED = "contract_signed", _("申请人签订供用电合同")
    CONTRACT_SEALED = "contract_sealed", pgettext_lazy("timeline event", "供电企业签章")
    PAYMENT_ISSUED = "payment_issued", pgettext_lazy("timeline event", "开具缴费通知单")
    PAYMENT_PAID = "payment_paid", pgettext_lazy("timeline event", "缴费")
    PAYMENT_CANCELLED = "payment_cancelled", _("撤销缴费通知单")
    PAYMENT_REFUNDED = "payment_refunded", pgettext_lazy("timeline event", "退费")
    SITE_VISIT_BOOKED = "site_visit_booked", pgettext_lazy("timeline event", "预约上门")
    SITE_VISIT_CHANGED = "site_visit_changed", _("改约上门")
    SITE_VISIT_CANCELLED = "site_visit_cancelled", _("取消上门预约")
    SITE_VISIT_CONFIRMED = "site_visit_confirmed", _("确认上门预约")
    RATED = "rated", pgettext_lazy("timeline event", "服务评价")


# Event types of the interchange format (requirements §5); the others are bandian's own.
INTERCHANGE_TYPES = {
    EventType.SUBMITTED,
    EventType.STAGE_COMPLETED,
    EventType.PAUSED,
    EventType.RESUMED,
    EventType.APPROVAL_STARTED,
    EventType.APPROVAL_COMPLETED,
    EventType.VISIT,
    EventType.WITHDRAWN,
    EventType.CANCELLED,
}
