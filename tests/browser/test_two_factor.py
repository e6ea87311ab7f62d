"""Two-factor sign-in in the browser, with REQUIRE_2FA on: a coordinator
without an authenticator signs in and lands on the set-up page, reads the key
from it, turns two-factor on with the app's code and sees the backup codes
once; then signs in with password and code, is refused with a wrong code or
none, and signs in once with a backup code. axe-core finds no serious or
critical violation on the set-up, codes and sign-in pages."""

import importlib
from base64 import b32decode

import pytest
from django.apps import apps as django_apps
from django_otp.oath import totp
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import axe_serious_violations, new_page, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"


def _sign_in(page, base: str, code: str = "") -> None:
    page.goto(f"{base}/accounts/login/?next=/dashboard/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Two-factor code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_label("Username")).to_be_visible()


def test_enrol_then_sign_in_with_a_code_and_a_backup_code(browser, live_server, settings):
    settings.REQUIRE_2FA = True
    importlib.import_module("campaign.migrations.0002_roles").create_roles(django_apps, None)
    factories.CoordinatorFactory(username="coordinator")
    base = live_server.url
    context, page = new_page(browser, "en-US")

    # The password alone leads to the set-up page, and nowhere else.
    _sign_in(page, base)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    assert axe_serious_violations(page) == []
    save_screenshot(page, "two-factor-setup")
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    key = b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code shown in the app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10
    assert axe_serious_violations(page) == []
    # Shown once: a reload shows how many are left, not the codes.
    page.goto(f"{base}/accounts/two-factor/", wait_until="domcontentloaded")
    expect(page.get_by_text("You have 10 unused backup codes.")).to_be_visible()
    assert page.locator("#backup-codes").count() == 0
    page.get_by_role("link", name="Continue").click()
    assert page.url == f"{base}/dashboard/"
    _sign_out(page)

    # Password and the app's next code: the dashboard.
    _sign_in(page, base, f"{totp(key, drift=1):06d}")
    assert page.url == f"{base}/dashboard/"
    _sign_out(page)

    # A wrong code: refused, and the dashboard stays closed.
    _sign_in(page, base, "000000")
    expect(page.get_by_text("That code is not right, or was already used.")).to_be_visible()
    assert axe_serious_violations(page) == []
    page.goto(f"{base}/dashboard/")
    assert page.url.startswith(f"{base}/accounts/login/")

    # No code at all: refused.
    _sign_in(page, base)
    expect(page.get_by_text("Enter the code from your authenticator app")).to_be_visible()
    page.goto(f"{base}/dashboard/")
    assert page.url.startswith(f"{base}/accounts/login/")

    # A backup code works once.
    page.wait_for_timeout(1100)  # django-otp's throttle after the wrong code
    _sign_in(page, base, codes[0])
    assert page.url == f"{base}/dashboard/"
    _sign_out(page)
    page.wait_for_timeout(1100)
    _sign_in(page, base, codes[0])
    expect(page.get_by_text("That code is not right, or was already used.")).to_be_visible()
    context.close()
