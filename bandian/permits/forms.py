"""Forms of the approval pages. The permit items come from the policy, never from code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from bandian.core import limits
from bandian.core.text import label
from bandian.policy import voltages
from bandian.policy.loader import active_policy

# The standard voltages of line works (bandian/policy/voltages.py says where they come from).
LINE_VOLTAGE_CHOICES = [(str(v), f"{v} kV") for v in voltages.LINE_VOLTAGES]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each by its content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def item_choices() -> list[tuple[str, str]]:
    return [(code, label(spec)) for code, spec in active_policy().permits.items.items()]


class CaseOpenForm(forms.Form):
    route = forms.CharField(label=_("线路路径（起点—终点）"), max_length=limits.SHORT_MAX)
    route_length_m = forms.DecimalField(
        label=_("线路长度（米）"), max_digits=8, decimal_places=1, min_value=Decimal("0.1")
    )
    voltage_kv = forms.ChoiceField(label=_("电压等级"), choices=LINE_VOLTAGE_CHOICES)
    has_wells = forms.BooleanField(label=_("含电缆井（电力井室）"), required=False)
    crossings = forms.CharField(
        label=_("跨越、穿越（道路、桥梁、绿地等）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.NOTE_MAX,
        required=False,
    )
    item_types = forms.MultipleChoiceField(
        label=_("审批事项"), widget=forms.CheckboxSelectMultiple, choices=item_choices
    )
    materials = MultipleFileField(label=_("审批材料（PDF、JPEG 或 PNG，每个不超过 10 MB，各部门共享）"), required=False)
    commitment_signed = forms.BooleanField(
        label=_("签署告知承诺书：接电后向各相关部门报告施工完成，并按期恢复道路和绿化"), required=False
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "route": data["route"],
            "route_length_m": data["route_length_m"],
            "voltage_kv": Decimal(data["voltage_kv"]),
            "has_wells": data["has_wells"],
            "crossings": data["crossings"],
            "item_types": data["item_types"],
            "materials": data["materials"],
            "commitment_signed": data["commitment_signed"],
        }


DECISIONS = [
    ("approve", _("批准")),
    ("refuse", _("不予许可")),
    ("supplement", _("要求补正材料")),
]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批意见"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("说明（不予许可的理由、需补正的内容）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.NOTE_MAX,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in ("refuse", "supplement") and not (data.get("note") or "").strip():
            self.add_error("note", _("不予许可或要求补正时须填写说明"))
        return data


class SupplementForm(forms.Form):
    note = forms.CharField(
        label=_("补正说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.NOTE_MAX, required=False
    )
    materials = MultipleFileField(label=_("补正材料（PDF、JPEG 或 PNG）"), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.NOTE_MAX, required=False
    )


class WithdrawForm(forms.Form):
    """The utility withdraws an open case (撤回): the reason goes to the departments and the log."""

    reason = forms.CharField(
        label=_("撤回理由（如申请已撤回或取消、线路路径变更）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.NOTE_MAX,
    )
