"""Forms of the applicant and back-office pages. Choices come from the policy, never from code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bandian.accounts.forms import ID_NUMBER_RE
from bandian.accounts.models import County
from bandian.accounts.phones import normalise_phone, valid_mobile
from bandian.applications import progress
from bandian.core import limits
from bandian.core.text import label
from bandian.grid.models import Feeder
from bandian.policy import voltages
from bandian.policy.classes import CustomerClass
from bandian.policy.loader import active_policy

# What the applicant picks: low-voltage non-residential is one choice; whether it is served
# under 三零 (lv_sanling) or not (lv_general) is decided by the system on submission.
LV_NON_RESIDENTIAL = "lv"
CLASS_CHOICES = [
    (CustomerClass.RESIDENTIAL.value, _("居民用户（低压）")),
    (LV_NON_RESIDENTIAL, _("低压非居民用户（系统判定是否适用“三零”）")),
    (CustomerClass.HV_SINGLE.value, _("高压单电源用户（10/20 kV）")),
    (CustomerClass.HV_DUAL.value, _("高压双电源用户（10/20 kV）")),
]
# The standard voltages (bandian/policy/voltages.py says where they come from).
_LOW_VOLTAGE_NAMES = {Decimal("0.22"): _("220 V（单相）"), Decimal("0.38"): _("380 V（三相）")}
LOW_VOLTAGE_CHOICES = [(str(v), _LOW_VOLTAGE_NAMES[v]) for v in voltages.LOW_VOLTAGE_OFFERED]
HIGH_VOLTAGE_CHOICES = [(str(v), f"{v} kV") for v in voltages.HIGH_VOLTAGES]
VOLTAGE_CHOICES = [(_("低压"), LOW_VOLTAGE_CHOICES), (_("高压"), HIGH_VOLTAGE_CHOICES)]
AREA_CHOICES = [("urban", _("城区")), ("rural", _("农村"))]
TEXTAREA = forms.Textarea(attrs={"rows": 2})


def service_class(choice: str) -> str:
    return CustomerClass.LV_GENERAL.value if choice == LV_NON_RESIDENTIAL else choice


def class_choice(customer_class: str) -> str:
    lv = (CustomerClass.LV_GENERAL, CustomerClass.LV_SANLING)
    return LV_NON_RESIDENTIAL if customer_class in lv else customer_class


class ApplyForm(forms.Form):
    customer_class = forms.ChoiceField(label=_("用户类别"), choices=CLASS_CHOICES)
    county = forms.ModelChoiceField(label=_("县市"), queryset=County.objects.all(), empty_label=None)
    area = forms.ChoiceField(label=_("城区或农村"), choices=AREA_CHOICES, widget=forms.RadioSelect, initial="urban")
    address = forms.CharField(label=_("用电地址"), max_length=limits.SHORT_MAX)
    capacity_kw = forms.DecimalField(
        label=_("报装容量（kW）"), max_digits=10, decimal_places=1, min_value=Decimal("0.1")
    )
    voltage_kv = forms.ChoiceField(label=_("电压等级"), choices=VOLTAGE_CHOICES)
    extended_boundary = forms.BooleanField(
        label=_("申请延伸投资界面（仅高压：重大风险防范、脱贫攻坚、污染防治项目）"), required=False
    )
    extended_boundary_reason = forms.CharField(
        label=_("延伸投资界面的理由"), max_length=limits.SHORT_MAX, required=False
    )

    def __init__(self, *args: Any, county: County | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if county is not None:
            # Counter staff enter applications for their own county only.
            county_field = self.fields["county"]
            assert isinstance(county_field, forms.ModelChoiceField)
            county_field.queryset = County.objects.filter(pk=county.pk)
            self.fields["county"].initial = county.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("customer_class")
        voltage = data.get("voltage_kv")
        if choice and voltage:
            high = choice in (CustomerClass.HV_SINGLE, CustomerClass.HV_DUAL)
            allowed = {v for v, _label in (HIGH_VOLTAGE_CHOICES if high else LOW_VOLTAGE_CHOICES)}
            if voltage not in allowed:
                self.add_error(
                    "voltage_kv",
                    _("高压用户请选择 10 或 20 kV") if high else _("低压用户请选择 220 V 或 380 V"),
                )
        if choice and data.get("extended_boundary"):
            if choice not in (CustomerClass.HV_SINGLE, CustomerClass.HV_DUAL):
                self.add_error("extended_boundary", _("延伸投资界面仅适用于高压用户"))
            elif not (data.get("extended_boundary_reason") or "").strip():
                self.add_error("extended_boundary_reason", _("请说明延伸投资界面的理由"))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "customer_class": service_class(data["customer_class"]),
            "county": data["county"],
            "urban": data["area"] == "urban",
            "address": data["address"],
            "capacity_kw": data["capacity_kw"],
            "voltage_kv": Decimal(data["voltage_kv"]),
            "extended_boundary": data["extended_boundary"],
            "extended_boundary_reason": data["extended_boundary_reason"] if data["extended_boundary"] else "",
        }


class CounterApplyForm(ApplyForm):
    """Counter staff enter an application for a person who came in."""

    applicant_name = forms.CharField(label=_("申请人姓名或单位名称"), max_length=limits.NAME_MAX)
    phone = forms.CharField(label=_("申请人手机号码"), max_length=20)
    id_number = forms.CharField(label=_("身份证号码（只保存其摘要）"), max_length=18, required=False)

    field_order = ["applicant_name", "phone", "id_number"]

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not valid_mobile(phone):
            raise forms.ValidationError(_("请输入 11 位手机号码"))
        return phone

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().upper()
        if value and not ID_NUMBER_RE.match(value):
            raise forms.ValidationError(_("身份证号码应为 18 位"))
        return value


class CompleteForm(forms.Form):
    """Complete the current step: the step is not chosen, it is the one the policy says is next."""

    prefix = "complete"
    note = forms.CharField(label=_("办理说明（选填）"), required=False, max_length=limits.NOTE_MAX, widget=TEXTAREA)
    feeder = forms.ModelChoiceField(
        label=_("接入馈线（答复供电方案时选择）"),
        queryset=Feeder.objects.all(),
        to_field_name="code",
        required=False,
        help_text=_("供电方案接入的 10 kV 馈线：自答复之日起至接电或撤回，其容量计入该馈线的已占用容量。"),
    )

    def __init__(self, *args: Any, county: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if county is not None:
            # Only the feeders of the application's county (the service checks it too).
            feeder = self.fields["feeder"]
            assert isinstance(feeder, forms.ModelChoiceField)
            feeder.queryset = Feeder.objects.filter(county_id=county).order_by("code")


class PauseForm(forms.Form):
    prefix = "pause"
    reason = forms.ChoiceField(label=_("暂停原因（客户原因）"))
    note = forms.CharField(label=_("说明（证据）"), max_length=limits.NOTE_MAX, widget=TEXTAREA)
    evidence = forms.FileField(label=_("证据文件（选填，PDF、JPEG 或 PNG）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reasons = active_policy().pause_reasons
        reason_field = self.fields["reason"]
        assert isinstance(reason_field, forms.ChoiceField)
        reason_field.choices = [(key, label(item)) for key, item in reasons.items()]


class ResumeForm(forms.Form):
    prefix = "resume"
    note = forms.CharField(label=_("说明（选填）"), required=False, max_length=limits.NOTE_MAX, widget=TEXTAREA)


class VisitForm(forms.Form):
    prefix = "visit"
    note = forms.CharField(label=_("客户到场办理的事项"), max_length=limits.NOTE_MAX, widget=TEXTAREA)


class CancelForm(forms.Form):
    prefix = "cancel"
    note = forms.CharField(label=_("取消理由"), max_length=limits.NOTE_MAX, widget=TEXTAREA)


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("撤回原因（选填）"), required=False, max_length=limits.NOTE_MAX, widget=TEXTAREA)


class ProgressForm(forms.Form):
    """The public progress query's two fields, checked by the rules the API checks them by."""

    no = forms.CharField(label=_("申请编号"), max_length=progress.NUMBER_MAX_LENGTH)
    phone_last4 = forms.CharField(label=_("手机号码后四位"), max_length=4)

    def clean_no(self) -> str:
        value = progress.normalise_number(self.cleaned_data["no"])
        if not progress.valid_number(value):
            raise forms.ValidationError(_("请输入申请编号"))
        return value

    def clean_phone_last4(self) -> str:
        value = self.cleaned_data["phone_last4"]
        if not progress.valid_digits(value):
            raise forms.ValidationError(_("请输入 4 位数字"))
        return value


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("办理中和暂停")),
            ("in_progress", _("办理中")),
            ("paused", _("客户原因暂停")),
            ("closed", _("已结束")),
        ],
    )
    customer_class = forms.ChoiceField(
        label=_("用户类别"), required=False, choices=[("", _("全部")), *CustomerClass.choices]
    )
    mine = forms.BooleanField(label=_("只看我负责的"), required=False)
