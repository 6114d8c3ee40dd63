"""Back-office forms for outage events and the import of §5 records."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bandian.accounts.models import County
from bandian.core import limits
from bandian.grid.models import Feeder, MVUser, Transformer
from bandian.outages.enums import RECORDED_STAGES, OrderKind, OutageCause, OutageKind, ProgressStage, Source
from bandian.outages.models import RationingOrder

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    feeder = forms.ModelChoiceField(
        label=_("线路编号"),
        queryset=Feeder.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput,
        error_messages={"invalid_choice": _("没有这个线路编号。")},
        help_text=_("只停部分配变时可不填，按配变所在线路。"),
    )
    transformers = forms.CharField(
        label=_("配变编号"),
        required=False,
        max_length=2000,
        help_text=_("只停部分配变时填写，多个编号以逗号或空格分隔；不填表示整条线路停电。"),
    )
    kind = forms.ChoiceField(label=_("停电类型"), choices=OutageKind.choices)
    cause = forms.ChoiceField(label=_("停电原因"), choices=OutageCause.choices)
    start = forms.DateTimeField(label=_("停电开始时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range])
    description = forms.CharField(
        label=pgettext_lazy("description", "说明"),
        required=False,
        max_length=limits.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    area = forms.CharField(
        label=_("停电范围"), required=False, max_length=limits.SHORT_MAX,
        help_text=_("向客户和公众说明的停电范围；故障停电录入后立即通知受影响的客户。"),
    )  # fmt: skip
    rationing_order = forms.ModelChoiceField(
        label=_("有序用电方案或指令"), queryset=RationingOrder.objects.all(), required=False,
        help_text=_("限电停电须选择所执行的方案或指令；没有的将记为违规限电并立即报告监管人员。"),
    )  # fmt: skip

    def __init__(self, *args: Any, counties: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = counties
        order = self.fields["rationing_order"]
        assert isinstance(order, forms.ModelChoiceField)
        if counties is not None:
            order.queryset = RationingOrder.objects.filter(Q(county__isnull=True) | Q(county_id__in=counties))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        feeder: Feeder | None = data.get("feeder")
        transformers: list[Transformer] = data.get("transformers") or []
        if feeder is None and "feeder" not in self.errors:
            if not transformers:
                if "transformers" not in self.errors:
                    self.add_error("feeder", _("请填写线路编号，或填写停电的配变编号。"))
                return data
            feeder = transformers[0].feeder
            data["feeder"] = feeder
        if feeder is not None and self.counties is not None and feeder.county_id not in self.counties:
            self.add_error("feeder", _("您不能录入其他县市线路的停电。"))
        return data

    def clean_transformers(self) -> list[Transformer]:
        codes = [c for c in re.split(r"[\s,，、]+", self.cleaned_data["transformers"]) if c]
        found = {t.code: t for t in Transformer.objects.select_related("feeder").filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(_("没有这些配变编号：%(codes)s") % {"codes": ", ".join(missing)})
        return [found[c] for c in dict.fromkeys(codes)]


class RowsField(forms.ModelMultipleChoiceField):
    """Rows chosen by id: a value that is no id (more digits than a row id has, "²") is an
    invalid choice, not a query the database cannot run (SQLite overflows on a huge integer)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if limits.ascii_int(str(pk)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


class StepForm(forms.Form):
    at = forms.DateTimeField(label=_("复电时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range])
    all_remaining = forms.BooleanField(label=_("其余全部用户"), required=False, initial=True)
    users = RowsField(
        label=_("复电用户"), queryset=MVUser.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=limits.SHORT_MAX)

    def __init__(self, *args: Any, remaining: QuerySet[MVUser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = self.fields["users"]
        assert isinstance(users, RowsField)
        users.queryset = remaining

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("all_remaining") and not data.get("users"):
            raise forms.ValidationError(_("请选择复电的用户，或勾选“其余全部用户”。"))
        if data.get("all_remaining") and data.get("users"):
            raise forms.ValidationError(_("已勾选“其余全部用户”时不要再选择个别用户；只恢复部分用户时请取消该勾选。"))
        return data


class EventFilterForm(forms.Form):
    county = forms.ModelChoiceField(
        label=_("县市"), queryset=County.objects.all(), required=False, empty_label=_("全部")
    )
    kind = forms.ChoiceField(label=_("停电类型"), choices=[("", _("全部")), *OutageKind.choices], required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), ("open", _("未结束")), ("closed", _("已结束"))], required=False
    )
    feeder = forms.CharField(label=_("线路编号"), required=False, max_length=40)


class ImportForm(forms.Form):
    interruptions = forms.FileField(label=_("停电记录文件（CSV 或 Parquet）"))
    users = forms.FileField(label=_("用户文件（可选）"), required=False)


class InterruptionFilterForm(forms.Form):
    county = forms.ModelChoiceField(
        label=_("县市"), queryset=County.objects.all(), required=False, empty_label=_("全部")
    )
    kind = forms.ChoiceField(label=_("停电类型"), choices=[("", _("全部")), *OutageKind.choices], required=False)
    cause = forms.ChoiceField(label=_("停电原因"), choices=[("", _("全部")), *OutageCause.choices], required=False)
    source = forms.ChoiceField(label=_("来源"), choices=[("", _("全部")), *Source.choices], required=False)
    event_id = forms.CharField(label=_("事件编号"), required=False, max_length=60)
    user_id = forms.CharField(label=_("用户编号"), required=False, max_length=40)
    feeder = forms.CharField(label=_("线路编号"), required=False, max_length=40)
    transformer = forms.CharField(label=_("配变编号"), required=False, max_length=40)
    year = forms.IntegerField(label=_("年份"), required=False, min_value=limits.FIRST_YEAR, max_value=limits.LAST_YEAR)


IN_RANGE = limits.validate_date_in_range


def _codes(raw: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、]+", raw) if c]


class PlanForm(forms.Form):
    """A planned outage: on a feeder, or some of its transformers."""

    feeder = forms.ModelChoiceField(
        label=_("线路编号"), queryset=Feeder.objects.all(), to_field_name="code", widget=forms.TextInput,
        error_messages={"invalid_choice": _("没有这个线路编号。")},
    )  # fmt: skip
    transformers = forms.CharField(
        label=_("配变编号"), required=False, max_length=2000,
        help_text=_("只停部分配变时填写，多个编号以逗号或空格分隔；不填表示整条线路停电。"),
    )  # fmt: skip
    start = forms.DateTimeField(label=_("停电开始时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range])
    end = forms.DateTimeField(label=_("预计结束时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range])
    works = forms.CharField(
        label=_("停电工作内容"), max_length=limits.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    area = forms.CharField(
        label=_("停电范围"),
        max_length=limits.SHORT_MAX,
        help_text=_("向客户和公众说明的停电范围，如街道、小区、村组。"),
    )
    temporary = forms.BooleanField(label=_("临时检修"), required=False)

    def __init__(self, *args: Any, counties: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = counties

    def clean_transformers(self) -> list[Transformer]:
        codes = _codes(self.cleaned_data["transformers"])
        found = {t.code: t for t in Transformer.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(_("没有这些配变编号：%(codes)s") % {"codes": ", ".join(missing)})
        return [found[c] for c in dict.fromkeys(codes)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        feeder = data.get("feeder")
        if feeder is not None and self.counties is not None and feeder.county_id not in self.counties:
            self.add_error("feeder", _("您不能安排其他县市线路的停电"))
        return data


class PlanChangeForm(forms.Form):
    start = forms.DateTimeField(label=_("新的开始时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range])
    end = forms.DateTimeField(
        label=_("新的预计结束时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range]
    )
    reason = forms.CharField(label=_("变更原因"), max_length=limits.SHORT_MAX)


class PlanCancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=limits.SHORT_MAX)


class PlanBeginForm(forms.Form):
    at = forms.DateTimeField(label=_("实际停电时间"), widget=LOCAL_INPUT, validators=[limits.validate_date_in_range])


class ProgressForm(forms.Form):
    stage = forms.ChoiceField(label=_("抢修进度"), choices=[(s.value, s.label) for s in RECORDED_STAGES])
    estimated_restoration = forms.DateTimeField(
        label=_("预计恢复送电时间"), required=False, widget=LOCAL_INPUT, validators=[limits.validate_date_in_range]
    )
    users = RowsField(
        label=_("已恢复送电的用户（部分恢复时选择）"), queryset=MVUser.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(label=_("备注"), required=False, max_length=limits.SHORT_MAX)

    def __init__(self, *args: Any, remaining: QuerySet[MVUser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = self.fields["users"]
        assert isinstance(users, RowsField)
        users.queryset = remaining

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("stage") == ProgressStage.PARTLY_RESTORED and not data.get("users"):
            self.add_error("users", _("请选择已恢复送电的用户。"))
        return data


class OrderForm(forms.Form):
    """An orderly-use plan or order that authorises rationing."""

    kind = forms.ChoiceField(label=_("授权类型"), choices=OrderKind.choices)
    county = forms.ModelChoiceField(
        label=_("县市"), queryset=County.objects.all(), required=False, empty_label=_("全州")
    )
    authority = forms.CharField(label=_("发文机关"), max_length=limits.NAME_MAX)
    document_no = forms.CharField(label=_("文号"), max_length=limits.NAME_MAX)
    issued_on = forms.DateField(label=_("发文日期"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_from = forms.DateField(label=_("有效期起"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("有效期止"), widget=forms.DateInput(attrs={"type": "date"}))
    users = forms.CharField(
        label=_("涵盖的用户"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("方案或指令所列用户的中压用户编号，以逗号或空格分隔。"),
    )  # fmt: skip

    def __init__(self, *args: Any, counties: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = counties
        if counties is not None:
            field = self.fields["county"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = County.objects.filter(adcode__in=counties)
            field.required = True

    def clean_users(self) -> list[MVUser]:
        codes = _codes(self.cleaned_data["users"])
        found = {u.user_id: u for u in MVUser.objects.filter(user_id__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(_("没有这些中压用户：%(ids)s") % {"ids": ", ".join(missing[:20])})
        return [found[c] for c in dict.fromkeys(codes)]
