"""Two-factor sign-in: set-up, sign-in with a code or a backup code, the
lockout counting wrong codes, and REQUIRE_2FA keeping coordinators and admins
on the set-up page until they have an authenticator."""

from base64 import b32encode

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staff.conftest import PASSWORD, code, enrol, sign_in

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
MANAGE = "/accounts/two-factor/"


# -- REQUIRE_2FA: nothing but the set-up page until enrolled -------------------


@pytest.mark.parametrize("path", ["/dashboard/", "/admin/", "/imports/"])
def test_a_coordinator_without_an_authenticator_is_sent_to_set_up(
    client, coordinator, require_2fa, path
):
    client.force_login(coordinator)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path}"


def test_an_admin_without_an_authenticator_is_sent_to_set_up(client, admin, require_2fa):
    client.force_login(admin)
    response = client.get("/admin/campaign/supporter/")
    assert response["Location"] == f"{SETUP}?next=/admin/campaign/supporter/"


def test_a_viewer_is_not_required_to_set_it_up(client, viewer, require_2fa):
    client.force_login(viewer)
    assert client.get("/dashboard/").status_code == 200


def test_with_require_2fa_off_a_coordinator_without_it_reaches_the_dashboard(
    client, coordinator, settings
):
    settings.REQUIRE_2FA = False
    client.force_login(coordinator)
    assert client.get("/dashboard/").status_code == 200


def test_a_session_signed_in_without_a_code_is_signed_out_once_the_account_has_one(
    client, coordinator, require_2fa
):
    # E.g. a session on another computer, opened before the authenticator was added.
    client.force_login(coordinator)
    enrol(coordinator)
    response = client.get("/dashboard/")
    assert response["Location"] == "/accounts/login/?next=/dashboard/"
    assert "_auth_user_id" not in client.session


# -- Set-up ----------------------------------------------------------------------


def test_the_setup_page_shows_the_qr_code_inline_and_the_key_in_text(client, coordinator):
    client.force_login(coordinator)
    response = client.get(SETUP)
    device = TOTPDevice.objects.get(user=coordinator)
    secret = b32encode(device.bin_key).decode()
    body = response.content.decode()
    assert response.status_code == 200
    assert device.confirmed is False
    assert body.count("<svg") == 1
    assert "<img" not in body
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in body


def test_reloading_the_setup_page_keeps_the_same_key(client, coordinator):
    client.force_login(coordinator)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


def test_the_right_code_turns_it_on_and_shows_the_backup_codes_once(
    client, coordinator, require_2fa
):
    client.force_login(coordinator)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=coordinator)
    response = client.post(SETUP, {"otp_token": code(device), "next": "/dashboard/"})
    assert response["Location"] == f"{MANAGE}?next=%2Fdashboard%2F"
    first = client.get(response["Location"]).content.decode()
    codes = list(
        StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)
    )
    assert len(codes) == 10
    assert all(c in first for c in codes)
    second = client.get(MANAGE).content.decode()
    assert not any(c in second for c in codes)
    assert "You have 10 unused backup codes." in second
    device.refresh_from_db()
    assert device.confirmed is True
    # The session gave a code: the dashboard opens.
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_code_at_setup_is_refused_next_to_the_field(client, coordinator):
    client.force_login(coordinator)
    client.get(SETUP)
    response = client.post(SETUP, {"otp_token": "000000"})
    assert response.status_code == 400
    assert "That code does not match." in response.content.decode()
    assert TOTPDevice.objects.get(user=coordinator).confirmed is False


def test_new_backup_codes_replace_the_old_ones(client, coordinator):
    device, old = enrol(coordinator)
    sign_in(client, "coordinator", otp_token=code(device, drift=1))
    client.post(MANAGE)
    new = set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True))
    assert len(new) == 10
    assert new.isdisjoint(old)


# -- Sign-in ----------------------------------------------------------------------


def test_password_and_the_apps_code_sign_in_and_verify_the_session(client, coordinator):
    device, _ = enrol(coordinator)
    response = sign_in(client, "coordinator", otp_token=code(device, drift=1))
    assert response["Location"] == "/dashboard/"
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_wrong_code_is_refused(client, coordinator):
    enrol(coordinator)
    response = sign_in(client, "coordinator", otp_token="123456")
    assert response.status_code == 200
    assert "That code is not right, or was already used." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_password_alone_does_not_sign_in_an_account_with_two_factor(client, coordinator):
    enrol(coordinator)
    response = sign_in(client, "coordinator")
    assert "Enter the code from your authenticator app" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_without_two_factor_signs_in_with_its_password(client, viewer):
    response = sign_in(client, "viewer")
    assert response["Location"] == "/dashboard/"


def test_a_backup_code_signs_in_once(client, coordinator):
    _, codes = enrol(coordinator)
    assert sign_in(client, "coordinator", otp_token=codes[0].upper())["Location"] == "/dashboard/"
    client.post("/accounts/logout/")
    again = sign_in(client, "coordinator", otp_token=codes[0])
    assert again.status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9


def test_wrong_codes_count_toward_the_lockout(client, coordinator, settings):
    device, _ = enrol(coordinator)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "coordinator", otp_token="000000").status_code == 200
    locked = sign_in(client, "coordinator", otp_token="000000")
    assert locked.status_code == 429
    # Locked: even the right password and code are refused now.
    assert sign_in(client, "coordinator", otp_token=code(device, drift=1)).status_code == 429
    # Axes counts the refused attempt too (it restarts the cool-off).
    assert AccessAttempt.objects.get(username="coordinator").failures_since_start == 6


def test_a_wrong_password_still_counts_with_two_factor_on(client, coordinator):
    enrol(coordinator)
    sign_in(client, "coordinator", password="wrong", otp_token="000000")
    assert AccessAttempt.objects.get(username="coordinator").failures_since_start == 1


# -- The admin signs in through the same form -------------------------------------


def test_the_admin_login_page_leads_to_the_two_factor_sign_in(client):
    response = client.get("/admin/login/?next=/admin/campaign/")
    assert response["Location"] == "/accounts/login/?next=/admin/campaign/"


def test_an_admin_signs_in_to_the_admin_with_a_code(client, admin, require_2fa):
    device, _ = enrol(admin)
    client.post(
        "/accounts/login/?next=/admin/",
        {"username": "admin", "password": PASSWORD, "otp_token": code(device, drift=1)},
    )
    assert client.get("/admin/").status_code == 200


def test_the_dashboard_links_every_staff_account_to_two_factor(client, viewer):
    client.force_login(viewer)
    body = client.get("/dashboard/").content.decode()
    assert 'href="/accounts/two-factor/"' in body
