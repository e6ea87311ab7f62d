"""Two-factor sign-in for staff: an authenticator app's codes (TOTP) and
single-use backup codes, on django-otp's devices.

Why django-otp with these few views rather than django-two-factor-auth: its
sign-in is a multi-step form wizard whose fields are renamed
(`auth-username`, `login_view-current_step`, ...), its wrong codes never
reach django-axes (no `user_login_failed`) and its code step does not check
the lockout; its QR code is a separate image and its backup-code page shows
the stored codes again on every visit; and it brings django-formtools and
django-phonenumber-field with a phone-device model we would not use. Here
the sign-in stays one form at /accounts/login/ (username, password, and the
code once the account has two-factor), and django-otp does the part worth
borrowing: the devices, the code check (clock drift, a code never accepted
twice, throttling after failures) and `request.user.is_verified()`.

The rules:
- a staff account with a confirmed authenticator must give a code (or a
  backup code) to sign in; a wrong or missing code is a failed sign-in for
  django-axes, like a wrong password;
- with REQUIRE_2FA on, a coordinator or admin without an authenticator is
  sent to the set-up page and reaches nothing else (dashboard, admin,
  imports) until it is done; a session that is signed in without a code
  while the account has an authenticator (opened before it was set up) is
  signed out.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.roles import can_see_personal_data

BACKUP_DEVICE_NAME = "backup"
AUTHENTICATOR_NAME = "authenticator"


def two_factor_required(user) -> bool:
    """Coordinators (who see personal data) and admins, when REQUIRE_2FA is on."""
    return bool(
        settings.REQUIRE_2FA
        and user.is_authenticated
        and (user.is_superuser or can_see_personal_data(user))
    )


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(*, user) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device per user, its
    secret shown until a code from it is given.

    Side effects: INSERTs the unconfirmed device the first time."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending authenticator when `token` is one of its codes.

    Side effects: on success the device is confirmed (and remembers the code,
    so it is not accepted again) and any older authenticator of the user is
    deleted; on failure the device's throttle counts it."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user_id).exclude(pk=device.pk).delete()
    return True


def backup_codes_make(*, user) -> list[str]:
    """New backup codes for `user`, replacing any left.

    Side effects: creates the user's backup device the first time, deletes
    its old codes, INSERTs TWO_FACTOR_BACKUP_CODES new ones. The caller shows
    them once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_BACKUP_CODES)]
    with transaction.atomic():
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalise_code(value: str) -> str:
    # Apps show "123 456"; backup codes are read aloud or copied with spaces.
    return "".join(value.split()).lower()


class StaffAuthenticationForm(AuthenticationForm):
    """Username and password, plus the code for accounts with two-factor."""

    otp_token = forms.CharField(
        label=_("Two-factor code"),
        required=False,
        max_length=32,
        strip=True,
        help_text=_(
            "Only if you set up two-factor sign-in: the 6-digit code from your "
            "authenticator app, or one of your backup codes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "otp_required": _("Enter the code from your authenticator app, or a backup code."),
        "otp_invalid": _("That code is not right, or was already used. Try the newest code."),
    }

    def clean(self):
        cleaned = super().clean()
        user = self.user_cache
        if user is None or not has_authenticator(user):
            return cleaned
        token = _normalise_code(cleaned.get("otp_token") or "")
        device = match_token(user, token) if token else None
        if device is None:
            # Counted by django-axes like a wrong password: the same lockout
            # stops guessing codes once a password is known.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            code = "otp_invalid" if token else "otp_required"
            raise forms.ValidationError(self.error_messages[code], code=code)
        # django-otp's user_logged_in receiver marks the session verified.
        user.otp_device = device
        return cleaned


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("two_factor:setup"),
        reverse("logout"),
        reverse("set_language"),
        reverse("healthz"),
        settings.STATIC_URL,
    )


class TwoFactorMiddleware:
    """After AuthenticationMiddleware and django-otp's OTPMiddleware.

    With REQUIRE_2FA off nothing is enforced here (two-factor is asked at
    sign-in by the form alone), so a test's `client.force_login` session
    works as before and costs no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_2FA:
            response = self._refuse(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _refuse(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.path.startswith(_exempt_paths()):
            return None
        if has_authenticator(user):
            # Signed in without a code (a session opened before the
            # authenticator was set up): sign in again, with it.
            path = request.get_full_path()
            logout(request)
            return redirect_to_login(path)
        if two_factor_required(user):
            return redirect_to_login(request.get_full_path(), reverse("two_factor:setup"))
        return None
