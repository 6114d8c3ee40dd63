from django.db import models
from django.utils.translation import gettext_lazy as _

from bandian.policy.areas import AREA_CLASSES

# Supply area class of a feeder, transformer or MV user (requirements §5/§6): the values are those
# of bandian.policy.areas, labelled here in the same order.
AREA_LABELS = dict(zip(AREA_CLASSES, (_("中心区"), _("市区"), _("城镇"), _("农村")), strict=True))
AREA_CHOICES = [(area, AREA_LABELS[area]) for area in AREA_CLASSES]


class DensityClass(models.TextChoices):
    """Load-density supply area class (供电区域 A+–E), optional."""

    A_PLUS = "A+", "A+"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公用变")
    CUSTOMER = "customer", _("专用变")


class MVUserKind(models.TextChoices):
    """What counts as one MV user (requirements §6)."""

    PUBLIC_TRANSFORMER = "public_transformer", _("公用配变")
    HV_CUSTOMER = "hv_customer", _("10(20) kV 高压用户")


class ChangeAction(models.TextChoices):
    """What a recorded change did (bandian.grid.history)."""

    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOAD = "load", _("CSV 文件导入")
    IMPORT = "import", _("文件导入")
    RESTORE = "restore", _("复电")
    CLOSE = "close", _("结束")
