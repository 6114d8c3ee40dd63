"""Registration with a phone number: a code by SMS, then name and password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bandian.accounts import services
from bandian.accounts.forms import PhoneForm, RegisterForm
from bandian.core.clientip import client_ip

SESSION_PHONE = "register_phone"


def register(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number; a verification code goes out."""
    if request.user.is_authenticated:
        return redirect("home")
    form = PhoneForm(
        request.POST if request.method == "POST" else None, initial={"phone": request.session.get(SESSION_PHONE, "")}
    )
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            services.phone_code_send(phone=phone, client=client_ip(request))
        except services.RegistrationError as exc:
            form.add_error("phone", str(exc))
        else:
            request.session[SESSION_PHONE] = phone
            return redirect("accounts:register_verify")
    return render(request, "accounts/register.html", {"form": form})


def register_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code, name and password; the applicant is created and signed in."""
    if request.user.is_authenticated:
        return redirect("home")
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("accounts:register")
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.applicant_register(
                phone=phone,
                code=data["code"],
                display_name=data["display_name"],
                password=data["password1"],
                id_number=data["id_number"],
            )
        except services.RegistrationError as exc:
            form.add_error("code", str(exc))
        else:
            request.session.pop(SESSION_PHONE, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，欢迎使用网上办电。"))
            return redirect("home")
    context = {"form": form, "phone": phone, "console": not settings.SMS_GATEWAY_URL}
    return render(request, "accounts/register_verify.html", context)
