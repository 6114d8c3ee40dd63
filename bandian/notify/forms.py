from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bandian.notify.models import Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["sms", "inapp", "im", "im_address"]
        help_texts = {
            "im_address": _("企业微信、钉钉或飞书群机器人的 Webhook 地址，选择即时通讯时填写。"),
        }
