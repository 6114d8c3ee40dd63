"""The customer classes of the plan: the one definition the policy file, the models and the API share.

The policy file gives each class its rules (`[classes.<code>]`); the code branches on a few of
them (三零 or not, low or high voltage), so the codes themselves are fixed here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerClass(models.TextChoices):
    RESIDENTIAL = "residential", _("居民用户")
    LV_SANLING = "lv_sanling", _("低压小微企业（三零）")
    LV_GENERAL = "lv_general", _("低压非居民用户")
    HV_SINGLE = "hv_single", _("高压单电源用户")
    HV_DUAL = "hv_dual", _("高压双电源用户")
