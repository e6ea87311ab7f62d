"""Sign-in, two-factor set-up and backup codes for staff (rules in core.two_factor)."""

import datetime as dt
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from core.two_factor import (
    StaffAuthenticationForm,
    backup_codes_left,
    backup_codes_make,
    has_authenticator,
    totp_device_confirm,
    totp_device_pending,
    two_factor_required,
)

# The codes just made, shown on the next page once and then dropped.
FRESH_CODES_KEY = "two_factor_fresh_backup_codes"


class LoginView(auth_views.LoginView):
    authentication_form = StaffAuthenticationForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.is_staff:
            # An absolute end, not an idle timeout: a session stolen or left
            # open on a shared laptop lasts a working day at most.
            self.request.session.set_expiry(
                timezone.now() + dt.timedelta(hours=settings.STAFF_SESSION_HOURS)
            )
        return response


def admin_login(request, extra_context=None):
    """The admin's sign-in is the same one (password and two-factor code)."""
    next_url = request.GET.get("next") or "/admin/"
    if request.user.is_authenticated and request.user.is_staff:
        return redirect(next_url if _safe(request, next_url) else "/admin/")
    return redirect_to_login(next_url)


def _safe(request, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code shown in the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    # Built here from the otpauth URL alone; nothing in it comes from a request.
    return mark_safe(image.to_string(encoding="unicode"))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app: scan the QR code (or type the key), then give
    one of its codes. On success the session counts as verified and the
    backup codes are shown once."""
    if has_authenticator(request.user):
        messages.info(request, _("Two-factor sign-in is already on for your account."))
        return redirect("two_factor:manage")
    device = totp_device_pending(user=request.user)
    form = CodeForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        code = "".join(form.cleaned_data["otp_token"].split())
        if totp_device_confirm(device=device, token=code):
            device.refresh_from_db()
            # A new privilege level for this session: a new session key.
            request.session.cycle_key()
            otp_login(request, device)
            request.session[FRESH_CODES_KEY] = backup_codes_make(user=request.user)
            manage = reverse("two_factor:manage")
            if next_url and _safe(request, next_url):
                manage += "?" + urlencode({"next": next_url})
            return redirect(manage)
        form.add_error(
            "otp_token",
            _(
                "That code does not match. Check the app shows this account, "
                "and try the newest code."
            ),
        )
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _grouped(secret),
        "required": two_factor_required(request.user),
        "next": next_url if _safe(request, next_url) else "",
    }
    return render(
        request, "registration/two_factor_setup.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage(request):
    """Two-factor status; new backup codes on request (shown once)."""
    if not has_authenticator(request.user):
        return redirect("two_factor:setup")
    if request.method == "POST":
        if not request.user.is_verified():
            # Only a session that gave a code may replace the codes.
            return redirect_to_login(request.get_full_path())
        request.session[FRESH_CODES_KEY] = backup_codes_make(user=request.user)
        return redirect("two_factor:manage")
    fresh = request.session.pop(FRESH_CODES_KEY, None)
    next_url = request.GET.get("next", "")
    context = {
        "fresh_codes": fresh,
        "codes_left": backup_codes_left(request.user),
        "next": next_url if next_url and _safe(request, next_url) else "",
    }
    response = render(request, "registration/two_factor_manage.html", context)
    # The codes are shown once: no copy in a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response
