from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from bandian.accounts.phones import normalise_phone, valid_mobile

ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": "13800000000"}),
    )

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not valid_mobile(phone):
            raise forms.ValidationError(_("请输入 11 位手机号码"))
        return phone


class RegisterForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    display_name = forms.CharField(label=_("姓名或单位名称"), max_length=100)
    password1 = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    id_number = forms.CharField(
        label=_("身份证号码（选填，只保存其摘要，用于识别重复申请）"),
        max_length=18,
        required=False,
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("验证码是 6 位数字"))
        return code

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().upper()
        if value and not ID_NUMBER_RE.match(value):
            raise forms.ValidationError(_("身份证号码应为 18 位"))
        return value

    def clean(self) -> dict:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致"))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
