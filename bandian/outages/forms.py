"""Back-office forms for outage events and the import of §5 records."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.core import limits
from bandian.grid.models import Feeder, MVUser, Transformer
from bandian.outages.enums import OutageCause, OutageKind, Source

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
        label=_("说明"), required=False, max_length=limits.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, counties: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = counties

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
