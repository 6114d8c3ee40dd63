"""The staff forms of the payments section on the application page."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from bandian.core import limits
from bandian.policy.fees import FeeItem

TEXTAREA = forms.Textarea(attrs={"rows": 2})


class IssueForm(forms.Form):
    """One catalogue item per order from the page (the API takes several). The list offers the
    items that apply to the application; the service judges whatever code is posted, and its
    refusal (with the reason) is a form error."""

    code = forms.CharField(label=_("收费项目"), max_length=limits.CODE_MAX, widget=forms.Select)
    quantity = forms.DecimalField(
        label=_("数量"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), initial=Decimal(1)
    )
    note = forms.CharField(label=_("说明"), max_length=limits.SHORT_MAX, required=False)

    def __init__(self, *args: object, catalogue: list[FeeItem] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        items = catalogue or []
        widget = self.fields["code"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [(item.code, f"{item.zh}（{item.amount} 元/{item.unit_label()}）") for item in items]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=limits.SHORT_MAX, widget=TEXTAREA)
