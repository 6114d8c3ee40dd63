from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.Model):
    """One of the prefecture's counties and cities, by administrative code."""

    adcode = models.CharField(_("adcode"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["adcode"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    CUSTOMER_MANAGER = "customer_manager", _("客户经理")
    PROJECT_MANAGER = "project_manager", _("项目经理")
    COUNTER = "counter", _("营业厅柜员")
    SUPERVISOR = "supervisor", _("监管人员")
    GRID_OPERATOR = "grid_operator", _("运检人员")
    DEPARTMENT = "department", _("审批部门人员")
    ADMIN = "admin", _("系统管理员")


STAFF_ROLES = {Role.CUSTOMER_MANAGER, Role.PROJECT_MANAGER, Role.COUNTER}


class Department(models.Model):
    """A government department that approves permits for external line works.

    Prefecture departments have no county; a county government has its county.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        County, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT, related_name="departments"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Everyone who signs in. Applicants sign in with their phone number as username."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    county = models.ForeignKey(
        County, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    # A hash of the identity number given at registration (never the number itself); copied to
    # the person's applications so that restarts are recognised.
    applicant_ref = models.CharField(max_length=80, blank=True)

    @property
    def is_utility_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_bandian_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for a mobile terminal or another system; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"token of {self.user}"


class PhoneCode(models.Model):
    """A one-time SMS verification code for registering a phone number; only its hash is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.phone}"
