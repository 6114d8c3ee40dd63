from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(label=_("短信验证码"), min_length=6, max_length=6)


class PaperForm(forms.Form):
    scan = forms.FileField(label=_("签字合同扫描件（PDF、JPEG 或 PNG）"))


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("合同文件（PDF）"))
