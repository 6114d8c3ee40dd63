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
