"""Back-office forms of the grid model. References are typed as codes, which scales to a
prefecture's tens of thousands of transformers better than a select."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bandian.accounts.models import County
from bandian.grid.enums import AREA_CHOICES
from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer
from bandian.grid.validation import mv_user_problems

CODE_ERRORS = {"invalid_choice": _("没有这个编号。")}


def code_field(queryset: QuerySet, label: Any, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset,
        to_field_name="code",
        label=label,
        required=required,
        widget=forms.TextInput,
        error_messages=CODE_ERRORS,
    )


class CountyScopedForm(forms.ModelForm):
    """The county choice is limited to the counties the user may edit."""

    def __init__(self, *args: Any, counties: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["county"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = County.objects.all() if counties is None else County.objects.filter(adcode__in=counties)
        # Show a reference by its code when editing.
        for name, bound in self.fields.items():
            if isinstance(bound, forms.ModelChoiceField) and bound.to_field_name == "code" and self.instance.pk:
                related = getattr(self.instance, name, None)
                if related is not None:
                    self.initial[name] = related.code


class SubstationForm(CountyScopedForm):
    class Meta:
        model = Substation
        fields = ["code", "name", "county", "voltage_kv", "rated_capacity_kva", "peak_load_kva"]


class FeederForm(CountyScopedForm):
    substation = code_field(Substation.objects.all(), _("变电站编号"))

    class Meta:
        model = Feeder
        fields = [
            "code", "name", "substation", "county", "area_class", "density_class",
            "rated_capacity_kva", "peak_load_kva",
        ]  # fmt: skip


class TransformerForm(CountyScopedForm):
    feeder = code_field(Feeder.objects.all(), _("线路编号"))

    class Meta:
        model = Transformer
        fields = ["code", "name", "feeder", "ownership", "capacity_kva", "county", "area_class"]


class MVUserForm(CountyScopedForm):
    feeder = code_field(Feeder.objects.all(), _("线路编号"))
    transformer = code_field(Transformer.objects.all(), _("配变编号"), required=False)

    class Meta:
        model = MVUser
        fields = [
            "user_id", "kind", "name", "feeder", "transformer", "county", "area_class",
            "in_service_from", "in_service_to", "contact_name", "contact_phone",
        ]  # fmt: skip
        labels = {"contact_name": _("联系人"), "contact_phone": _("联系电话")}
        widgets = {
            "in_service_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "in_service_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = True
        if self.instance.pk:
            # Interruption rows refer to users by this id: it does not change once given.
            self.fields["user_id"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        feeder, transformer = data.get("feeder"), data.get("transformer")
        problems = mv_user_problems(
            kind=data.get("kind", ""),
            feeder_id=feeder.pk if feeder else None,
            transformer=(transformer.feeder_id, transformer.ownership) if transformer else None,
            in_service_from=data.get("in_service_from"),
            in_service_to=data.get("in_service_to"),
        )
        for name, reason in problems.items():
            self.add_error(name, reason)
        return data


class LVCustomerForm(CountyScopedForm):
    transformer = code_field(Transformer.objects.all(), _("配变编号"))

    class Meta:
        model = LVCustomer
        fields = ["account_no", "name", "transformer", "county", "phone"]
        labels = {"phone": _("联系电话")}


class GridFilterForm(forms.Form):
    county = forms.ModelChoiceField(
        label=_("县市"), queryset=County.objects.all(), required=False, empty_label=_("全部")
    )
    area_class = forms.ChoiceField(label=_("供电区域"), choices=[("", _("全部")), *AREA_CHOICES], required=False)
    q = forms.CharField(label=_("编号或名称"), required=False, max_length=40)


class GridUploadForm(forms.Form):
    substations = forms.FileField(label=_("变电站"), required=False)
    feeders = forms.FileField(label=_("10 kV 线路"), required=False)
    transformers = forms.FileField(label=_("配变"), required=False)
    mv_users = forms.FileField(label=_("中压用户"), required=False)
    lv_customers = forms.FileField(label=_("低压客户"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError(_("请至少选择一个 CSV 文件。"))
        return data
