"""Staff sign-in: two-factor, lockouts and session lifetime.

The rest of the suite runs with REQUIRE_2FA off (pyproject.toml), because
`client.force_login` gives no two-factor code; these tests turn it on where
they need it (`require_2fa`)."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.two_factor import backup_codes_make

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True


def code(device: TOTPDevice, drift: int = 0) -> str:
    """The code the app shows now (drift=1: the next one, which the server's
    tolerance of one step also accepts and which was never used)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:06d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """An authenticator and backup codes for `user`, as the set-up page leaves them."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device, backup_codes_make(user=user)


def sign_in(client, username: str, password: str = PASSWORD, otp_token: str = "", **extra):
    return client.post(
        "/accounts/login/?next=/dashboard/",
        {"username": username, "password": password, "otp_token": otp_token},
        **extra,
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client
