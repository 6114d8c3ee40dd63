"""A supply contract (供用电合同) of an application and the one-time codes that sign it.

Only bandian.applications.contracts.services writes these rows; every change of state is also an
event on the application's hash chain (`contract_signed`, `contract_sealed`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bandian.applications.models import Application


class ContractState(models.TextChoices):
    DRAWN = "drawn", _("待申请人签订")
    SIGNED = "signed", _("申请人已签订，待供电企业签章")
    SEALED = "sealed", _("已签章生效")


class SigningChannel(models.TextChoices):
    SMS = "sms", _("短信验证码确认")
    PAPER = "paper", _("纸质签字（营业厅录入）")


def _contract_path(contract: Contract, filename: str) -> str:
    return f"contracts/{contract.application.no}/{filename}"


class Contract(models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="contract")
    template = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=ContractState.choices, default=ContractState.DRAWN)
    drawn_at = models.DateTimeField()
    pdf = models.FileField(upload_to=_contract_path)
    pdf_sha256 = models.CharField(max_length=64)
    # The applicant's acceptance (the event `contract_signed` holds the same facts on the chain).
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_channel = models.CharField(max_length=10, choices=SigningChannel.choices, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The utility's digital signature (PAdES) over the drawn PDF.
    sealed_at = models.DateTimeField(null=True, blank=True)
    sealed_pdf = models.FileField(upload_to=_contract_path, blank=True)
    sealed_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signer = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"contract of {self.application.no}"

    @property
    def file(self) -> models.fields.files.FieldFile:
        """The contract as it stands: the sealed PDF once there is one."""
        return self.sealed_pdf if self.sealed_pdf else self.pdf


class SigningCode(models.Model):
    """A one-time SMS code for signing a contract; only its keyed hash is stored."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="codes")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"signing code for {self.contract_id}"
